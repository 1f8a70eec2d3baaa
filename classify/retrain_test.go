package classify

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

// rotated returns examples with every label replaced by the next one in
// sorted order, which teaches a model the wrong answer everywhere.
func rotated(examples []Example) []Example {
	labels, y := labelIndex(examples)
	out := make([]Example, len(examples))
	for i, ex := range examples {
		out[i] = Example{Text: ex.Text, Label: labels[(y[i]+1)%len(labels)]}
	}
	return out
}

func TestPromoteRefusesWorseModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		train, held := Split(generated())
		good, err := Train(train, Options{})
		if err != nil {
			t.Fatal(err)
		}
		first, err := Promote(ctx, db, "tag", good, held)
		if err != nil || !first.Promoted || first.Version != 1 {
			t.Fatalf("first candidate: %+v, err %v; want v1 promoted", first, err)
		}
		bad, err := Train(rotated(train), Options{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Promote(ctx, db, "tag", bad, held)
		if err != nil {
			t.Fatalf("promote bad: %v", err)
		}
		if r.Promoted || r.Version != 2 || r.Previous != 1 {
			t.Errorf("bad candidate: promoted %v, version %d, previous %d; want false, 2, 1", r.Promoted, r.Version, r.Previous)
		}
		if r.Candidate.MacroF1 >= r.Current.MacroF1 {
			t.Errorf("bad candidate macro-F1 %.3f not below current %.3f", r.Candidate.MacroF1, r.Current.MacroF1)
		}
		if v, err := ActiveVersion(ctx, db, "tag"); err != nil || v != 1 {
			t.Errorf("active version = %d, %v; want 1", v, err)
		}
		// An equally good candidate is promoted: "not worse" suffices.
		same, err := Promote(ctx, db, "tag", good, held)
		if err != nil || !same.Promoted || same.Version != 3 {
			t.Errorf("equal candidate: %+v, err %v; want v3 promoted", same, err)
		}
		versions, err := Versions(ctx, db, "tag")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range versions {
			got = append(got, fmt.Sprintf("v%d:%v", v.Version, v.Active))
		}
		if want := "[v1:false v2:false v3:true]"; fmt.Sprint(got) != want {
			t.Errorf("versions = %v, want %s", got, want)
		}
		if versions[1].Metrics.MacroF1 != r.Candidate.MacroF1 {
			t.Errorf("stored metrics of v2 = %.3f, want %.3f", versions[1].Metrics.MacroF1, r.Candidate.MacroF1)
		}
	})
}

func TestRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := trainOn(t, "交通", "噪声")
		for range 3 {
			if _, err := Save(ctx, db, "tag", m, Report{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := Save(ctx, db, "kind", m, Report{}); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name    string
			to      int
			want    int
			wantErr error
		}{
			{"previous of v3", 0, 2, nil},
			{"previous of v2", 0, 1, nil},
			{"nothing older than v1", 0, 1, ErrNoVersion},
			{"forward to v3", 3, 3, nil},
			{"unknown version", 9, 3, ErrNoVersion},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				_, err := Rollback(ctx, db, "tag", s.to)
				if !errors.Is(err, s.wantErr) {
					t.Fatalf("err = %v, want %v", err, s.wantErr)
				}
				if v, err := ActiveVersion(ctx, db, "tag"); err != nil || v != s.want {
					t.Errorf("active = %d, %v; want %d", v, err, s.want)
				}
				if v, err := ActiveVersion(ctx, db, "kind"); err != nil || v != 1 {
					t.Errorf("kind head touched: active = %d, %v", v, err)
				}
			})
		}
	})
}

// insertCorrected stores a ticket whose head tag staff set, as workflow.Retag
// does, or, with viaDispatch, one the system triaged and centre staff then
// dispatched with the given tag.
func insertCorrected(t *testing.T, db *store.DB, n int, text, head, label string, viaDispatch bool) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO tickets (tracking_code, channel, title, state, tag, received_at,
			created_at, updated_at) VALUES (?, 'web', ?, 'dispatched', ?, 1, 1, 1) RETURNING id`,
			fmt.Sprintf("TEST%06d", n), text, label).Scan(&id)
		if err != nil {
			return err
		}
		source := "staff:centre1"
		if viaDispatch {
			source = "model:tag:v1"
			for _, ev := range [][2]string{{"triage", "system"}, {"dispatch", "centre"}} {
				_, err := tx.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, at, actor_name, actor_role, action,
					from_state, to_state, reason, details) VALUES (?, 1, 'x', ?, ?, '', '', '', '{}')`, id, ev[1], ev[0])
				if err != nil {
					return err
				}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO ticket_tags (ticket_id, head, tag, confidence, source) VALUES (?, ?, ?, 1, ?)`,
			id, head, label, source)
		return err
	})
	if err != nil {
		t.Fatalf("insert corrected ticket: %v", err)
	}
}

func TestCorrectionLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := baseExamples()
		first, err := Retrain(ctx, db, "tag", base, Options{})
		if err != nil || !first.Promoted {
			t.Fatalf("first retrain: %+v, err %v", first, err)
		}
		m, _, err := LoadActive(ctx, db, "tag")
		if err != nil {
			t.Fatal(err)
		}
		// Texts a citizen might write about a noisy neighbour's car; pick
		// two outside the held-out fifth, so that retraining learns them.
		var texts []string
		for _, s := range []string{"楼下车库夜里有人改装摩托车", "车库里摩托车每晚轰油门", "夜里摩托车在小区里轰鸣",
			"小区摩托车改装排气管", "凌晨摩托车轰油门吵醒孩子", "车库摩托车声音特别响"} {
			if !HeldOut(s) {
				texts = append(texts, s)
			}
		}
		if len(texts) < 2 {
			t.Fatalf("only %d texts outside the held-out fifth", len(texts))
		}
		texts = texts[:2]
		// Staff correct both to a label the model does not give them.
		before := m.Predict(texts[0]).Label
		label := "户籍"
		if before == label || m.Predict(texts[1]).Label == label {
			label = "噪声"
		}
		if before == label {
			t.Fatalf("model already says %s; pick other texts", label)
		}
		insertCorrected(t, db, 1, texts[0], "tag", label, false)
		insertCorrected(t, db, 2, texts[1], "tag", label, true)
		insertCorrected(t, db, 3, "不相关的类别", "kind", "咨询", false)

		corrections, err := Corrections(ctx, db, "tag")
		if err != nil {
			t.Fatal(err)
		}
		if len(corrections) != 2 {
			t.Fatalf("corrections = %v, want the two tag corrections", corrections)
		}
		r, err := Retrain(ctx, db, "tag", base, Options{})
		if err != nil {
			t.Fatalf("retrain: %v", err)
		}
		if !r.Promoted || r.Version != 2 || r.Corrections != 2 {
			t.Fatalf("retrain: %+v, want v2 promoted with 2 corrections", r)
		}
		if r.Rows != first.Rows+2*CorrectionWeight {
			t.Errorf("rows = %d, want %d + 2×%d", r.Rows, first.Rows, CorrectionWeight)
		}
		next, version, err := LoadActive(ctx, db, "tag")
		if err != nil || version != 2 {
			t.Fatalf("active after retrain: v%d, %v", version, err)
		}
		for _, text := range texts {
			if got := next.Predict(text).Label; got != label {
				t.Errorf("after the correction, %s → %s, want %s (before: %s)", text, got, label, m.Predict(text).Label)
			}
		}
	})
}
