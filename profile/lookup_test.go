package profile

import "testing"

func TestUnitPath(t *testing.T) {
	p := validProfile()
	tests := []struct{ id, want string }{
		{"root", "/root/"},
		{"br", "/root/br/"},
		{"s1", "/root/br/s1/"},
		{"nowhere", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := p.UnitPath(tt.id); got != tt.want {
				t.Errorf("UnitPath(%q) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}

func TestUnitPathPolice(t *testing.T) {
	p, err := Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.UnitPath("ps-dongguan"), "/bureau/br-qinghe/ps-dongguan/"; got != want {
		t.Errorf("UnitPath(ps-dongguan) = %q, want %q", got, want)
	}
	if got, want := p.UnitPath("tb-highway"), "/bureau/traffic/tb-highway/"; got != want {
		t.Errorf("UnitPath(tb-highway) = %q, want %q", got, want)
	}
}

func TestUnitPathCycleTerminates(t *testing.T) {
	p := validProfile()
	p.Units[3].Parent = "s1" // br and s1 are each other's ancestors
	if got := p.UnitPath("s1"); got != "" {
		t.Errorf("UnitPath on a cycle = %q, want empty", got)
	}
}

func TestWithin(t *testing.T) {
	p := validProfile()
	tests := []struct {
		id, ancestor string
		want         bool
	}{
		{"s1", "br", true},
		{"s1", "root", true},
		{"s1", "s1", true},
		{"br", "s1", false},
		{"centre", "br", false},
		{"nowhere", "root", false},
		{"s1", "nowhere", false},
	}
	for _, tt := range tests {
		t.Run(tt.id+" in "+tt.ancestor, func(t *testing.T) {
			if got := p.Within(tt.id, tt.ancestor); got != tt.want {
				t.Errorf("Within(%q, %q) = %v, want %v", tt.id, tt.ancestor, got, tt.want)
			}
		})
	}
}

func TestUnitAndTagLookup(t *testing.T) {
	p := validProfile()
	if u, ok := p.Unit("s1"); !ok || u.Name != "派出所" {
		t.Errorf("Unit(s1) = %+v, %v", u, ok)
	}
	if _, ok := p.Unit("s9"); ok {
		t.Error("Unit(s9) found, want not found")
	}
	if tag, ok := p.Tag("民警执法态度"); !ok || !tag.Conduct {
		t.Errorf("Tag(民警执法态度) = %+v, %v, want a conduct tag", tag, ok)
	}
	if _, ok := p.Tag("飞碟"); ok {
		t.Error("Tag(飞碟) found, want not found")
	}
	if r, ok := p.Root(); !ok || r.ID != "root" {
		t.Errorf("Root() = %+v, %v", r, ok)
	}
}

func TestSLAFor(t *testing.T) {
	p := validProfile()
	p.Tags = append(p.Tags, Tag{Name: "夜间噪声", Parent: "噪声扰民"})
	p.SLA = []SLA{
		{ReplyDays: 5},
		{Priority: "urgent", ReplyDays: 1},
		{Tag: "治安管理", ReplyDays: 4},
		{Tag: "噪声扰民", ReplyDays: 2},
		{Tag: "噪声扰民", Priority: "urgent", ReplyDays: 0.5},
	}
	tests := []struct {
		name, tag, priority string
		want                float64
	}{
		{"exact tag and priority", "噪声扰民", "urgent", 0.5},
		{"tag, any priority", "噪声扰民", "normal", 2},
		{"tag, empty priority", "噪声扰民", "", 2},
		{"parent tag", "夜间噪声", "normal", 2},
		{"parent tag and priority", "夜间噪声", "urgent", 0.5},
		{"tag beats default priority", "治安管理", "urgent", 4},
		{"default for priority", "民警执法态度", "urgent", 1},
		{"default", "民警执法态度", "normal", 5},
		{"unknown tag", "飞碟", "", 5},
		{"no tag urgent", "", "urgent", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.SLAFor(tt.tag, tt.priority).ReplyDays; got != tt.want {
				t.Errorf("SLAFor(%q, %q).ReplyDays = %v, want %v", tt.tag, tt.priority, got, tt.want)
			}
		})
	}
}
