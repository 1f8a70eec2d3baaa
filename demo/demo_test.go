package demo

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"minyi/classify"
	"minyi/profile"
	"minyi/workflow"
)

func loadPolice(t *testing.T) *profile.Profile {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatalf("load police profile: %v", err)
	}
	return p
}

// month returns a period in Asia/Shanghai that starts on a Sunday and holds
// the May Day holidays, so it has workdays, weekends and holidays.
func month(t *testing.T) (time.Time, time.Time) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return time.Date(2026, 4, 19, 0, 0, 0, 0, loc), time.Date(2026, 5, 19, 0, 0, 0, 0, loc)
}

func TestDeterministic(t *testing.T) {
	p := loadPolice(t)
	from, to := month(t)
	cases := []struct {
		name string
		gen  func(seed int64) any
	}{
		{"training", func(seed int64) any { return TrainingExamples(p, 300, seed) }},
		{"kind", func(seed int64) any { return KindExamples(p, 300, seed) }},
		{"items", func(seed int64) any { return Items(p, 300, seed, from, to) }},
		{"submissions", func(seed int64) any { return Submissions(p, 300, seed, from, to) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.gen(7), tc.gen(7)) {
				t.Error("two runs with seed 7 differ")
			}
			if reflect.DeepEqual(tc.gen(7), tc.gen(8)) {
				t.Error("seeds 7 and 8 give the same output")
			}
		})
	}
}

