//go:build ignore

// gen_officers prints the officers section of builtin/police.yaml: about 200
// fictional officers whose names are drawn from common surname and given-name
// characters, with unique 6-digit badge numbers. The seed is fixed, so a rerun
// prints the same list. Run it from this directory and paste the output over
// the officers section:
//
//	go run gen_officers.go > /tmp/officers.yaml
package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵万严武戴孔汤"

const givenChars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红建文辉力鹏宇浩凯俊帆峰鑫波斌宁欣婷晨雪琳睿博昊志国海东林亮成春新晓永佳子嘉俊天思雨"

// units lists each unit that gets officers and how many.
var units = []struct {
	id    string
	count int
}{
	{"ps-dongguan", 12}, {"ps-nanmen", 12}, {"ps-liuxiang", 12}, {"ps-xinhua", 12},
	{"ps-binjiang", 12}, {"ps-matou", 12}, {"ps-jiangwan", 12}, {"ps-shazhou", 12},
	{"ps-songlin", 12}, {"ps-shiqiao", 12}, {"ps-kaifaqu", 12}, {"ps-gaotie", 12},
	{"tb-qinghe", 8}, {"tb-wangjiang", 8}, {"tb-yunling", 8}, {"tb-highway", 8},
	{"win-hz-city", 3}, {"win-hz-qinghe", 3}, {"win-hz-wangjiang", 3}, {"win-hz-yunling", 3},
	{"win-crj-city", 3}, {"win-crj-yunling", 3},
	{"ducha", 4}, {"centre", 2},
}

func main() {
	rng := rand.New(rand.NewPCG(20260301, 12345))
	sur := []rune(surnames)
	given := []rune(givenChars)
	names := map[string]bool{}
	badges := map[int]bool{}
	fmt.Println("officers:")
	n := 0
	for _, u := range units {
		for range u.count {
			n++
			var name string
			for name == "" || names[name] {
				var b strings.Builder
				b.WriteRune(sur[rng.IntN(len(sur))])
				for range 1 + rng.IntN(2) {
					b.WriteRune(given[rng.IntN(len(given))])
				}
				name = b.String()
			}
			names[name] = true
			badge := 0
			for badge == 0 || badges[badge] {
				badge = 100000 + rng.IntN(900000)
			}
			badges[badge] = true
			fmt.Printf("  - {id: o%03d, unit: %s, name: %s, badge: \"%06d\"}\n", n, u.id, name, badge)
		}
	}
}
