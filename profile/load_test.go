package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadBuiltins(t *testing.T) {
	tests := []struct {
		name       string
		units      int
		minOfficer int
		tags       []string
	}{
		{"police", 31, 190, []string{"交通拥堵", "信号灯配时", "违章停车", "噪声扰民", "治安秩序", "户籍办理",
			"身份证办理", "出入境办理", "电信诈骗", "民警执法态度", "窗口服务", "表扬", "市政设施", "物业纠纷"}},
		{"hotline", 10, 0, []string{"城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(tt.name)
			if err != nil {
				t.Fatalf("Load(%q): %v", tt.name, err)
			}
			if p.Name != tt.name {
				t.Errorf("Name = %q, want %q", p.Name, tt.name)
			}
			if p.Location == nil || p.Location.String() != "Asia/Shanghai" {
				t.Errorf("Location = %v, want Asia/Shanghai", p.Location)
			}
			if len(p.Units) != tt.units {
				t.Errorf("len(Units) = %d, want %d", len(p.Units), tt.units)
			}
			if len(p.Officers) < tt.minOfficer {
				t.Errorf("len(Officers) = %d, want at least %d", len(p.Officers), tt.minOfficer)
			}
			for _, name := range tt.tags {
				if _, ok := p.Tag(name); !ok {
					t.Errorf("tag %q missing", name)
				}
			}
			for _, role := range Roles {
				if !hasRole(p, role) {
					t.Errorf("no demo account with role %q", role)
				}
			}
		})
	}
}

func hasRole(p *Profile, role string) bool {
	for _, a := range p.Accounts {
		if a.Role == role {
			return true
		}
	}
	return false
}

func TestLoadHotlineOneRulePerTag(t *testing.T) {
	p, err := Load("hotline")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tags) != 7 {
		t.Fatalf("len(Tags) = %d, want 7", len(p.Tags))
	}
	for _, tag := range p.Tags {
		var units []string
		for _, r := range p.Rules {
			if r.Tag == tag.Name {
				units = append(units, r.Unit)
			}
		}
		if len(units) != 1 {
			t.Errorf("tag %q: %d rules, want 1", tag.Name, len(units))
			continue
		}
		u, ok := p.Unit(units[0])
		if !ok || u.Kind != "department" {
			t.Errorf("tag %q: rule unit %q is not a department", tag.Name, units[0])
		}
	}
}

func TestLoadPoliceConductGoesToDiscipline(t *testing.T) {
	p, err := Load("police")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range p.Tags {
		if !tag.Conduct {
			continue
		}
		for _, r := range p.Rules {
			if r.Tag == tag.Name && r.Unit != p.DisciplineUnit {
				t.Errorf("rule %q sends conduct tag %q to %q, want %q", r.Name, tag.Name, r.Unit, p.DisciplineUnit)
			}
		}
	}
	badge := p.Officers[0].Badge
	if len(badge) != 6 || strings.Trim(badge, "0123456789") != "" {
		t.Errorf("badge %q is not 6 digits", badge)
	}
}

const minimalYAML = `
name: tiny
units:
  - {id: root, name: 市局, kind: bureau}
  - {id: centre, parent: root, name: 中心, kind: centre}
  - {id: ducha, parent: root, name: 督察, kind: discipline}
centre_unit: centre
discipline_unit: ducha
kinds: [投诉]
sla:
  - {accept_hours: 2, reply_days: 5, callback_days: 2}
`

const minimalJSON = `{
  "name": "tiny",
  "units": [
    {"id": "root", "name": "市局", "kind": "bureau"},
    {"id": "centre", "parent": "root", "name": "中心", "kind": "centre"},
    {"id": "ducha", "parent": "root", "name": "督察", "kind": "discipline"}
  ],
  "centre_unit": "centre",
  "discipline_unit": "ducha",
  "kinds": ["投诉"],
  "sla": [{"accept_hours": 2, "reply_days": 5, "callback_days": 2}]
}`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFileDefaults(t *testing.T) {
	tests := []struct{ file, content string }{
		{"tiny.yaml", minimalYAML},
		{"tiny.yml", minimalYAML},
		{"tiny.json", minimalJSON},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := Load(writeFile(t, tt.file, tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if p.TimeZone != "Asia/Shanghai" || p.Location == nil || p.Location.String() != "Asia/Shanghai" {
				t.Errorf("zone = %q %v, want Asia/Shanghai", p.TimeZone, p.Location)
			}
			if p.Triage.MinConfidence != 0.5 {
				t.Errorf("triage.min_confidence = %v, want 0.5", p.Triage.MinConfidence)
			}
			if p.Callback.MaxAttempts != 3 {
				t.Errorf("callback.max_attempts = %d, want 3", p.Callback.MaxAttempts)
			}
			if p.Callback.ReopenWindowDays != 15 {
				t.Errorf("callback.reopen_window_days = %v, want 15", p.Callback.ReopenWindowDays)
			}
		})
	}
}