func TestCounts(t *testing.T) {
	p := loadPolice(t)
	from, to := month(t)
	for _, n := range []int{0, 1, 19, 250} {
		if got := len(TrainingExamples(p, n, 1)); got != n {
			t.Errorf("TrainingExamples(%d) has %d examples", n, got)
		}
		if got := len(KindExamples(p, n, 1)); got != n {
			t.Errorf("KindExamples(%d) has %d examples", n, got)
		}
		items := Items(p, n, 1, from, to)
		if len(items) != n {
			t.Errorf("Items(%d) has %d items", n, len(items))
		}
		for i, it := range items {
			if want := "demo-" + itoa(i+1); it.Submission.ExternalID != want {
				t.Errorf("item %d: external id %q, want %q", i, it.Submission.ExternalID, want)
			}
		}
	}
	if got := Items(p, 10, 1, to, from); got != nil {
		t.Errorf("Items with to before from = %d items, want nil", len(got))
	}
	if got := Items(p, 10, 1, from, from); got != nil {
		t.Errorf("Items with an empty period = %d items, want nil", len(got))
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestEveryTagAndKindCovered(t *testing.T) {
	p := loadPolice(t)
	if u := UncoveredTags(p); len(u) != 0 {
		t.Errorf("police tags without templates: %v", u)
	}
	labels := LabelTags(p)
	if len(labels) < 15 {
		t.Fatalf("police profile has %d label tags, want at least 15", len(labels))
	}
	count := map[string]int{}
	for _, ex := range TrainingExamples(p, 20*len(labels), 1) {
		count[ex.Label]++
		if strings.ContainsAny(ex.Text, "{}") {
			t.Errorf("training text %q has a slot left", ex.Text)
		}
	}
	for _, tag := range labels {
		if count[tag] == 0 {
			t.Errorf("tag %s missing from TrainingExamples", tag)
		}
	}
	for label := range count {
		if !slices.Contains(labels, label) {
			t.Errorf("label %q is not a label tag of the profile", label)
		}
	}
	kinds := map[string]int{}
	for _, ex := range KindExamples(p, 1000, 1) {
		kinds[ex.Label]++
		if strings.ContainsAny(ex.Text, "{}") {
			t.Errorf("kind text %q has a slot left", ex.Text)
		}
	}
	for _, k := range p.Kinds {
		if kinds[k] == 0 {
			t.Errorf("kind %s missing from KindExamples", k)
		}
	}
}

func TestTemplatesPerTopic(t *testing.T) {
	c := newCity(loadPolice(t))
	rng := newRand(1)
	for _, tp := range topics {
		t.Run(tp.tag, func(t *testing.T) {
			if len(tp.train) < 6 {
				t.Errorf("%d training templates, want at least 6", len(tp.train))
			}
			if len(tp.titles) == 0 || len(tp.bodies) < 4 || len(tp.subjects) == 0 || len(tp.kinds) == 0 {
				t.Errorf("titles %d, bodies %d, subjects %d, kinds %d; want all set",
					len(tp.titles), len(tp.bodies), len(tp.subjects), len(tp.kinds))
			}
			for _, b := range tp.bodies {
				if slices.Contains(tp.train, b) {
					t.Errorf("body template is also a training template: %s", b)
				}
				kinds, _ := splitBody(b)
				for _, k := range kinds {
					if !slices.ContainsFunc(tp.kinds, func(s kindShare) bool { return s.kind == k }) {
						t.Errorf("body limited to kind %q, which the topic does not have: %s", k, b)
					}
				}
			}
			all := slices.Concat(tp.train, tp.titles, tp.bodies, tp.subjects)
			for _, tmpl := range all {
				_, text := splitBody(tmpl)
				if got := c.scene(rng, tp.places).fill(text); strings.ContainsAny(got, "{}|") {
					t.Errorf("template %q fills to %q, with a slot left", tmpl, got)
				}
			}
		})
	}
}

func TestItemTimes(t *testing.T) {
	p := loadPolice(t)
	from, to := month(t)
	items := Items(p, 3000, 3, from, to)
	loc := p.Location
	var night, day int
	perDay := map[string]int{}
	for i, it := range items {
		at := it.Submission.ReceivedAt
		if at.Before(from) || !at.Before(to) {
			t.Fatalf("item %d at %v is outside [%v, %v)", i, at, from, to)
		}
		if i > 0 && at.Before(items[i-1].Submission.ReceivedAt) {
			t.Fatalf("item %d at %v is before item %d", i, at, i-1)
		}
		switch h := at.In(loc).Hour(); {
		case h < 6:
			night++
		case h >= 9 && h < 15:
			day++
		}
		perDay[p.Day(at)]++
	}

	// Both windows are six hours long, so their counts compare directly.
	if night*4 > day {
		t.Errorf("%d items from 0 to 6 h and %d from 9 to 15 h; want night below a quarter of day", night, day)
	}

	var work, rest, workDays, restDays int
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if p.IsWorkday(d) {
			work, workDays = work+perDay[p.Day(d)], workDays+1
		} else {
			rest, restDays = rest+perDay[p.Day(d)], restDays+1
		}
	}
	if workDays == 0 || restDays == 0 {
		t.Fatalf("period has %d workdays and %d rest days, want both", workDays, restDays)
	}
	if float64(rest)/float64(restDays) >= 0.85*float64(work)/float64(workDays) {
		t.Errorf("%.1f items a rest day, %.1f a workday; want rest days clearly lower",
			float64(rest)/float64(restDays), float64(work)/float64(workDays))
	}
}

func TestItemMix(t *testing.T) {
	p := loadPolice(t)
	from, to := month(t)
	items := Items(p, 2000, 5, from, to)
	channels := map[string]int{}
	var conductWithOfficer, praiseWithOfficer, stationCode, transfer, urgent, repeat int
	phones := map[string]string{}
	for _, it := range items {
		sub := it.Submission
		channels[sub.Channel]++
		tag, ok := p.Tag(it.Tag)
		if !ok {
			t.Fatalf("%s: tag %q not in profile", sub.ExternalID, it.Tag)
		}
		if sub.OfficerID != "" {
			if !slices.ContainsFunc(p.Officers, func(o profile.Officer) bool { return o.ID == sub.OfficerID }) {
				t.Errorf("%s: officer %q not in profile", sub.ExternalID, sub.OfficerID)
			}
			if tag.Conduct && it.Kind == "投诉" {
				conductWithOfficer++
			}
			if it.Kind == "表扬" {
				praiseWithOfficer++
			}
		}
		if u, ok := p.Unit(sub.CodeUnit); ok && u.Kind == "station" {
			stationCode++
		}
		if sub.CodeUnit != "" && sub.Channel != "qr" {
			t.Errorf("%s: code unit %s on channel %s", sub.ExternalID, sub.CodeUnit, sub.Channel)
		}
		if tag.TransferTo != "" {
			transfer++
		}
		if it.Urgent {
			urgent++
		}
		if !IsFakePhone(sub.Phone) {
			t.Errorf("%s: phone %q is not a fake phone", sub.ExternalID, sub.Phone)
		}
		if name, seen := phones[sub.Phone]; seen && name == sub.Name {
			repeat++
		}
		phones[sub.Phone] = sub.Name
		if sub.Name == "" || sub.IDNumber != "" {
			t.Errorf("%s: name %q, id number %q; want a name and no id number", sub.ExternalID, sub.Name, sub.IDNumber)
		}
		if strings.ContainsAny(sub.Title+sub.Body, "{}") {
			t.Errorf("%s: unfilled slot in %q / %q", sub.ExternalID, sub.Title, sub.Body)
		}
		if n := utf8.RuneCountInString(sub.Title); n == 0 || n > workflow.MaxTitleChars {
			t.Errorf("%s: title has %d characters", sub.ExternalID, n)
		}
	}
	for _, c := range []string{"qr", "110", "12345", "mailbox", "12389", "phone", "email"} {
		if channels[c] == 0 {
			t.Errorf("no item on channel %s", c)
		}
	}
	if len(channels) != 7 {
		t.Errorf("channels %v, want exactly the seven known ones", channels)
	}
	checks := []struct {
		name     string
		got      int
		min, max int
	}{
		{"conduct complaints naming an officer", conductWithOfficer, 20, 200},
		{"praise naming an officer", praiseWithOfficer, 60, 300},
		{"items with a station's code", stationCode, 100, 600},
		{"items outside the remit", transfer, 80, 300},
		{"urgent items", urgent, 15, 70},
		{"repeat citizens", repeat, 20, 150},
	}
	for _, c := range checks {
		t.Logf("%s: %d", c.name, c.got)
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s: %d of %d, want %d to %d", c.name, c.got, len(items), c.min, c.max)
		}
	}
}

