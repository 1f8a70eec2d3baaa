package privacy

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	phP = "[手机号]"
	phT = "[电话]"
	phI = "[身份证号]"
	phC = "[银行卡号]"
	phN = "[姓名]"
)

type maskCase struct {
	name  string
	in    string
	want  string // masked text
	kinds []Kind // kinds of the findings in order; nil when nothing is found
}

func maskCases() []maskCase {
	var cases []maskCase
	add := func(name, in, want string, kinds ...Kind) {
		cases = append(cases, maskCase{name, in, want, kinds})
	}
	keep := func(name, in string) { add(name, in, in) }

	// Mobile numbers in the shapes citizens write them.
	for _, prefix := range []string{"138", "159", "177", "188", "199"} {
		m := genMobile(prefix)
		add(prefix+" alone", m, phP, KindMobile)
		add(prefix+" in sentence", "我的电话是"+m+"，请尽快联系。", "我的电话是"+phP+"，请尽快联系。", KindMobile)
		add(prefix+" spaced", "手机 "+spaced(m, " ")+" 谢谢", "手机 "+phP+" 谢谢", KindMobile)
		add(prefix+" hyphens", "电话："+spaced(m, "-"), "电话："+phP, KindMobile)
		add(prefix+" plus86", "联系方式+86 "+spaced(m, " ")+"。", "联系方式"+phP+"。", KindMobile)
		add(prefix+" 0086", "0086-"+m+"，", phP+"，", KindMobile)
		add(prefix+" full width", "手机号码："+fullWidth(m)+"。", "手机号码："+phP+"。", KindMobile)
		add(prefix+" full width spaced", "电话"+fullWidth(spaced(m, " ")), "电话"+phP, KindMobile)
	}
	m1, m2 := genMobile("136"), genMobile("187")
	add("two numbers comma", m1+","+m2, phP+","+phP, KindMobile, KindMobile)
	add("two numbers dunhao", "电话"+m1+"、"+m2+"均可", "电话"+phP+"、"+phP+"均可", KindMobile, KindMobile)
	add("two numbers space", m1+" "+m2, phP+" "+phP, KindMobile, KindMobile)
	add("mobile then or", m1+"或"+m2, phP+"或"+phP, KindMobile, KindMobile)
	add("86 prefix glued", "86"+m1, phP, KindMobile)
	add("bracketed plus86", "(+86)"+m1, phP, KindMobile)
	add("mobile in Chinese numerals", "我的电话一三八零零零零一一一一，谢谢", "我的电话"+phP+"，谢谢", KindMobile)
	add("mobile with 幺 for 1", "我的电话幺三八零零零零幺幺幺幺，谢谢", "我的电话"+phP+"，谢谢", KindMobile)
	add("mobile mixing 幺 and 一", "电话一三九〇〇〇〇幺一幺一", "电话"+phP, KindMobile)
	keep("两 is not the digit 2", "两三八零零零零一一一一")
	add("mobile in spaced Chinese numerals", "电话幺三八 零零零零 幺幺幺幺，谢谢", "电话"+phP+"，谢谢", KindMobile)
	add("mobile in hyphenated Chinese numerals", "手机一三八－〇〇〇〇－一一一一", "手机"+phP, KindMobile)
	add("mobile in Chinese numerals with ideographic spaces", "电话：一三八\u3000零零零零\u3000一一一一", "电话："+phP, KindMobile)
	add("mobile mixing Arabic and Chinese numerals", "电话138零零零零1111", "电话"+phP, KindMobile)
	add("mobile mixing full-width and Chinese numerals", "电话１３８零零零零１１１１。", "电话"+phP+"。", KindMobile)
	add("mobile mixing numerals with spaces", "电话138 零零零零 1111", "电话"+phP, KindMobile)
	add("mobile in Chinese numerals with commas", "电话幺三八，零零零零，幺幺幺幺", "电话"+phP, KindMobile)
	add("mobile in Chinese numerals with 、", "一三八、零零零零、一一一一", phP, KindMobile)
	add("mobile in Chinese numerals with dashes", "号码幺三八——零零零零——幺幺幺幺", "号码"+phP, KindMobile)
	add("mobile in capital numerals", "电话壹叁捌零零零零壹壹壹壹", "电话"+phP, KindMobile)
	keep("a list of Chinese numerals", "第一、二、三条")
	keep("Arabic digits listed with 、", "1、2、3、4、5、6、7")
	keep("a date in Chinese numerals", "二〇二四年三月五日")
	keep("six spaced Chinese numerals", "一 二 三 四 五 六")
	keep("Chinese numerals apart by two spaces", "一三八  零零零零")
	keep("short run of Chinese numerals", "一二三四五六，大家好")
	add("name with a numeral", "我叫张一鸣，家住小区", "我叫"+phN+"，家住小区", KindName)
	add("mobile digit by digit", "电话 "+strings.Join(strings.Split(m1, ""), " ")+" 谢谢", "电话 "+phP+" 谢谢", KindMobile)
	add("mobile digit by digit with hyphens", "电话"+strings.Join(strings.Split(m2, ""), "-"), "电话"+phP, KindMobile)
	add("mobile inside account name", "我的微信wx"+m1+"谢谢", "我的微信wx"+phP+"谢谢", KindMobile)
	add("mobile after QQ letters", "加我QQ"+m2, "加我QQ"+phP, KindMobile)
	keep("mobile glued to digits", "订单9"+m1)
	add("mobile then letter", "电话"+m1+"x", "电话"+phP+"x", KindMobile)
	add("mobile then letters", m2+"abc", phP+"abc", KindMobile)
	add("email", "邮箱 zhang.san@example.com 谢谢", "邮箱 [邮箱] 谢谢", KindEmail)
	add("email with subdomain", "请回复到a_b+c@mail.example.com.cn。", "请回复到[邮箱]。", KindEmail)
	keep("at sign without domain", "@民警 谢谢")
	add("mobile at line start", m1+"\n第二行", phP+"\n第二行", KindMobile)
	add("mobile in brackets", "（"+m1+"）", "（"+phP+"）", KindMobile)
	add("mobile after colon", "Tel:"+m1, "Tel:"+phP, KindMobile)
	add("mobile with emoji", "📞"+m1+"😀", "📞"+phP+"😀", KindMobile)
	keep("mobile inside longer digits", "订单号2019"+m1+"88")
	keep("mobile glued to letters", "SF"+m1+"CN")
	keep("mobile glued to trailing digit", m1+"7")
	keep("twelve digits", "1"+m1)
	keep("starting 12", "12"+m1[2:])
	keep("ten digits", m1[:10])

	// Numbers the citizen half-masked.
	m3 := genMobile("177")
	card6 := genCard("622202", 16)
	add("half-masked times", "手机"+hideMiddle(m3, "×")+"，", "手机"+phP+"，", KindMaskedPhone)
	add("half-masked stars", hideMiddle(m3, "*"), phP, KindMaskedPhone)
	add("half-masked full-width", fullWidth(hideMiddle(m3, "*")), phP, KindMaskedPhone)
	add("half-masked lower x", "电话"+hideMiddle(m3, "x"), "电话"+phP, KindMaskedPhone)
	add("half-masked upper X", "电话"+hideMiddle(m3, "X")+"。", "电话"+phP+"。", KindMaskedPhone)
	add("half-masked dots", "号码"+hideMiddle(m3, "●"), "号码"+phP, KindMaskedPhone)
	add("half-masked spaced", m3[:3]+" **** "+m3[7:], phP, KindMaskedPhone)
	add("last four hidden", "尾号未知 "+m3[:7]+"****", "尾号未知 "+phP, KindMaskedPhone)
	add("last five hidden", "手机"+m3[:6]+"*****。", "手机"+phP+"。", KindMaskedPhone)
	add("three hidden", m3[:3]+"***"+m3[6:], phP, KindMaskedPhone)
	keep("three stars ten characters", m3[:3]+"***"+m3[7:])
	keep("two stars", m3[:3]+"**"+m3[5:])
	keep("stars not after prefix", m3[:2]+"****"+m3[6:])
	id2 := genID18WithX("430102", "19900101", false)
	add("half-masked id", "身份证"+id2[:6]+"********"+id2[14:]+"，", "身份证"+phI+"，", KindIDNumber)
	add("half-masked id lower x", id2[:6]+"********"+id2[14:17]+"x", phI, KindIDNumber)
	add("half-masked id full-width", fullWidth(id2[:4]+"**********"+id2[14:]), phI, KindIDNumber)
	add("half-masked card", "卡号"+card6[:6]+"******"+card6[12:], "卡号"+phI, KindIDNumber)
	add("half-masked card spaced", "卡号 "+card6[:4]+" **** **** "+card6[12:], "卡号 "+phI, KindIDNumber)
	keep("stars with few digits", "评分**** 99")
	keep("stars only", "卡号**** ****")
	keep("masked service text", "****")

	// Landlines with area code.
	add("landline extension", "请拨打(0731)8888-0000转123联系我", "请拨打"+phT+"联系我", KindLandline)
	add("landline full-width", "座机（０７３１）８８８８－００００转１２３。", "座机"+phT+"。", KindLandline)
	add("landline hyphen", "电话0731-88880000", "电话"+phT, KindLandline)
	add("landline spaced", "0731 8888 0000 白天可打", phT+" 白天可打", KindLandline)
	add("landline fenji", "0731-88880000分机12", phT, KindLandline)
	add("landline extension hyphen", "0731-88880000-123", phT, KindLandline)
	add("beijing landline", "单位电话010-62345678。", "单位电话"+phT+"。", KindLandline)
	add("guangzhou landline", "020-8765 4321", phT, KindLandline)
	add("seven-digit landline", "0739-2345678", phT, KindLandline)
	add("landline and mobile", "0731-88880000或"+m1, phT+"或"+phP, KindLandline, KindMobile)
	// Local fixed-line numbers without area code, masked only after a phone cue.
	add("local after cue spaced", "家里电话8888 0000", "家里电话"+phT, KindLandline)
	add("local seven digits in sentence", "…我的电话2345678，请联系", "…我的电话"+phT+"，请联系", KindLandline)
	add("local eight digits", "电话87654321请回电", "电话"+phT+"请回电", KindLandline)
	add("local after zuoji colon", "座机：2345678", "座机："+phT, KindLandline)
	add("local after lianxi dianhua", "联系电话 8765 4321", "联系电话 "+phT, KindLandline)
	add("local after guhua shi", "固话是234-5678。", "固话是"+phT+"。", KindLandline)
	add("local after bo", "请拨87654321", "请拨"+phT, KindLandline)
	add("local after dadianhua", "打电话，20240603那天没人接", "打电话，"+phT+"那天没人接", KindLandline)
	add("local full width", "联系方式：２３４５６７８", "联系方式："+phT, KindLandline)
	add("local in numerals", "座机二三四五六七八", "座机"+phT, KindLandline)
	add("local after tel", "Tel: 2345678", "Tel: "+phT, KindLandline)
	add("local after call me at", "please call me at 87654321", "please call me at "+phT, KindLandline)
	keep("local without cue", "家里8888 0000")
	keep("amount after da", "打了2345678元")
	keep("amount after cue and words", "电话费一共花了2345678元")
	keep("order number", "订单号87654321已签收")
	keep("date", "20240603下午")
	keep("date after dianhua with words", "电话中说的20240603那天")
	keep("amount", "金额2345678元")
	keep("tel inside a word", "hotel 2345678")
	keep("local starting 1 after cue", "电话1234567")
	keep("six digits after cue", "电话234567")
	keep("nine digits after cue", "电话234567890")
	keep("local after cue glued to digits", "电话0131-88880000")
	keep("landline local starting 0", "0731-08880000")
	keep("landline bad area code", "0131-88880000")

	// 18-digit ID numbers.
	regions := []string{"110105", "310104", "430102", "440305", "510107", "610113", "650102", "820000"}
	births := []string{"19491001", "19800229", "19991231", "20000101", "20100615", "19650708", "19720315", "20050520"}
	for i, region := range regions {
		id := genID18(region, births[i])
		add("id "+region, "身份证号："+id+"。", "身份证号："+phI+"。", KindIDNumber)
	}
	idX := genID18WithX("430102", "19851123", false)
	idx := genID18WithX("430102", "19851123", true)
	id1 := genID18("320102", "19900101")
	add("id check X", "身份证"+idX, "身份证"+phI, KindIDNumber)
	add("id check lower x", "身份证"+idx+"，", "身份证"+phI+"，", KindIDNumber)
	add("id full width", "证件号"+fullWidth(id1), "证件号"+phI, KindIDNumber)
	add("id spaced 6-8-4", id1[:6]+" "+id1[6:14]+" "+id1[14:], phI, KindIDNumber)
	add("id then mobile", id1+" "+m1, phI+" "+phP, KindIDNumber, KindMobile)
	add("id in long sentence", "本人王某某（身份证"+id1+"）反映", "本人王某某（身份证"+phI+"）反映", KindIDNumber)
	for _, region := range []string{"110105", "430102", "510107"} {
		add("id bad check after cue "+region, "身份证号"+badID18(region, "19880808"), "身份证号"+phI, KindIDNumber)
		keep("id bad check without cue "+region, "单号"+badID18(region, "19880808"))
	}
	add("id bad check after cue and colon", "我的身份证号码是："+badID18("430102", "19900101")+"。",
		"我的身份证号码是："+phI+"。", KindIDNumber)
	add("id bad check after ID", "ID: "+badID18("320102", "19900101"), "ID: "+phI, KindIDNumber)
	keep("id bad check cue too far", "身份证已经丢了好几天了，单号"+badID18("430102", "19900101"))
	keep("id bad date", "号码"+failLuhn("430102"+"19881301"+"123"))
	keep("id bad province", "单号"+func() string { s := "990102" + "19880808" + "123"; return s + string(IDCheckDigit(s)) }())
	keep("id feb 29 non-leap", func() string { s := "430102" + "19810229" + "123"; return s + string(IDCheckDigit(s)) }())
	keep("id glued to letters", "NO"+id1)

	// 15-digit legacy ID numbers.
	for _, c := range []struct{ region, birth string }{{"110105", "490101"}, {"430102", "751231"}, {"440305", "680229"}} {
		id := genID15(c.region, c.birth)
		add("id15 "+c.region, "老身份证"+id+"。", "老身份证"+phI+"。", KindIDNumber)
	}
	keep("id15 bad month", "430102"+"751301"+"123")
	keep("id15 bad province", "990102"+"751201"+"123")

	// Bank cards.
	for _, c := range []struct {
		prefix string
		n      int
	}{{"622202", 19}, {"621700", 19}, {"622848", 19}, {"625965", 16}, {"4367", 16}, {"5187", 16}, {"6212", 17}, {"9558", 18}} {
		card := genCard(c.prefix, c.n)
		add("card "+c.prefix, "卡号"+card+"，", "卡号"+phC+"，", KindBankCard)
		add("card grouped "+c.prefix, "银行卡："+grouped(card, " "), "银行卡："+phC, KindBankCard)
	}
	card := genCard("622202", 19)
	add("card hyphens", grouped(genCard("6222", 16), "-"), phC, KindBankCard)
	add("card full width", fullWidth(card), phC, KindBankCard)
	add("card and mobile", "卡号"+card+"，手机"+m1, "卡号"+phC+"，手机"+phP, KindBankCard, KindMobile)
	for _, c := range []struct {
		prefix string
		n      int
	}{{"622202", 19}, {"625965", 16}, {"4367", 16}, {"9558", 18}} {
		keep("card luhn invalid "+c.prefix, "卡号"+badCard(c.prefix, c.n))
	}
	keep("card-like order number", "订单号"+genCard("2019", 19))
	keep("card fifteen digits", "单号"+genCard("6222", 15)[:15])
	keep("twenty digits", "流水号"+genCard("6222", 20))

	// Service numbers, dates, amounts and order numbers stay.
	for _, n := range []string{"110", "119", "120", "122", "12345", "12389", "12315", "10086", "95555"} {
		keep("service "+n, "已拨打"+n+"反映过")
	}
	keep("400 number", "客服电话400-800-1234")
	keep("400 number run together", "客服4008001234")
	keep("800 number", "免费电话800-820-8820")
	keep("date chinese", "2019年11月12日下午3点")
	keep("date iso", "2019-11-12 15:30:00")
	keep("date compact", "20191112")
	keep("date dotted", "2019.11.12")
	keep("date slashes", "2019/11/12 13:45")
	keep("amount yuan", "被骗3000元")
	keep("amount with separators", "￥12,345.00")
	keep("amount large", "损失1380000元")
	keep("order number letters", "订单号DD20191112000123")
	keep("order number eighteen digits", "订单号：201911121234567890")
	keep("express number", "快递单号SF1234567890123")
	keep("plate", "车牌湘A12345")
	keep("case number", "案件编号（2019）湘0102刑初123号")
	keep("room number", "3栋2单元1101室")
	keep("percentage", "满意度99.5%")
	keep("time range", "08:30-17:30")
	keep("badge number", "警号012345")

	// Names after a cue.
	add("name wo jiao", "我叫王小明，住在城东。", "我叫"+phN+"，住在城东。", KindName)
	add("name benren xingming", "本人姓名：李四，", "本人姓名："+phN+"，", KindName)
	add("name xingming colon", "姓名:张三丰 电话"+m1, "姓名:"+phN+" 电话"+phP, KindName, KindMobile)
	add("name wo shi", "我是王小明，想反映一个问题", "我是"+phN+"，想反映一个问题", KindName)
	add("name contact", "联系人：刘洋 "+m1, "联系人："+phN+" "+phP, KindName, KindMobile)
	add("name compound surname", "联系人：欧阳娜娜。", "联系人："+phN+"。", KindName)
	add("name before stop", "我叫陈红，今年45岁", "我叫"+phN+"，今年45岁", KindName)
	add("name wo shi de", "我是李四的家属", "我是"+phN+"的家属", KindName)
	add("name full-width colon", "姓名：赵六", "姓名："+phN, KindName)
	add("name my name", "我的名字叫孙悟空", "我的名字叫"+phN, KindName)
	keep("name wo shi yi ming", "我是一名退休教师")
	keep("name wo jiao le", "我叫了外卖")
	keep("name contact mister", "联系人：王先生")
	keep("name wo shi resident", "我是本地居民")
	keep("name wo shi citizen", "我是市民，反映噪音问题")
	keep("no cue", "王小明在派出所门口")

	// Text around findings is kept byte for byte.
	keep("no findings", "派出所门口的路灯坏了，晚上很黑。")
	keep("emoji only", "👍🏻👨‍👩‍👧‍👦🇨🇳")
	keep("rare characters", "𠀀𪚥𰻞𰻞面")
	keep("half-width katakana", "ｶﾞｲﾄﾞ")
	keep("ligature and circled", "ﬁle ① ㎡ ㈱")
	keep("crlf and tabs", "第一行\r\n\t第二行")
	keep("already masked", "电话"+phP+"，身份证"+phI)
	add("emoji around mobile", "👨‍👩‍👧"+fullWidth(m2)+"𠀀", "👨‍👩‍👧"+phP+"𠀀", KindMobile)
	add("ligature before mobile", "ﬁ "+m2+" ①", "ﬁ "+phP+" ①", KindMobile)
	add("katakana around id", "ｶﾞ"+id1+"ｶﾞ", "ｶﾞ"+phI+"ｶﾞ", KindIDNumber)
	// Characters are normalised one by one, so a combining mark after a digit stays.
	add("combining mark on last digit", m2+"\u0301。", phP+"\u0301。", KindMobile)
	add("combining mark after", "é"+m2+"é", "é"+phP+"é", KindMobile)
	add("everything", "我叫王小明，身份证"+id1+"，手机"+fullWidth(spaced(m1, " "))+"，座机(0731)8888-0000转123，卡号"+
		grouped(card, " ")+"。2019年11月12日拨打110和12345。😀",
		"我叫"+phN+"，身份证"+phI+"，手机"+phP+"，座机"+phT+"，卡号"+phC+"。2019年11月12日拨打110和12345。😀",
		KindName, KindIDNumber, KindMobile, KindLandline, KindBankCard)
	return cases
}

