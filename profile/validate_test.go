package profile

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// validProfile returns a small profile that passes Validate. Each test case
// breaks one thing in it.
func validProfile() *Profile {
	return &Profile{
		Name:           "t",
		TimeZone:       "Asia/Shanghai",
		CentreUnit:     "centre",
		DisciplineUnit: "ducha",
		Units: []Unit{
			{ID: "root", Name: "市局", Kind: "bureau"},
			{ID: "centre", Parent: "root", Name: "中心", Kind: "centre"},
			{ID: "ducha", Parent: "root", Name: "督察", Kind: "discipline"},
			{ID: "br", Parent: "root", Name: "分局", Kind: "branch"},
			{ID: "s1", Parent: "br", Name: "派出所", Kind: "station"},
		},
		Officers: []Officer{
			{ID: "o1", Unit: "s1", Name: "甲乙", Badge: "100001"},
			{ID: "o2", Unit: "s1", Name: "丙丁", Badge: "100002"},
		},
		Kinds: []string{"投诉", "表扬"},
		Tags: []Tag{
			{Name: "治安管理"},
			{Name: "噪声扰民", Parent: "治安管理"},
			{Name: "民警执法态度", Conduct: true},
		},
		Rules: []Rule{
			{Name: "noise", Tag: "噪声扰民", UseCodeUnit: true, CodeWithin: []string{"br"}, Priority: 20},
			{Name: "conduct", Tag: "民警执法态度", Unit: "ducha"},
			{Name: "kw", Keywords: []string{"吵"}, SetTag: "噪声扰民"},
		},
		SLA: []SLA{
			{AcceptHours: 2, ReplyDays: 5, CallbackDays: 2},
			{Tag: "噪声扰民", Priority: "urgent", AcceptHours: 1, ReplyDays: 1, CallbackDays: 1},
		},
		Calendar: Calendar{Holidays: []string{"2026-10-01"}, Workdays: []string{"2026-10-10"}},
		Triage:   Triage{MinConfidence: 0.5},
		Callback: Callback{MaxAttempts: 3, ReopenWindowDays: 15},
		Accounts: []Account{
			{Name: "c1", Role: "centre", Unit: "centre"},
			{Name: "h1", Role: "handler", Unit: "s1"},
		},
	}
}

