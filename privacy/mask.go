package privacy

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind names what a Finding is.
type Kind string

// The kinds of personal data Mask detects.
const (
	KindMobile      Kind = "mobile"       // 11-digit mobile number
	KindLandline    Kind = "landline"     // fixed-line number with area code, or a local one after a phone cue
	KindMaskedPhone Kind = "masked_phone" // mobile number the citizen half-masked, such as 177****1292
	KindBankCard    Kind = "bank_card"    // 16–19 digit card number passing the Luhn check
	KindName        Kind = "name"         // a personal name after a cue such as 我叫 or 本人姓名
	KindEmail       Kind = "email"        // an e-mail address
	// KindIDNumber is an 18-digit ID number with a valid check character, a
	// 15-digit legacy one, or a half-masked long number such as
	// 430102********123X, which may also be a card number.
	KindIDNumber Kind = "id_number"
)

// Placeholder returns the fixed text that replaces a finding of kind k in
// masked text: [手机号], [电话], [身份证号], [银行卡号], [姓名] or [邮箱]. A half-masked
// mobile number becomes [手机号] like a complete one.
func (k Kind) Placeholder() string {
	switch k {
	case KindMobile, KindMaskedPhone:
		return "[手机号]"
	case KindLandline:
		return "[电话]"
	case KindIDNumber:
		return "[身份证号]"
	case KindBankCard:
		return "[银行卡号]"
	case KindName:
		return "[姓名]"
	case KindEmail:
		return "[邮箱]"
	}
	return "[已隐藏]"
}

// Finding is one piece of personal data found in a text.
type Finding struct {
	Kind Kind
	// Value is the text as the citizen wrote it, a substring of the input.
	Value string
	// Normalized is the canonical value: NormalizePhone's form for phone
	// numbers, upper-case digits for ID numbers, digits for card numbers,
	// the digits with "*" for hidden ones for a half-masked number, and the
	// name itself for names.
	Normalized string
	// Start and End are byte offsets of Value in the input text.
	Start, End int
}

// detector finds one kind of data in NFKC-normalised text. check validates a
// candidate match and returns its normalised value.
type detector struct {
	kind  Kind
	re    *regexp.Regexp
	check func(match string) (string, bool)
	// afterLetter lets a match follow an ASCII letter, as a mobile number
	// does inside an account name such as wx13812345674, or be followed by
	// one, as in 13812345674abc, but not both, as in SF13812345674CN.
	afterLetter bool
	// cues, when set, accepts a match only when one of its words is shortly
	// before it, such as 身份证 before a mistyped ID number.
	cues *cueList
}

// The detectors run in this order and a later one never claims text an
// earlier one took, so an ID number is not also read as a card number.
// emailPattern matches an e-mail address: an ASCII local part, @, and a
// domain with at least one dot and a top-level label of two or more letters.
var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

var id18Pattern = regexp.MustCompile(`[1-9]\d{5} ?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]) ?\d{3}[\dXx]`)

