package web

import (
	"testing"

	"minyi/workflow"
)

func TestTriageReasonText(t *testing.T) {
	routerReason := "分类置信度 0.40 低于阈值 0.60（confidence 0.40 is below the threshold 0.60）"
	tests := []struct {
		lang, reason, want string
	}{
		{"zh", workflow.NeedsTranscriptionReason, "语音留言没有文字，需要听录音并转写。"},
		{"en", workflow.NeedsTranscriptionReason, "Needs transcription: voice recording without text."},
		{"zh", "returned: 不属于本所辖区", "退单原因：不属于本所辖区"},
		{"en", "returned: 不属于本所辖区", "Returned with reason: 不属于本所辖区"},
		{"zh", routerReason, "分类置信度 0.40 低于阈值 0.60"},
		{"en", routerReason, "confidence 0.40 is below the threshold 0.60"},
	}
	for _, tc := range tests {
		v := &consoleView{Lang: tc.lang}
		if got := v.TriageReason(tc.reason); got != tc.want {
			t.Errorf("TriageReason(%q) in %s = %q, want %q", tc.reason, tc.lang, got, tc.want)
		}
	}
}
