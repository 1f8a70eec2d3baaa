package review

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The items and replies below are invented, written the way real ones read.
func TestCheck(t *testing.T) {
	noise := Item{Title: "锦绣花园小区门口烧烤摊油烟扰民", Body: "每天晚上十点后烧烤摊油烟很大，窗户都不能开。"}
	tests := []struct {
		name  string
		item  Item
		reply string
		fired []string
	}{
		{"good reply", noise,
			"网友您好！您的留言已收悉。现将有关情况回复如下：经核实，锦绣花园小区门口确有烧烤摊夜间占道经营，油烟扰民。" +
				"南门派出所会同城管中队已于5月10日责令摊主停止占道经营，并安装油烟净化设备，5月20日前完成整改。感谢您的监督！",
			nil},
		{"form sentence", noise, "网友您好！您的留言已收悉，感谢您对我们工作的关心和支持！", []string{
			PlaceMissing, ProblemMissing, ActionMissing, DeadlineMissing, FormReply}},
		{"referral only", noise, "网友：您好，您反映的问题已转交区城管局调查办理。2019年12月31日", []string{
			PlaceMissing, ProblemMissing, ActionMissing, DeadlineMissing, FormReply}},
		{"another place and problem", noise,
			"您好！经调查，东关大街的违章停车问题已由交警大队现场处理，对3辆违停车辆依法处罚，6月1日起每天安排巡查。",
			[]string{PlaceMissing, ProblemMissing}},
		{"action without a date", noise,
			"您好！经核实，锦绣花园小区门口的烧烤摊油烟问题属实，我所已责令摊主整改，并将持续跟踪油烟扰民情况，确保不再反弹。",
			[]string{DeadlineMissing}},
		{"signature date is no deadline", noise,
			"您好！锦绣花园小区门口烧烤摊的油烟问题，我们会尽快研究，争取妥善解决，给居民一个安静整洁的生活环境。2019年5月9日",
			[]string{ActionMissing, DeadlineMissing}},
		{"enquiry needs no action", Item{Title: "咨询在外地补办身份证需要什么材料？"},
			"您好！在外地补办居民身份证，可持户口簿或其他身份证明到居住地任一户政窗口申请，需采集照片和指纹，" +
				"无需提供其他材料，办证费用按规定收取，制证后可邮寄到家。",
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hints := Check(tc.item, tc.reply)
			if len(hints) != 5 {
				t.Fatalf("got %d hints, want 5", len(hints))
			}
			if got := Fired(hints); !slices.Equal(got, tc.fired) {
				t.Errorf("fired = %q, want %q", got, tc.fired)
			}
			for _, h := range hints {
				if h.Message == "" {
					t.Errorf("hint %s has no message", h.Code)
				}
			}
		})
	}
}

// TestDocExamples keeps the examples in docs/tagging.md true. They are
// paraphrased from real replies, with places renamed.
func TestDocExamples(t *testing.T) {
	tests := []struct {
		name  string
		item  Item
		reply string
		fired []string
	}{
		{"referral", Item{Title: "投诉某区景秀花园小区野蛮施工"},
			"网友：你好，你所反映的问题已转交至住建局调查办复。2019年12月31日",
			[]string{PlaceMissing, ProblemMissing, ActionMissing, DeadlineMissing, FormReply}},
		{"no date", Item{Title: "反映某县蝴蝶谷小区无公交车的问题"},
			"您好！来信收悉。现回复如下：蝴蝶谷小区路段之前有城乡公交4号线支线运营，由于沿线客源不足，运营企业亏损，" +
				"已申请停线，目前我局正在寻求解决方法，满足该片区居民出行。2018年5月23日",
			[]string{DeadlineMissing}},
		{"complete", Item{Title: "对某镇油塘村饮水工程表示质疑"},
			"你好，你反映我镇油塘村饮水工程的问题，我镇收悉后已安排人员调查，现答复如下：经调查了解，" +
				"油塘村安全饮水工程于2018年11月开始修建，于2019年9月完工并投入使用，水源水质经检测合格。",
			nil},
		{"enquiry", Item{Title: "咨询安装电动车防盗车牌等问题"},
			"网友您好！公安机关不会随意扣押电动车，除非是盗抢嫌疑车辆。防盗车牌由车主自愿安装，" +
				"安装后可凭登记表到承保机构办理防盗险，具体条款详见登记表背面。",
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fired(Check(tc.item, tc.reply)); !slices.Equal(got, tc.fired) {
				t.Errorf("fired = %q, want %q", got, tc.fired)
			}
		})
	}
}

func TestPlaceMissingWithoutPlace(t *testing.T) {
	h := Check(Item{Title: "反映公交车司机开车太猛"}, "经核实，已约谈公交公司，5月1日起加强驾驶员培训。")[0]
	if h.Fired {
		t.Errorf("place hint fired for an item without a place: %+v", h)
	}
}

// TestRealReplies runs the checks on the real replies and logs how often
// each hint fires. It runs only when MINYI_DATA names the data directory.
func TestRealReplies(t *testing.T) {
	dir := os.Getenv("MINYI_DATA")
	if dir == "" {
		t.Skip("set MINYI_DATA to the real data directory")
	}
	f, err := os.Open(filepath.Join(dir, "teddy-replies.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	counts := map[string]int{}
	n := 0
	for sc.Scan() {
		var r struct{ Title, Body, Reply string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		n++
		for _, c := range Fired(Check(Item{Title: r.Title, Body: r.Body}, r.Reply)) {
			counts[c]++
		}
	}
	for _, c := range []string{PlaceMissing, ProblemMissing, ActionMissing, DeadlineMissing, FormReply} {
		t.Logf("%-17s fires on %4d of %d replies (%.0f %%)", c, counts[c], n, 100*float64(counts[c])/float64(n))
		if counts[c] == 0 || counts[c] == n {
			t.Errorf("%s fires on %d of %d replies: the check tells nothing apart", c, counts[c], n)
		}
	}
}
