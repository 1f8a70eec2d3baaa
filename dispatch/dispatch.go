package dispatch

import (
	"fmt"
	"sort"
	"strings"

	"minyi/place"
	"minyi/profile"
)

// Prediction is a tagging model's output for one head.
type Prediction struct {
	Label      string
	Confidence float64
	Source     string    // e.g. "model:tag:v3"
	Explain    []Feature // the text features that weighed most for Label, strongest first
}

// Feature is a piece of text and how much it weighed for a prediction.
type Feature struct {
	Text   string  `json:"text"`
	Weight float64 `json:"weight"`
}

// Item is the router's input: what it knows of one item.
type Item struct {
	Text      string // title and body, masked
	Kind      string
	CodeUnit  string // unit of the QR code the item came through
	OfficerID string // the officer the item is about
	Tag       Prediction
	HasTag    bool // false when no model exists for the tag head

	Place       string  // the place the citizen wrote, masked
	Lat, Lon    float64 // where it happened, in CoordSystem; both 0 means no point
	CoordSystem string  // wgs84 (the default), gcj02 or bd09; see place.ParseSystem
}

// Decision is the router's result. Exactly one of UnitID, Transfer or Triage
// describes the outcome.
type Decision struct {
	Tag        string
	Confidence float64
	TagSource  string   // the model version or the rule that chose Tag
	UnitID     string   // set when the item is dispatched
	Source     string   // the rule that chose UnitID
	Triage     bool     // the item goes to centre triage
	Reason     string   // why it went to triage
	TransferTo string   // an outside body proposed for transfer, with Triage set
	Steps      []string // what the router considered, in order, for "route explain"

	Candidates  []Candidate     // units considered, best first, each with its reasons
	Point       *place.Point    // the item's point in WGS-84; nil without one
	PointSystem place.System    // the system the point arrived in
	Places      []place.Mention // places named in the text and the place field
}

// Router applies one profile's rules.
type Router struct {
	p     *profile.Profile
	rules []profile.Rule // by priority, highest first, then profile order
	geo   *geoIndex      // unit areas and place names
}

// NewRouter prepares the profile's rules.
func NewRouter(p *profile.Profile) *Router {
	rules := append([]profile.Rule(nil), p.Rules...)
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Priority > rules[j].Priority })
	return &Router{p: p, rules: rules, geo: newGeoIndex(p)}
}