var detectors = []detector{
	{KindIDNumber, id18Pattern, checkID18, false, nil},
	// An ID number with a wrong check character is still one when the
	// citizen calls it so: a mistyped digit leaves the rest of the number
	// personal. Without the cue such a number stays, like an order number.
	{KindIDNumber, id18Pattern, checkID18Typo, false, idCues},
	// Card numbers start with 3 (Amex, JCB), 4 (Visa), 5 (Mastercard), 6
	// (UnionPay) or 9 (older domestic cards). Requiring one of these spares
	// order numbers that start with a date.
	{KindBankCard, regexp.MustCompile(`[3-69]\d{3}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?`), checkCard, false, nil},
	// A separator may stand between any two digits, because citizens also
	// write a number digit by digit ("1 3 8 0 0 …") to slip past filters.
	// Two separators may stand together, as a spelled-out number's dashes
	// (——) become two hyphens.
	{KindMobile, regexp.MustCompile(`(?:\(\+?86\) ?|(?:\+|00)?86[ \-]?)?1[ \-]{0,2}[3-9](?:[ \-]{0,2}\d){9}`), checkMobile, true, nil},
	{KindMaskedPhone, regexp.MustCompile(`1[3-9]\d{1,5} ?[*×xX●•○]{3,6} ?\d{0,5}`), checkMasked, false, nil},
	// Half-masked ID and card numbers, such as 430102********123X. Letters are
	// not mask characters here, so that an ID's check character X is not one.
	{KindIDNumber, regexp.MustCompile(`\d{3,10} ?[*×●•○](?: ?[*×●•○]){3,13} ?\d{0,6}[Xx]?`), checkMaskedLong, false, nil},
	{KindLandline, regexp.MustCompile(
		`(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?[2-9]\d{2,3}[ \-]?\d{4}(?:(?:转|轉|分机|分機|ext\.?|[#xX\-]) ?\d{1,6})?`), checkLandline, false, nil},
	// A local fixed-line number without area code, 7 or 8 digits starting
	// 2-9, looks like an amount, an order number or a date such as 20240603,
	// so it is masked only after a phone cue such as 电话 or 座机.
	{KindLandline, regexp.MustCompile(`[2-9]\d{2,3}[ \-]?\d{4}`), checkLocal, false, phoneCues},
	{KindIDNumber, regexp.MustCompile(`[1-9]\d{14}`), checkID15, false, nil},
}

func checkID18(m string) (string, bool) {
	s := strings.ToUpper(strings.ReplaceAll(m, " ", ""))
	return s, validID18(s)
}

// checkID18Typo accepts what checkID18 rejects for its check character alone.
func checkID18Typo(m string) (string, bool) {
	s := strings.ToUpper(strings.ReplaceAll(m, " ", ""))
	return s, len(s) == 18 && validProvince(s[:2]) && validDate(s[6:10], s[10:12], s[12:14])
}

// cueList is a set of words that name a kind of number in a message.
type cueList struct {
	words []string // lower case; an ASCII word must not follow an ASCII letter
	runes int      // how many characters before a number are searched
	// gap, when set, reports whether a character may come between the end of
	// a cue and the number. Without it any text may.
	gap func(r rune) bool
}

// idCues are the words that name an ID number in a message. Eight
// characters are enough for 身份证号码是： and a space.
var idCues = &cueList{words: []string{"身份证", "证件号", "身份号码", "身份证号", "id"}, runes: 8}

// phoneCues are the words that name a phone number. A word such as 打 or
// 号码 is common in other senses, so only spaces, punctuation, 是, 为 or
// Latin words ("call me at") may come between the cue and the number, and
// 打了2345678元 is not read as a phone number. Twelve characters are enough
// for "call me at: ".
var phoneCues = &cueList{
	words: []string{"电话", "座机", "固话", "联系方式", "联系电话", "手机", "号码", "打", "拨", "致电", "来电",
		"tel", "phone", "call"},
	runes: 12,
	gap: func(r rune) bool {
		switch r {
		case '是', '为', '為':
			return true
		}
		return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsSpace(r)) || unicode.IsPunct(r)
	},
}

