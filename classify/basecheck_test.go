package classify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

// baseExamples returns generated() three times over, once as it is and once
// under each of two place prefixes, so that its held-out fifth meets
// MinHeldOutRows.
func baseExamples() []Example {
	var out []Example
	for _, prefix := range []string{"", "城东区：", "南湖街道："} {
		for _, ex := range generated() {
			out = append(out, Example{Text: prefix + ex.Text, Label: ex.Label})
		}
	}
	return out
}

func relabelled(examples []Example, label func(Example) string) []Example {
	out := make([]Example, len(examples))
	for i, ex := range examples {
		out[i] = Example{Text: ex.Text, Label: label(ex)}
	}
	return out
}

func TestTrainRejectsOneLabel(t *testing.T) {
	one := relabelled(generated(), func(Example) string { return "交通" })
	for _, method := range []string{MethodLinear, MethodNB} {
		if _, err := Train(one, Options{Method: method}); !errors.Is(err, ErrTooFewLabels) {
			t.Errorf("%s: err = %v, want ErrTooFewLabels", method, err)
		}
	}
}

func TestCheckBase(t *testing.T) {
	base := baseExamples()
	_, held := Split(base)
	// A fourth label with one held-out row and four rows to train on.
	var rare []Example
	heldRare := 0
	for i := 1; len(rare) < 5 || heldRare == 0; i++ {
		text := fmt.Sprintf("派出所门口第%d盏路灯不亮", i)
		if HeldOut(text) {
			if heldRare == 1 {
				continue
			}
			heldRare++
		}
		rare = append(rare, Example{Text: text, Label: "路灯"})
	}
	if heldRare != 1 {
		t.Fatalf("fixture: %d held-out 路灯 rows, want 1", heldRare)
	}
	var tiny []Example // one row of each label
	for _, ex := range base {
		if !slices.ContainsFunc(tiny, func(t Example) bool { return t.Label == ex.Label }) {
			tiny = append(tiny, ex)
		}
	}
	cases := []struct {
		name    string
		base    []Example
		wantErr string // "" for none
	}{
		{"good", base, ""},
		{"one label", relabelled(base, func(Example) string { return "交通" }), "at least two labels"},
		{"three rows", tiny, "at least 50"},
		{"held-out fifth too small", held[:MinHeldOutRows-1], "at least 50"},
		{"rare label", append(append([]Example(nil), base...), rare...), "路灯 (1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBase(tc.base)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckBase: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidBase) {
				t.Fatalf("err = %v, want ErrInvalidBase", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestRetrainRejectsBadBase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := baseExamples()
		first, err := Retrain(ctx, db, "tag", base, Options{})
		if err != nil || !first.Promoted || first.Version != 1 {
			t.Fatalf("first retrain: %+v, err %v; want v1 promoted", first, err)
		}

		// Files that fail CheckBase store nothing.
		for name, bad := range map[string][]Example{
			"one label": relabelled(base, func(Example) string { return "交通" }),
			"tiny":      base[:3],
		} {
			if _, err := Retrain(ctx, db, "tag", bad, Options{}); !errors.Is(err, ErrInvalidBase) {
				t.Errorf("%s: err = %v, want ErrInvalidBase", name, err)
			}
		}
		if versions, err := Versions(ctx, db, "tag"); err != nil || len(versions) != 1 {
			t.Fatalf("versions after rejected files = %d, %v; want 1", len(versions), err)
		}

		// Rotated labels: the candidate scores well on its own file's
		// held-out rows, but v1 scores far below its recorded figure there.
		r, err := Retrain(ctx, db, "tag", rotated(base), Options{})
		if err != nil {
			t.Fatalf("rotated: %v", err)
		}
		if r.Promoted || r.Version != 2 || r.Previous != 1 {
			t.Errorf("rotated: promoted %v, version %d, previous %d; want false, 2, 1", r.Promoted, r.Version, r.Previous)
		}
		if !r.BaseCheck.Checked || !r.BaseCheck.Failed {
			t.Errorf("rotated: base check %+v, want checked and failed", r.BaseCheck)
		}
		if r.BaseCheck.Recorded != first.Candidate.MacroF1 {
			t.Errorf("recorded macro-F1 = %.4f, want v1's %.4f", r.BaseCheck.Recorded, first.Candidate.MacroF1)
		}
		if r.BaseCheck.OnBase >= r.BaseCheck.Recorded-MaxBaseDrop {
			t.Errorf("v1 on the rotated file = %.4f, want more than %.2f below %.4f", r.BaseCheck.OnBase, MaxBaseDrop,
				r.BaseCheck.Recorded)
		}
		for _, want := range []string{fmt.Sprintf("%.4f", r.BaseCheck.OnBase), fmt.Sprintf("%.4f", r.BaseCheck.Recorded),
			"minyi tag rollback --head tag --to 2"} {
			if !strings.Contains(r.Reason, want) {
				t.Errorf("reason %q does not contain %q", r.Reason, want)
			}
		}
		if v, err := ActiveVersion(ctx, db, "tag"); err != nil || v != 1 {
			t.Errorf("active after rotated = %d, %v; want 1", v, err)
		}

		// Labels v1 never saw: nothing to check the file against.
		other := relabelled(base, func(ex Example) string { return "新" + ex.Label })
		r, err = Retrain(ctx, db, "tag", other, Options{})
		if err != nil {
			t.Fatalf("other labels: %v", err)
		}
		if r.Promoted || r.BaseCheck.Rows != 0 || !strings.Contains(r.Reason, "share no label") {
			t.Errorf("other labels: promoted %v, base check %+v, reason %q", r.Promoted, r.BaseCheck, r.Reason)
		}

		// The same good file passes the check and is promoted.
		again, err := Retrain(ctx, db, "tag", base, Options{})
		if err != nil || !again.Promoted || again.BaseCheck.Failed {
			t.Errorf("good file again: %+v, err %v; want promoted", again, err)
		}

		// The operator can still activate the refused candidate, a version
		// newer than v1, by rolling "back" to it.
		if _, err := Rollback(ctx, db, "tag", 2); err != nil {
			t.Fatalf("rollback to v2: %v", err)
		}
		if v, err := ActiveVersion(ctx, db, "tag"); err != nil || v != 2 {
			t.Errorf("active after rollback --to 2 = %d, %v; want 2", v, err)
		}
	})
}

func TestPromoteWithoutRecordedFigure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := baseExamples()
		// A version trained on every row (tag train --all) records no figure.
		m, err := Train(base, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Save(ctx, db, "tag", m, Report{}); err != nil {
			t.Fatal(err)
		}
		r, err := Retrain(ctx, db, "tag", base, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.BaseCheck.Checked || r.BaseCheck.Failed {
			t.Errorf("base check = %+v, want unchecked", r.BaseCheck)
		}
	})
}

func TestUnknownLabels(t *testing.T) {
	m := trainOn(t, "交通", "噪声")
	rows := []Example{{"a", "交通"}, {"b", "户籍"}, {"c", "咨询"}, {"d", "户籍"}}
	if got, want := fmt.Sprint(UnknownLabels(m, rows)), "[咨询 户籍]"; got != want {
		t.Errorf("UnknownLabels = %s, want %s", got, want)
	}
	if got := UnknownLabels(m, rows[:1]); len(got) != 0 {
		t.Errorf("UnknownLabels of known rows = %v, want none", got)
	}
}