func TestMask(t *testing.T) {
	cases := maskCases()
	if len(cases)+len(phoneCases()) < 200 {
		t.Fatalf("only %d masking and normalisation cases", len(cases)+len(phoneCases()))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, found := Mask(c.in)
			if got != c.want {
				t.Errorf("Mask(%q)\n got  %q\n want %q", c.in, got, c.want)
			}
			var kinds []Kind
			for _, f := range found {
				kinds = append(kinds, f.Kind)
			}
			if !slices.Equal(kinds, c.kinds) {
				t.Errorf("Mask(%q) kinds = %v, want %v", c.in, kinds, c.kinds)
			}
			checkFindings(t, c.in, got, found)
		})
	}
}

// checkFindings verifies that findings point into text and that splicing
// their placeholders into text gives masked.
func checkFindings(t *testing.T, text, masked string, found []Finding) {
	t.Helper()
	var b strings.Builder
	last := 0
	for _, f := range found {
		if f.Start < last || f.End <= f.Start || f.End > len(text) {
			t.Fatalf("finding %+v out of order or out of range (previous end %d)", f, last)
		}
		if text[f.Start:f.End] != f.Value {
			t.Errorf("finding value %q, text has %q at %d:%d", f.Value, text[f.Start:f.End], f.Start, f.End)
		}
		if f.Kind == KindMobile || f.Kind == KindLandline {
			// The value mapped back to the text must be the number detected.
			if n, _ := NormalizePhone(f.Value); n != f.Normalized {
				t.Errorf("finding %q normalises to %q, detected as %q", f.Value, n, f.Normalized)
			}
		}
		b.WriteString(text[last:f.Start])
		b.WriteString(f.Kind.Placeholder())
		last = f.End
	}
	b.WriteString(text[last:])
	if b.String() != masked {
		t.Errorf("splicing findings gives %q, Mask returned %q", b.String(), masked)
	}
}