// found reports whether one of the cue words ends within c.runes
// characters before byte offset a of s, with only gap characters after it.
func (c *cueList) found(s string, a int) bool {
	start := a
	for i := 0; i < c.runes && start > 0; i++ {
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	before := strings.ToLower(s[start:a])
	for _, word := range c.words {
		i := strings.LastIndex(before, word)
		if i < 0 {
			continue
		}
		// An ASCII cue inside a longer word, such as tel in hotel, is no cue.
		if word[0] < utf8.RuneSelf && (i > 0 && isLetter(before[i-1]) || i == 0 && start > 0 && isLetter(s[start-1])) {
			continue
		}
		if c.gap == nil || strings.IndexFunc(before[i+len(word):], func(r rune) bool { return !c.gap(r) }) < 0 {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func checkID15(m string) (string, bool) { return m, validID15(m) }

var cardSeparators = strings.NewReplacer(" ", "", "-", "")

func checkCard(m string) (string, bool) {
	s := cardSeparators.Replace(m)
	return s, len(s) >= 16 && len(s) <= 19 && LuhnValid(s)
}

// checkMobile strips what the mobile pattern allows around the digits: the
// separators and a 86, +86 or 0086 prefix.
func checkMobile(m string) (string, bool) {
	d := digitsOnly(m)
	if len(d) > 11 {
		d = strings.TrimPrefix(strings.TrimPrefix(d, "00"), "86")
	}
	return d, isMobile(d)
}

func digitsOnly(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// checkLocal accepts a 7- or 8-digit fixed-line number without area code.
func checkLocal(m string) (string, bool) {
	d := digitsOnly(m)
	if !isSubscriber(d) {
		return "", false
	}
	return Phone{Kind: Local, Number: d}.String(), true
}

func checkLandline(m string) (string, bool) {
	p, ok := ParsePhone(m)
	if !ok || p.Kind != Landline {
		return "", false
	}
	return p.String(), true
}

// checkMasked accepts a mobile number with one run of 3 to 6 hidden digits
// after the first three, such as 177****1292 or 1770000****.
func checkMasked(m string) (string, bool) {
	v := hiddenForm(m, false)
	if len(v) != 11 || !allDigits(v[:3]) {
		return "", false
	}
	run := strings.Count(v, "*")
	i := strings.Index(v, "*")
	if run < 3 || run > 6 || v[i:i+run] != strings.Repeat("*", run) {
		return "", false
	}
	return v, true
}

// checkMaskedLong accepts a half-masked number of 12 to 24 characters with
// one run of at least 4 hidden digits and at least 4 visible ones. It is
// reported as an ID number, because those are what citizens mask most. The
// kind is a guess, while the masking is safe either way.
func checkMaskedLong(m string) (string, bool) {
	v := hiddenForm(m, true)
	hidden := strings.Count(v, "*")
	return v, len(v) >= 12 && len(v) <= 24 && hidden >= 4 && len(v)-hidden >= 4
}

// hiddenForm returns m without spaces and with every hidden digit as "*".
// When idCheck is set, a final X or x is an ID check character, not a mask.
func hiddenForm(m string, idCheck bool) string {
	var b strings.Builder
	for i, r := range m {
		switch {
		case r == ' ':
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case idCheck && (r == 'X' || r == 'x') && i == len(m)-1:
			b.WriteByte('X')
		default:
			b.WriteByte('*')
		}
	}
	return b.String()
}

// Mask returns text with every phone number, ID number, bank card number and
// cued name replaced by its kind's placeholder, and the findings in order of
// position. Detection runs on a copy of text normalised with NFKC character
// by character, so full-width digits and punctuation are caught. Findings are
// mapped back to the original text and spliced there, so the output keeps
// every other byte of text unchanged.
//
// Numbers that fail every check stay: service numbers (110, 12345, 400 and
// 800 numbers), dates, amounts and order numbers. A 7- or 8-digit number is
// masked as a local fixed-line number only after a phone cue such as 电话 or
// 座机, and an 18-digit number with a wrong check character only after an ID
// cue such as 身份证. A number glued to other
// digits or ASCII letters is treated as part of a longer code and kept.
func Mask(text string) (string, []Finding) {
	n := newNormalized(text)
	c := &claims{size: len(n.text)}
	var found []Finding
	add := func(kind Kind, a, b int, value string) {
		start, end := n.original(a, b)
		found = append(found, Finding{Kind: kind, Value: text[start:end], Normalized: value, Start: start, End: end})
		c.claim(a, b)
	}
	windows := numberWindows(n.text)
	for _, d := range detectors {
		scan(n.text, windows, d.re, d.afterLetter, func(a, b int) bool {
			if d.cues != nil && !d.cues.found(n.text, a) {
				return false
			}
			value, ok := d.check(n.text[a:b])
			if !ok || c.overlaps(a, b) {
				return false
			}
			add(d.kind, a, b, value)
			return true
		})
	}
	for _, m := range emailPattern.FindAllStringIndex(n.text, -1) {
		if !c.overlaps(m[0], m[1]) {
			add(KindEmail, m[0], m[1], strings.ToLower(n.text[m[0]:m[1]]))
		}
	}
	for _, m := range findNames(n.text) {
		if !c.overlaps(m[0], m[1]) {
			add(KindName, m[0], m[1], n.text[m[0]:m[1]])
		}
	}
	if len(found) == 0 {
		return text, nil
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	return replaceFindings(text, found, nil), found
}

// replaceFindings returns text with each of found, sorted by Start, replaced
// by its placeholder, except those for which keep returns true. A nil keep
// keeps none.
func replaceFindings(text string, found []Finding, keep func(Finding) bool) string {
	var b strings.Builder
	last := 0
	for _, f := range found {
		if keep != nil && keep(f) {
			continue
		}
		b.WriteString(text[last:f.Start])
		b.WriteString(f.Kind.Placeholder())
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// MaskExcept masks text as Mask does, but leaves the findings for which keep
// returns true as they were written, such as a unit's public service number
// in a staff reply.
func MaskExcept(text string, keep func(Finding) bool) string {
	_, found := Mask(text)
	return replaceFindings(text, found, keep)
}

// claims marks the bytes of the normalised text that a finding took. A
// bitmap keeps the overlap check linear in the match length, however many
// findings a text has.
type claims struct {
	size int
	used []bool // allocated at the first claim
}

func (c *claims) overlaps(a, b int) bool {
	if c.used == nil {
		return false
	}
	for i := a; i < b; i++ {
		if c.used[i] {
			return true
		}
	}
	return false
}

func (c *claims) claim(a, b int) {
	if c.used == nil {
		c.used = make([]bool, c.size)
	}
	for i := a; i < b; i++ {
		c.used[i] = true
	}
}

// asciiNumberChars marks the ASCII characters a detector's match can
// contain: digits, separators, the country-code plus, mask characters and the
// letters of the extension markers "x" and "ext.".
var asciiNumberChars = func() (t [utf8.RuneSelf]bool) {
	for _, c := range "0123456789 -+()*#.xXet" {
		t[c] = true
	}
	return t
}()

// isMaskChar reports whether r is a character citizens put in place of a
// hidden digit.
func isMaskChar(r rune) bool {
	switch r {
	case '*', 'x', 'X', '×', '●', '•', '○':
		return true
	}
	return false
}

// isNumberChar reports whether a detector's match can contain r: the ASCII
// characters above, the mask characters × ● • ○ and the characters of the
// extension markers 转, 轉, 分机 and 分機.
func isNumberChar(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiNumberChars[r]
	}
	switch r {
	case '×', '●', '•', '○', '转', '轉', '分', '机', '機':
		return true
	}
	return false
}

// minWindowSymbols is the fewest digits and mask characters any detector
// matches: seven, for a local fixed-line number without area code.
const minWindowSymbols = 7

// numberWindows returns the maximal byte ranges of s made of characters
// accepted by isNumberChar that contain at least minWindowSymbols digits and
// mask characters. Every detector
// match lies inside one window, so the regular expressions only run there.
func numberWindows(s string) [][2]int {
	var out [][2]int
	start, symbols := -1, 0 // symbols counts digits and mask characters
	flush := func(end int) {
		if start >= 0 && symbols >= minWindowSymbols {
			out = append(out, [2]int{start, end})
		}
		start, symbols = -1, 0
	}
	for i, r := range s {
		if !isNumberChar(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
		}
		if r >= '0' && r <= '9' || isMaskChar(r) {
			symbols++
		}
	}
	flush(len(s))
	return out
}

// scan calls accept for each match of re inside windows of s whose
// neighbours in s are not ASCII digits or letters; with afterLetter, a letter
// may come before the match. When accept rejects a match, scanning resumes at
// the next offset where a match could be accepted, so a valid match
// overlapping a rejected one is still found.
func scan(s string, windows [][2]int, re *regexp.Regexp, afterLetter bool, accept func(a, b int) bool) {
	for _, w := range windows {
		pos := w[0]
		for pos < w[1] {
			loc := re.FindStringIndex(s[pos:w[1]])
			if loc == nil {
				break
			}
			a, b := pos+loc[0], pos+loc[1]
			if isolated(s, a, b, afterLetter) && accept(a, b) {
				pos = b
				continue
			}
			pos = nextStart(s, a, w[1])
		}
	}
}

// nextStart returns the first character offset after a, and at most end,
// that does not follow an ASCII letter or digit. Only there can an accepted
// match start, so a long run of digits is not retried at every offset.
func nextStart(s string, a, end int) int {
	p := a + 1
	for p < end && (!utf8.RuneStart(s[p]) || isAlnum(s[p-1])) {
		p++
	}
	return p
}

// isolated reports whether s[a:b] is not glued to an ASCII letter or digit,
// allowing a letter on one side, but not on both, when afterLetter is set.
func isolated(s string, a, b int, afterLetter bool) bool {
	before := a > 0 && isAlnum(s[a-1])
	after := b < len(s) && isAlnum(s[b])
	if before && isDigit(s[a-1]) || after && isDigit(s[b]) {
		return false
	}
	if afterLetter {
		return !(before && after) // letters on both sides make a code such as SF…CN
	}
	return !before && !after
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// normalized is the NFKC form of a text with a map back to the original.
// Each character is normalised on its own, so every character of the
// normalised text comes from exactly one character of the original.
// Composition across characters, which no detector depends on, is skipped.
// Between changed characters the two texts are identical.
type normalized struct {
	text          string
	segOut, segIn []int // start offsets of changed characters in the normalised and the original text
	lenOut, lenIn []int // their lengths in the normalised and the original text
}

// chineseDigits maps the Chinese numerals a citizen may spell a number with
// to ASCII digits. 幺 is how 1 is read aloud in phone numbers, so citizens
// write it too. 两 is left out: 2 is read 二 in a phone number, and 两 comes
// in only with the radio reading of digits (幺两三…拐八勾洞), whose 拐, 勾 and
// 洞 are words in ordinary text.
//
// The capital numerals (壹贰叁…, 大写数字) of amounts on forms are read as
// digits too, in simplified and traditional forms, because citizens use them
// to spell a number so that filters miss it.
var chineseDigits = map[rune]byte{'〇': '0', '零': '0', '一': '1', '幺': '1', '二': '2', '三': '3', '四': '4',
	'五': '5', '六': '6', '七': '7', '八': '8', '九': '9',
	'壹': '1', '贰': '2', '貳': '2', '叁': '3', '參': '3', '肆': '4', '伍': '5', '陆': '6', '陸': '6', '柒': '7',
	'捌': '8', '玖': '9'}

// minNumeralRun is the shortest run of numerals read as a number: long
// enough for a phone number written out (一三八…), short runs such as 一二
// or a name's 一 stay text.
const minNumeralRun = 7

// maxNumeralGap is the most separators that may stand between two numerals
// of a run, as the two dashes of 一三八——零零零零.
const maxNumeralGap = 2

// isNumeralSeparator reports whether r may stand between two numerals of a
// run, as in 一三八 零零零零 一一一一: a space, a hyphen or dash, or a comma,
// half- or full-width, or the enumeration comma 、.
func isNumeralSeparator(r rune) bool {
	switch r {
	case ' ', '\u3000', '-', '－', '—', '–', '，', ',', '、':
		return true
	}
	return false
}

// isArabicDigit reports whether r is an ASCII or a full-width digit.
func isArabicDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// chineseNumeralRuns returns the byte ranges of src that are runs of at
// least minNumeralRun numerals with at least one Chinese numeral among them,
// such as 一三八零零零零一一一一 or 138零零零零1111, with at most
// maxNumeralGap separators (see isNumeralSeparator) between two numerals. A
// run starts and ends with a numeral. Runs of Arabic digits alone are left to
// the detectors as they are.
func chineseNumeralRuns(src string) [][2]int {
	var runs [][2]int
	start, end, count := -1, 0, 0 // end is the byte after the run's last numeral
	gap, chinese := 0, false      // separators after the last numeral; whether the run has a Chinese numeral
	flush := func() {
		if count >= minNumeralRun && chinese {
			runs = append(runs, [2]int{start, end})
		}
		start, count, gap, chinese = -1, 0, 0, false
	}
	for i, r := range src {
		_, isChinese := chineseDigits[r]
		if isChinese || isArabicDigit(r) {
			if start < 0 {
				start = i
			}
			count++
			chinese = chinese || isChinese
			end, gap = i+utf8.RuneLen(r), 0
			continue
		}
		if start >= 0 && gap < maxNumeralGap && isNumeralSeparator(r) {
			gap++
			continue
		}
		flush()
	}
	flush()
	return runs
}

func inRuns(runs [][2]int, i int) bool {
	for _, r := range runs {
		if i >= r[0] && i < r[1] {
			return true
		}
	}
	return false
}

func newNormalized(src string) *normalized {
	n := &normalized{}
	var b strings.Builder
	var buf [utf8.UTFMax]byte
	numeralRuns := chineseNumeralRuns(src)
	plainFrom := 0 // start of the unchanged run being copied
	for i, r := range src {
		out, changed := normalizeRune(r, buf[:0])
		if d, ok := chineseDigits[r]; ok && inRuns(numeralRuns, i) {
			out, changed = append(buf[:0], d), true
		}
		// A separator inside a run becomes the hyphen the detectors accept.
		if isNumeralSeparator(r) && r != '-' && inRuns(numeralRuns, i) {
			out, changed = append(buf[:0], '-'), true
		}
		if !changed {
			continue
		}
		b.WriteString(src[plainFrom:i])
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, size = utf8.DecodeRuneInString(src[i:])
		}
		n.segOut = append(n.segOut, b.Len())
		n.segIn = append(n.segIn, i)
		n.lenOut = append(n.lenOut, len(out))
		n.lenIn = append(n.lenIn, size)
		b.Write(out)
		plainFrom = i + size
	}
	if n.segOut == nil {
		n.text = src
		return n
	}
	b.WriteString(src[plainFrom:])
	n.text = b.String()
	return n
}

// normalizeRune returns the NFKC form of r and whether it differs from r.
// ASCII and the CJK Unified Ideographs, the bulk of Chinese text, are
// NFKC-stable, and full-width ASCII forms map to ASCII by a fixed offset.
func normalizeRune(r rune, buf []byte) ([]byte, bool) {
	switch {
	case r < utf8.RuneSelf, r >= 0x4E00 && r <= 0x9FFF:
		return nil, false
	case r >= 0xFF01 && r <= 0xFF5E:
		return utf8.AppendRune(buf, r-0xFEE0), true
	case r == 0x3000:
		return append(buf, ' '), true
	}
	buf = utf8.AppendRune(buf, r)
	if norm.NFKC.IsNormal(buf) {
		return nil, false
	}
	return norm.NFKC.Append(nil, buf...), true
}

// original maps the normalised byte range [a, b) to the range of the
// original text whose normalisation covers it.
func (n *normalized) original(a, b int) (int, int) {
	return n.toOriginal(a, false), n.toOriginal(b, true)
}

// toOriginal maps a normalised offset to an original one. An offset inside a
// changed character moves to that character's start, or to its end when end
// is set.
func (n *normalized) toOriginal(off int, end bool) int {
	// i is the last changed character starting before off (or at off, when
	// mapping a start).
	i := sort.SearchInts(n.segOut, off)
	if i < len(n.segOut) && n.segOut[i] == off && !end {
		return n.segIn[i]
	}
	i--
	if i < 0 {
		return off
	}
	outEnd := n.segOut[i] + n.lenOut[i]
	inEnd := n.segIn[i] + n.lenIn[i]
	if off < outEnd {
		if end {
			return inEnd
		}
		return n.segIn[i]
	}
	return inEnd + (off - outEnd)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
