package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// FakePhonePrefix starts every phone number the package generates. A number
// is the prefix and four random digits, so all of them fall in one block of
// ten thousand that is easy to recognise and to filter out.
//
// NOTE: 199 is an allocated mainland mobile prefix and no block of it is
// reserved for fiction, so these numbers are well-formed and could be real.
// Nothing may dial or message them; IsFakePhone lets a sender refuse them.
const FakePhonePrefix = "1990000"

// FakePhone returns an 11-digit mobile number in the FakePhonePrefix block.
func FakePhone(rng *rand.Rand) string {
	return fmt.Sprintf("%s%04d", FakePhonePrefix, rng.IntN(10000))
}

// IsFakePhone reports whether phone has the form FakePhone generates.
func IsFakePhone(phone string) bool {
	if len(phone) != len(FakePhonePrefix)+4 || !strings.HasPrefix(phone, FakePhonePrefix) {
		return false
	}
	for _, r := range phone[len(FakePhonePrefix):] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// The same character sets as the profile's generated officers: common
// surnames and given-name characters, combined at random.
const (
	surnames   = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵万严武戴孔汤"
	givenChars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红建文辉力鹏宇浩凯俊帆峰鑫波斌宁欣婷晨雪琳睿博昊志国海东林亮成春新晓永佳子嘉俊天思雨"
)

var (
	surnameRunes = []rune(surnames)
	givenRunes   = []rune(givenChars)
)

// FakeName returns a generated Chinese name: a surname and one or two given
// characters, or now and then a surname with 先生 or 女士, as citizens who
// withhold their full name sign.
func FakeName(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteRune(pick(rng, surnameRunes))
	if chance(rng, 0.15) {
		b.WriteString(pick(rng, []string{"先生", "女士"}))
		return b.String()
	}
	for range 1 + rng.IntN(2) {
		b.WriteRune(pick(rng, givenRunes))
	}
	return b.String()
}