func TestLoadNameFromFile(t *testing.T) {
	content := strings.Replace(minimalYAML, "name: tiny\n", "", 1)
	p, err := Load(writeFile(t, "city-a.yaml", content))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "city-a" {
		t.Errorf("Name = %q, want city-a from the file name", p.Name)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		arg     func(t *testing.T) string
		wantSub string
	}{
		{"unknown builtin", func(*testing.T) string { return "polize" }, `"polize" is not a built-in profile (hotline, police)`},
		{"empty name", func(*testing.T) string { return "" }, "no profile given"},
		{"missing file", func(*testing.T) string { return "/nonexistent/p.yaml" }, "no such file"},
		{"bad extension", func(t *testing.T) string { return writeFile(t, "p.toml", "") }, `unsupported file extension ".toml"`},
		{"empty yaml", func(t *testing.T) string { return writeFile(t, "p.yaml", "") }, "the file is empty"},
		{"unknown yaml field", func(t *testing.T) string {
			return writeFile(t, "p.yaml", minimalYAML+"colour: blue\n")
		}, "field colour not found"},
		{"unknown nested yaml field", func(t *testing.T) string {
			return writeFile(t, "p.yaml", strings.Replace(minimalYAML, "kind: bureau", "kind: bureau, boss: x", 1))
		}, "field boss not found"},
		{"unknown json field", func(t *testing.T) string {
			return writeFile(t, "p.json", strings.Replace(minimalJSON, `"kinds"`, `"colour": "blue", "kinds"`, 1))
		}, `unknown field "colour"`},
		{"trailing json", func(t *testing.T) string { return writeFile(t, "p.json", minimalJSON+"{}") }, "unexpected data"},
		{"invalid profile", func(t *testing.T) string {
			return writeFile(t, "p.yaml", strings.Replace(minimalYAML, "centre_unit: centre", "centre_unit: nowhere", 1))
		}, `profile tiny: centre_unit: unit "nowhere" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.arg(t))
			if err == nil {
				t.Fatalf("Load succeeded, want an error containing %q", tt.wantSub)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantSub)
			}
		})
	}
}

func TestLoadInvalidIsErrInvalid(t *testing.T) {
	path := writeFile(t, "p.yaml", strings.Replace(minimalYAML, "kind: centre", "kind: moon", 1))
	_, err := Load(path)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(%v, ErrInvalid) = false, want true", err)
	}
}

// FuzzParse checks that no profile file makes Parse, Load's checks or the
// helpers panic or hang.
func FuzzParse(f *testing.F) {
	for _, name := range Builtins() {
		data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
	}
	f.Add([]byte(minimalYAML), false)
	f.Add([]byte(minimalJSON), true)
	start := time.Date(2026, 3, 6, 15, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		format := "yaml"
		if isJSON {
			format = "json"
		}
		p, err := Parse(data, format)
		if err != nil {
			return
		}
		p.Name = "fuzz"
		if err := p.prepare(); err != nil {
			return
		}
		for _, u := range p.Units {
			if p.UnitPath(u.ID) == "" {
				t.Errorf("UnitPath(%q) is empty for a unit of a valid profile", u.ID)
			}
		}
		for _, tag := range append(p.Tags, Tag{}) {
			accept, reply, callback := p.Deadlines(tag.Name, "urgent", start)
			if accept.Before(start) || reply.Before(start) || callback.Before(reply) {
				t.Errorf("tag %q: deadlines %s %s %s run backwards from %s", tag.Name, accept, reply, callback, start)
			}
		}
	})
}
