package privacy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameCues are the phrases after which citizens give their name, longest
// first where one contains another. The cues 我是 and 本人是 are weak
// ("我是一名教师"), so names after them must end at a clear boundary.
var nameCues = []struct {
	text   string
	strict bool
}{
	{"我的名字叫", false}, {"我的名字是", false}, {"本人姓名", false}, {"本人叫", false}, {"本人是", true},
	{"我叫", false}, {"姓名", false}, {"联系人", false}, {"我是", true},
}

// compoundSurnames are the two-character surnames common enough to expect.
var compoundSurnames = []string{
	"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "司徒", "夏侯", "尉迟", "长孙", "公孙", "宇文",
	"澹台", "端木", "南宫", "西门", "独孤", "呼延",
}

// surnames holds common single-character surnames, which covers the great
// majority of the population.
var surnames = stringSet("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程" +
	"苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫" +
	"孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季" +
	"裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景" +
	"党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")

// nameStops are characters that end a name: common verbs, particles and
// nouns that follow a name in a sentence but rarely appear in given names.
var nameStops = stringSet("的是在住家现今年男女电手联身先同警因于从向想要来反投举请有和与及号说昨去已被对给也就都还又这那人岁")

func stringSet(s string) map[rune]bool {
	m := make(map[rune]bool, utf8.RuneCountInString(s))
	for _, r := range s {
		m[r] = true
	}
	return m
}

// findNames returns the byte ranges of names that follow a cue in s, which is
// NFKC-normalised. A name is a known surname and one or two more Han
// characters, cut short at a character in nameStops. After a weak cue the name
// must be followed by a non-Han character or a stop character.
func findNames(s string) [][2]int {
	strictAt := map[int]bool{} // name start -> only weak cues precede it
	var starts []int
	for _, cue := range nameCues {
		for from := 0; ; {
			i := strings.Index(s[from:], cue.text)
			if i < 0 {
				break
			}
			start := skipCueSuffix(s, from+i+len(cue.text))
			from += i + len(cue.text)
			strict, seen := strictAt[start]
			if !seen {
				starts = append(starts, start)
				strictAt[start] = cue.strict
			} else if strict && !cue.strict {
				strictAt[start] = false
			}
		}
	}
	var out [][2]int
	for _, start := range starts {
		if end, ok := nameAt(s[start:], strictAt[start]); ok {
			out = append(out, [2]int{start, start + end})
		}
	}
	return out
}

// skipCueSuffix skips a colon, 是 or 为 and spaces after a cue.
func skipCueSuffix(s string, i int) int {
	for _, sep := range []string{":", "是", "为"} {
		if strings.HasPrefix(s[i:], sep) {
			i += len(sep)
			break
		}
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// nameAt returns the byte length of the name at the start of s.
func nameAt(s string, strict bool) (int, bool) {
	surnameLen := 0
	for _, c := range compoundSurnames {
		if strings.HasPrefix(s, c) {
			surnameLen = len(c)
			break
		}
	}
	if surnameLen == 0 {
		r, size := utf8.DecodeRuneInString(s)
		if !surnames[r] {
			return 0, false
		}
		surnameLen = size
	}
	// Collect up to two given-name characters.
	end := surnameLen
	given := 0
	for given < 2 && end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if !unicode.Is(unicode.Han, r) || nameStops[r] {
			break
		}
		end += size
		given++
	}
	if given == 0 {
		return 0, false
	}
	if strict && end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.Is(unicode.Han, r) && !nameStops[r] {
			return 0, false
		}
	}
	return end, true
}
