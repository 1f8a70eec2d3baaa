package web

import "minyi/ticket"

// channelLabels are the names staff know the intake channels by.
var channelLabels = map[string]string{
	"qr":      "扫码",
	"12345":   "12345热线",
	"110":     "110转办",
	"mailbox": "局长信箱",
	"12389":   "12389举报",
	"phone":   "值班电话",
	"email":   "电子邮件",
	"import":  "表格导入",
}

// channelEnglish are the English names of the intake channels.
var channelEnglish = map[string]string{
	"qr":      "QR code",
	"12345":   "12345 hotline",
	"110":     "Referred by 110",
	"mailbox": "Director's mailbox",
	"12389":   "12389 hotline",
	"phone":   "Duty phone",
	"email":   "E-mail",
	"import":  "Spreadsheet import",
}

// channelName returns the channel's name in lang ("zh" or "en"), or its
// code when it has none.
func channelName(lang, code string) string {
	if lang != "en" {
		return channelLabel(code)
	}
	if l, ok := channelEnglish[code]; ok {
		return l
	}
	return code
}

// channelLabel returns the channel's name, or its code when it has none.
func channelLabel(code string) string {
	if l, ok := channelLabels[code]; ok {
		return l
	}
	return code
}

// satisfactionText returns the satisfaction column of a call-back result.
func satisfactionText(o ticket.Outcome) string {
	switch o {
	case ticket.Satisfied:
		return "满意"
	case ticket.BasicSatisfied:
		return "基本满意"
	case ticket.Unsatisfied:
		return "不满意"
	case ticket.Unreachable:
		return "未联系上"
	}
	return ""
}