// idNumber matches an 18-character resident ID number, a 15-digit old one,
// or any longer digit run; fake phones have 11 digits and badges 6.
var idNumber = regexp.MustCompile(`[0-9]{17}[0-9Xx]|[0-9]{15,}`)

func TestNoIDNumbers(t *testing.T) {
	p := loadPolice(t)
	from, to := month(t)
	var texts []string
	for _, ex := range TrainingExamples(p, 2000, 9) {
		texts = append(texts, ex.Text)
	}
	for _, ex := range KindExamples(p, 2000, 9) {
		texts = append(texts, ex.Text)
	}
	for _, it := range Items(p, 2000, 9, from, to) {
		texts = append(texts, it.Submission.Title, it.Submission.Body, it.Submission.Name, it.Submission.Phone)
	}
	for _, text := range texts {
		if idNumber.MatchString(text) {
			t.Errorf("text looks like it holds an ID number: %q", text)
		}
	}
}

func TestModelAccuracy(t *testing.T) {
	p := loadPolice(t)
	from, to := month(t)
	items := Items(p, 1500, 3, from, to)
	cases := []struct {
		head                string
		gen                 func(*profile.Profile, int, int64) []classify.Example
		label               func(Item) string
		minUnseen, minItems float64
	}{
		{HeadTag, TrainingExamples, func(it Item) string { return it.Tag }, 0.85, 0.80},
		{HeadKind, KindExamples, func(it Item) string { return it.Kind }, 0.85, 0.85},
	}
	for _, tc := range cases {
		t.Run(tc.head, func(t *testing.T) {
			train := tc.gen(p, 3000, 1)
			seen := map[string]bool{}
			for _, ex := range train {
				seen[ex.Text] = true
			}
			var unseen []classify.Example
			for _, ex := range tc.gen(p, 1500, 2) {
				if !seen[ex.Text] {
					unseen = append(unseen, ex)
				}
			}
			if len(unseen) < 300 {
				t.Fatalf("only %d of 1500 texts are new; the templates vary too little", len(unseen))
			}
			m, err := classify.Train(train, classify.Options{})
			if err != nil {
				t.Fatalf("train: %v", err)
			}
			r := classify.Evaluate(m, unseen)
			t.Logf("unseen generated texts: %d, accuracy %.3f, macro-F1 %.3f", len(unseen), r.Accuracy, r.MacroF1)
			if r.Accuracy < tc.minUnseen {
				t.Errorf("accuracy on unseen texts %.3f, want at least %.2f", r.Accuracy, tc.minUnseen)
			}
			if r.Accuracy >= 0.995 {
				t.Errorf("accuracy on unseen texts %.3f; want some texts ambiguous", r.Accuracy)
			}
			var labelled []classify.Example
			for _, it := range items {
				labelled = append(labelled, classify.Example{Text: it.Submission.Title + "\n" + it.Submission.Body, Label: tc.label(it)})
			}
			r = classify.Evaluate(m, labelled)
			t.Logf("submissions: %d, accuracy %.3f, macro-F1 %.3f", len(labelled), r.Accuracy, r.MacroF1)
			if r.Accuracy < tc.minItems {
				t.Errorf("accuracy on submissions %.3f, want at least %.2f", r.Accuracy, tc.minItems)
			}
		})
	}
}