// routeByTag decides by tag, keyword and code rules alone; Route adds the
// candidates from place and point.
func (r *Router) routeByTag(it Item) Decision {
	d := Decision{}
	if it.HasTag {
		d.Tag, d.Confidence, d.TagSource = it.Tag.Label, it.Tag.Confidence, it.Tag.Source
		d.step("模型 %[1]s 判断为“%[2]s”，置信度 %.2[3]f（model %[1]s predicted %[2]q with confidence %.2[3]f）",
			it.Tag.Source, it.Tag.Label, it.Tag.Confidence)
	} else {
		d.step("没有启用的分类模型（no tagging model is active）")
	}

	// Keyword rules outrank the model: staff wrote them for cases it gets wrong.
	byKeyword := false
	for _, rule := range r.rules {
		if len(rule.Keywords) == 0 {
			continue
		}
		kw, ok := matchAny(it.Text, rule.Keywords)
		if !ok {
			continue
		}
		d.step("关键词规则“%[1]s”命中“%[2]s”，优先级 %[3]d（keyword rule %[1]q matched %[2]q (priority %[3]d)）",
			rule.Name, kw, rule.Priority)
		if rule.SetTag != "" {
			d.Tag, d.Confidence, d.TagSource = rule.SetTag, 1, "rule:"+rule.Name
			byKeyword = true
		}
		if rule.Unit != "" || rule.UseCodeUnit {
			if unit := r.ruleUnit(rule, it); unit != "" {
				return r.dispatchTo(d, unit, "rule:"+rule.Name)
			}
		}
		if byKeyword {
			break
		}
	}

	tag, known := r.p.Tag(d.Tag)
	confident := byKeyword || d.Confidence >= r.p.Triage.MinConfidence
	// A complaint the citizen filed about a named officer is a conduct
	// complaint whatever the model predicts; a conduct tag from the model counts
	// only when it is confident, and otherwise the centre triages the item.
	if (it.OfficerID != "" && it.Kind == "投诉") || (known && tag.Conduct && confident) {
		d.step("针对民警的投诉交督察部门 %[1]s（complaint about an officer's conduct goes to the discipline unit %[1]s）",
			r.p.DisciplineUnit)
		return r.dispatchTo(d, r.p.DisciplineUnit, "conduct")
	}
	if d.Tag == "" {
		return d.triage("无法判断类别（no tag could be assigned）")
	}
	if !confident {
		return d.triage(fmt.Sprintf("分类置信度 %.2[1]f 低于阈值 %.2[2]f（confidence %.2[1]f is below the threshold %.2[2]f）",
			d.Confidence, r.p.Triage.MinConfidence))
	}
	if known && tag.TransferTo != "" {
		d.TransferTo = tag.TransferTo
		return d.triage(fmt.Sprintf("“%[1]s”不属于公安职责，建议转%[2]s（tag %[1]q is outside the bureau's remit: transfer to %[2]s proposed）",
			d.Tag, tag.TransferTo))
	}
	for _, rule := range r.rules {
		if len(rule.Keywords) > 0 || rule.Tag != d.Tag {
			continue
		}
		if unit := r.ruleUnit(rule, it); unit != "" {
			d.step("按标签规则“%[1]s”派单，优先级 %[2]d（tag rule %[1]q applies (priority %[2]d)）", rule.Name, rule.Priority)
			return r.dispatchTo(d, unit, "rule:"+rule.Name)
		}
		d.step("标签规则“%[1]s”需要扫码单位，但此件不是扫码提交（tag rule %[1]q needs the code's unit, and the item came through no code）",
			rule.Name)
	}
	return d.triage(fmt.Sprintf("没有派单规则能安排“%[1]s”（"+noRuleReason+" %[1]q）", d.Tag))
}

// noRuleReason is part of the triage reason of a tag that no rule places.
const noRuleReason = "no routing rule places tag"

func (r *Router) ruleUnit(rule profile.Rule, it Item) string {
	if rule.UseCodeUnit && it.CodeUnit != "" && r.codeWithin(rule, it.CodeUnit) {
		return it.CodeUnit
	}
	return rule.Unit // empty for a code rule without a fallback unit
}

// codeWithin reports whether the code's unit lies in one of the subtrees the
// rule accepts codes from; a rule that names none accepts every code.
func (r *Router) codeWithin(rule profile.Rule, unit string) bool {
	if len(rule.CodeWithin) == 0 {
		return true
	}
	path := r.p.UnitPath(unit)
	for _, root := range rule.CodeWithin {
		if p := r.p.UnitPath(root); p != "" && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (r *Router) dispatchTo(d Decision, unit, source string) Decision {
	d.UnitID, d.Source = unit, source
	name := unit
	if u, ok := r.p.Unit(unit); ok {
		name = u.Name
	}
	d.step("派至%[1]s（%[2]s），依据 %[3]s（dispatched to %[1]s (%[2]s) by %[3]s）", name, unit, source)
	return d
}

func (d Decision) triage(reason string) Decision {
	d.Triage, d.Reason = true, reason
	d.step("转人工分拣：%s", reason)
	return d
}

func (d *Decision) step(format string, args ...any) {
	d.Steps = append(d.Steps, fmt.Sprintf(format, args...))
}

func matchAny(text string, keywords []string) (string, bool) {
	for _, k := range keywords {
		if k != "" && strings.Contains(text, k) {
			return k, true
		}
	}
	return "", false
}
