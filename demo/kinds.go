package demo

// framing is the wording citizens use for one kind of message. Its train
// templates frame a topic's subject for KindExamples, and its openers and
// closers surround a submission's body.
type framing struct {
	kind    string
	train   []string // each has one {subject}
	openers []string
	closers []string
}

// kindFramings covers the kinds of the built-in police profile.
var kindFramings = []framing{
	{
		kind: "投诉",
		train: []string{
			"我要投诉{subject}，反映多次没人管",
			"投诉{subject}，{feeling}，请给个说法",
			"对{subject}非常不满，要求严肃处理",
			"{subject}问题一直不解决，我要投诉",
			"强烈投诉{subject}，希望追责",
			"{subject}太不像话了，必须整改",
		},
		openers: []string{"我要反映一个问题。", "实名投诉：", "这个问题我已经反映过，还是没解决。", ""},
		closers: []string{"希望尽快处理，给我一个答复。", "请相关部门严肃处理。", "要求整改，并告知处理结果。", ""},
	},
	{
		kind: "建议",
		train: []string{
			"建议重视{subject}，早点改进",
			"关于{subject}提个建议，希望采纳",
			"{subject}能不能想想办法改进，提个建议",
			"对{subject}有个想法，供参考",
			"希望有关部门研究一下{subject}，改进做法",
			"建议针对{subject}出台措施",
		},
		openers: []string{"提个建议。", "作为附近居民，有个建议。", "您好，有个想法想和你们说说。", ""},
		closers: []string{"以上建议供参考，谢谢。", "希望能采纳。", "建议统筹考虑一下。", ""},
	},
	{
		kind: "求助",
		train: []string{
			"{subject}，请警察帮帮我",
			"求助：{subject}，{feeling}",
			"遇到{subject}，不知道怎么办，请帮忙",
			"{subject}，现在很急，请尽快联系我",
			"请帮我处理{subject}，谢谢",
			"紧急求助，{subject}",
		},
		openers: []string{"您好，想请警察同志帮帮忙。", "求助！", "实在没办法了，只能求助你们。", ""},
		closers: []string{"麻烦尽快联系我，谢谢！", "请帮帮我。", "拜托了，万分感谢。", ""},
	},
	{
		kind: "咨询",
		train: []string{
			"请问{subject}该怎么处理",
			"咨询一下{subject}，一般怎么办",
			"想了解一下{subject}的处理流程",
			"请问{subject}应该找哪个部门",
			"问一下{subject}一般要多长时间",
			"请问{subject}有什么规定",
		},
		openers: []string{"您好，想咨询一下。", "请问一下，", "想了解个情况。", ""},
		closers: []string{"请问具体怎么办？", "需要准备哪些材料？", "麻烦告知一下流程，谢谢。", ""},
	},
	{
		kind: "表扬",
		train: []string{
			"表扬{subject}，工作认真负责",
			"感谢{subject}，为民警点赞",
			"非常感谢{subject}的热心帮助",
			"{subject}服务周到，必须表扬",
			"为{subject}点赞，辛苦了",
			"向{subject}致敬，谢谢你们",
		},
		openers: []string{"我想表扬一下民警。", "写几句话表达感谢。", "一定要为民警点个赞。", ""},
		closers: []string{"特此表扬，谢谢！", "辛苦了，向你们致敬！", "真心感谢！", ""},
	},
}

// praiseSubjects stand in for a topic's subjects when KindExamples frames
// praise, because praise is about an officer or a unit, not about a problem.
var praiseSubjects = []string{
	"{officer}", "{unit}的民警", "帮我处理{topic}的{officer}", "{officer}的耐心讲解", "{unit}全体民警",
}