func TestValidateValid(t *testing.T) {
	if err := validProfile().Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *Profile)
		want   string
	}{
		{"missing name", func(p *Profile) { p.Name = "" }, "name: missing"},
		{"bad zone", func(p *Profile) { p.TimeZone = "Mars/Olympus" }, `time_zone: "Mars/Olympus" is not an IANA time zone`},
		{"host zone", func(p *Profile) { p.TimeZone = "Local" }, `time_zone: "Local" is not an IANA time zone`},
		{"no units", func(p *Profile) { p.Units = nil }, "units: missing"},
		{"duplicate unit", func(p *Profile) { p.Units[4].ID = "br" }, `units[4]: id "br" is used twice`},
		{"empty unit id", func(p *Profile) { p.Units[4].ID = "" }, "units[4]: id: missing"},
		{"unit kind", func(p *Profile) { p.Units[4].Kind = "castle" }, `units[4]: kind "castle" is invalid`},
		{"unit name", func(p *Profile) { p.Units[4].Name = "" }, `units[4]: name: missing for unit "s1"`},
		{"missing parent", func(p *Profile) { p.Units[4].Parent = "br9" }, `units[4]: parent "br9" not found`},
		{"two roots", func(p *Profile) { p.Units[3].Parent = "" }, `units: want exactly one root unit (a unit without parent), found 2: ["root" "br"]`},
		{"cycle", func(p *Profile) {
			p.Units[3].Parent = "s1"
		}, `units[3]: unit "br" is part of a parent cycle`},
		{"centre missing", func(p *Profile) { p.CentreUnit = "" }, "centre_unit: missing"},
		{"centre unknown", func(p *Profile) { p.CentreUnit = "c9" }, `centre_unit: unit "c9" not found`},
		{"discipline unknown", func(p *Profile) { p.DisciplineUnit = "d9" }, `discipline_unit: unit "d9" not found`},
		{"officer unit", func(p *Profile) { p.Officers[1].Unit = "s9" }, `officers[1]: unit "s9" not found`},
		{"officer badge twice", func(p *Profile) { p.Officers[1].Badge = "100001" }, `officers[1]: badge "100001" is used twice`},
		{"officer badge missing", func(p *Profile) { p.Officers[1].Badge = "" }, `officers[1]: badge: missing for officer "o2"`},
		{"officer id twice", func(p *Profile) { p.Officers[1].ID = "o1" }, `officers[1]: id "o1" is used twice`},
		{"no kinds", func(p *Profile) { p.Kinds = nil }, "kinds: missing"},
		{"kind twice", func(p *Profile) { p.Kinds[1] = "投诉" }, `kinds[1]: "投诉" is listed twice`},
		{"tag twice", func(p *Profile) { p.Tags[2].Name = "治安管理" }, `tags[2]: name "治安管理" is used twice`},
		{"tag parent", func(p *Profile) { p.Tags[1].Parent = "交通" }, `tags[1]: parent "交通" not found`},
		{"tag cycle", func(p *Profile) { p.Tags[0].Parent = "噪声扰民" }, `tags[0]: tag "治安管理" is part of a parent cycle`},
		{"rule unit", func(p *Profile) { p.Rules[1].Unit = "s99" }, `rules[1]: unit "s99" not found`},
		{"rule tag", func(p *Profile) { p.Rules[1].Tag = "飞碟" }, `rules[1]: tag "飞碟" not found`},
		{"rule set_tag", func(p *Profile) { p.Rules[2].SetTag = "飞碟" }, `rules[2]: set_tag "飞碟" not found`},
		{"rule code_within", func(p *Profile) { p.Rules[0].CodeWithin = []string{"br9"} }, `rules[0]: code_within[0]: unit "br9" not found`},
		{"rule code_within alone", func(p *Profile) { p.Rules[0].UseCodeUnit = false }, "rules[0]: code_within is set but use_code_unit is false"},
		{"rule matches nothing", func(p *Profile) { p.Rules[1].Tag = "" }, `rules[1]: rule "conduct" matches nothing`},
		{"rule does nothing", func(p *Profile) { p.Rules[1].Unit = "" }, `rules[1]: rule "conduct" does nothing`},
		{"rule empty keyword", func(p *Profile) { p.Rules[2].Keywords = []string{" "} }, "rules[2]: keywords[0]: empty"},
		{"sla default", func(p *Profile) { p.SLA = p.SLA[1:] }, "sla: no default policy"},
		{"sla tag", func(p *Profile) { p.SLA[1].Tag = "飞碟" }, `sla[1]: tag "飞碟" not found`},
		{"sla priority", func(p *Profile) { p.SLA[1].Priority = "asap" }, `sla[1]: priority "asap" is invalid`},
		{"sla twice", func(p *Profile) { p.SLA = append(p.SLA, p.SLA[0]) }, `sla[2]: a second policy for tag "" and priority ""`},
		{"sla negative", func(p *Profile) { p.SLA[0].ReplyDays = -1 }, "sla[0].reply_days: -1 is out of range"},
		{"sla NaN", func(p *Profile) { p.SLA[0].AcceptHours = math.NaN() }, "sla[0].accept_hours: NaN is out of range"},
		{"holiday date", func(p *Profile) { p.Calendar.Holidays[0] = "2026-13-01" }, `calendar.holidays[0]: "2026-13-01" is not a date`},
		{"workday date", func(p *Profile) { p.Calendar.Workdays[0] = "10/10/2026" }, `calendar.workdays[0]: "10/10/2026" is not a date`},
		{"holiday and workday", func(p *Profile) { p.Calendar.Workdays[0] = "2026-10-01" }, `calendar.workdays[0]: "2026-10-01" is also listed as a holiday`},
		{"min confidence", func(p *Profile) { p.Triage.MinConfidence = 1.5 }, "triage.min_confidence: 1.5 is out of range"},
		{"max attempts", func(p *Profile) { p.Callback.MaxAttempts = -1 }, "callback.max_attempts: -1 is negative"},
		{"reopen window", func(p *Profile) { p.Callback.ReopenWindowDays = -2 }, "callback.reopen_window_days: -2 is out of range"},
		{"account role", func(p *Profile) { p.Accounts[1].Role = "boss" }, `accounts[1]: role "boss" is invalid`},
		{"account unit", func(p *Profile) { p.Accounts[1].Unit = "s9" }, `accounts[1]: unit "s9" not found`},
		{"account twice", func(p *Profile) { p.Accounts[1].Name = "c1" }, `accounts[1]: name "c1" is used twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProfile()
			tt.mutate(p)
			err := p.Validate()
			if err == nil {
				t.Fatalf("Validate succeeded, want an error containing %q", tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
			}
			name := p.Name
			if name == "" {
				name = "(unnamed)"
			}
			if want := "profile " + name + ": " + tt.want; !strings.Contains(err.Error(), want) {
				t.Errorf("error = %q\nwant it to contain %q", err, want)
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	p := validProfile()
	p.Rules[1].Unit = "s98"
	p.Accounts[1].Unit = "s99"
	err := p.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	if len(ve.Problems) != 2 {
		t.Errorf("got %d problems %q, want 2", len(ve.Problems), ve.Problems)
	}
}