func TestWriteJSONL(t *testing.T) {
	p := loadPolice(t)
	from, to := month(t)
	items := Items(p, 50, 4, from, to)
	for _, head := range []string{HeadTag, HeadKind} {
		t.Run(head, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteJSONL(&buf, items, head); err != nil {
				t.Fatalf("write: %v", err)
			}
			examples, err := classify.ReadJSONL(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if len(examples) != len(items) {
				t.Fatalf("read %d examples, want %d", len(examples), len(items))
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			for i, it := range items {
				want := it.Tag
				if head == HeadKind {
					want = it.Kind
				}
				if examples[i].Label != want {
					t.Errorf("line %d: label %q, want %q", i+1, examples[i].Label, want)
				}
				var row jsonlRow
				if err := json.Unmarshal([]byte(lines[i]), &row); err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				at, err := time.Parse(time.RFC3339Nano, row.Time)
				if err != nil || !at.Equal(it.Submission.ReceivedAt) {
					t.Errorf("line %d: time %q (%v), want %v", i+1, row.Time, err, it.Submission.ReceivedAt)
				}
				if row.ID != it.Submission.ExternalID {
					t.Errorf("line %d: id %q, want %q", i+1, row.ID, it.Submission.ExternalID)
				}
			}
		})
	}
	if err := WriteJSONL(&bytes.Buffer{}, items, "place"); err == nil {
		t.Error("WriteJSONL with head place: no error")
	}
	var buf bytes.Buffer
	if err := SampleJSONL(&buf, p, 20, 4, from, to); err != nil {
		t.Fatalf("sample: %v", err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 20 {
		t.Errorf("SampleJSONL wrote %d lines, want 20", n)
	}
}

func TestFakePhone(t *testing.T) {
	rng := newRand(1)
	for range 100 {
		if ph := FakePhone(rng); !IsFakePhone(ph) {
			t.Fatalf("FakePhone gave %q, which IsFakePhone rejects", ph)
		}
	}
	cases := []struct {
		phone string
		want  bool
	}{
		{"19900000000", true},
		{"19900009999", true},
		{"1990000999", false},
		{"199000099999", false},
		{"13800000000", false},
		{"1990000abcd", false},
		{"", false},
	}
	for _, tc := range cases {
		t.Run(tc.phone, func(t *testing.T) {
			if got := IsFakePhone(tc.phone); got != tc.want {
				t.Errorf("IsFakePhone(%q) = %v, want %v", tc.phone, got, tc.want)
			}
		})
	}
}

func TestFakeName(t *testing.T) {
	rng := newRand(1)
	for range 200 {
		name := FakeName(rng)
		if n := utf8.RuneCountInString(name); n < 2 || n > 3 {
			t.Fatalf("FakeName gave %q with %d characters, want 2 or 3", name, n)
		}
		if !strings.ContainsRune(surnames, []rune(name)[0]) {
			t.Fatalf("FakeName gave %q, which does not start with a listed surname", name)
		}
	}
}
