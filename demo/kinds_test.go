package demo

import (
	"testing"

	"minyi/classify"
)

// TestKindOfPlainDescriptions trains kind models on KindExamples with four
// seeds and checks the kind each predicts for short messages written by hand,
// not from the templates. Most have no word of their kind, such as a stolen
// bicycle or a rude officer, as citizens often write.
func TestKindOfPlainDescriptions(t *testing.T) {
	p := loadPolice(t)
	messages := []classify.Example{
		{Text: "小区门口占道经营，影响通行", Label: "投诉"},
		{Text: "楼下烧烤店每天晚上吵到凌晨两点", Label: "投诉"},
		{Text: "有人在小区里养狗不拴绳，还咬了人", Label: "投诉"},
		{Text: "派出所办事窗口的民警态度很差", Label: "投诉"},
		{Text: "出警的民警很不耐烦，敷衍了事", Label: "投诉"},
		{Text: "我家电动车昨晚在楼下被偷了", Label: "求助"},
		{Text: "孩子走丢了，穿红衣服", Label: "求助"},
		{Text: "老人在公园迷路了，找不到家", Label: "求助"},
		{Text: "请问补办身份证要带什么材料", Label: "咨询"},
		{Text: "建议在学校门口设置减速带", Label: "建议"},
		{Text: "感谢民警帮我找回了钱包", Label: "表扬"},
	}
	wrong, total := 0, 0
	for seed := int64(1); seed <= 4; seed++ {
		m, err := classify.Train(KindExamples(p, 1500, seed), classify.Options{})
		if err != nil {
			t.Fatalf("train: %v", err)
		}
		for _, msg := range messages {
			total++
			if got := m.Predict(msg.Text); got.Label != msg.Label {
				wrong++
				t.Logf("seed %d: %s → %s (%.2f), want %s", seed, msg.Text, got.Label, got.Confidence, msg.Label)
			}
		}
	}
	// Models trained on few generated texts still err now and then, so the
	// test allows one message in ten. Without the plain descriptions among
	// the examples, about half of these went wrong.
	if wrong*10 > total {
		t.Errorf("%d of %d kinds wrong, want at most one in ten", wrong, total)
	}
}