func TestMaskNormalizedValues(t *testing.T) {
	m := genMobile("139")
	id := genID18WithX("430102", "19900101", true)
	tests := []struct {
		in   string
		want string
	}{
		{fullWidth("+86 " + spaced(m, " ")), m},
		{"(0731)8888-0000转123", "0731-88880000-123"},
		{id, strings.ToUpper(id)},
		{hideMiddle(m, "×"), m[:3] + "****" + m[7:]},
		{"我叫王小明", "王小明"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, found := Mask(tt.in)
			if len(found) != 1 {
				t.Fatalf("Mask(%q) found %d, want 1", tt.in, len(found))
			}
			if found[0].Normalized != tt.want {
				t.Errorf("Normalized = %q, want %q", found[0].Normalized, tt.want)
			}
		})
	}
}

func FuzzMask(f *testing.F) {
	for _, c := range maskCases() {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, text string) {
		masked, found := Mask(text)
		checkFindings(t, text, masked, found)
		if utf8.ValidString(text) && !utf8.ValidString(masked) {
			t.Errorf("Mask(%q) = %q is not valid UTF-8", text, masked)
		}
	})
}

func BenchmarkMask(b *testing.B) {
	plain := "家住城东区某某街道，" + strings.Repeat("昨天晚上小区门口的路灯坏了，很多居民反映夜间出行不便，希望尽快修复。", 4) +
		"2019年11月12日已拨打12345。"
	personal := "我叫王小明，" + plain + "联系电话" + fullWidth(spaced(genMobile("138"), " ")) + "，身份证" +
		genID18("430102", "19900101") + "。"
	for name, text := range map[string]string{"plain": plain, "personal": personal} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Mask(text)
			}
		})
	}
}
