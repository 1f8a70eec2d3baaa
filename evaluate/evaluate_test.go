package evaluate_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"minyi/evaluate"
	"minyi/org"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
)

func setup(t *testing.T, db *store.DB) *profile.Profile {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(context.Background(), db, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCodeLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		setup(t, db)
		now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
		c, err := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerOfficer, OwnerID: "o001"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if !evaluate.ValidCodeID(c.ID) || c.UnitID != "ps-dongguan" {
			t.Fatalf("code = %+v", c)
		}
		o, err := evaluate.Resolve(ctx, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Title(); got != "东关派出所 · 民警 郑波 · 警号 124153" {
			t.Fatalf("title = %q", got)
		}
		next, err := evaluate.Reissue(ctx, db, c.ID, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		old, _ := evaluate.Get(ctx, db, c.ID)
		if !old.Revoked() || old.ReplacedBy != next.ID || next.OwnerID != "o001" {
			t.Fatalf("after reissue old = %+v, new = %+v", old, next)
		}
		if _, err := evaluate.Reissue(ctx, db, c.ID, now); !errors.Is(err, evaluate.ErrInvalid) {
			t.Fatalf("second reissue of the same code: %v", err)
		}
		active, err := evaluate.List(ctx, db, evaluate.Filter{OwnerID: "o001"})
		if err != nil || len(active) != 1 || active[0].ID != next.ID {
			t.Fatalf("active codes = %+v, %v", active, err)
		}
		all, _ := evaluate.List(ctx, db, evaluate.Filter{OwnerID: "o001", IncludeRevoked: true})
		if len(all) != 2 {
			t.Fatalf("all codes = %d, want 2", len(all))
		}
		if _, err := evaluate.Revoke(ctx, db, next.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := evaluate.Get(ctx, db, "NOPE"); !errors.Is(err, evaluate.ErrNotFound) {
			t.Fatalf("malformed id: %v", err)
		}
	})
}

func TestCreateRejectsBadOwners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		setup(t, db)
		cases := []struct {
			name string
			n    evaluate.NewCode
		}{
			{"unknown officer", evaluate.NewCode{OwnerType: evaluate.OwnerOfficer, OwnerID: "o999"}},
			{"station as window", evaluate.NewCode{OwnerType: evaluate.OwnerWindow, OwnerID: "ps-dongguan"}},
			{"place without unit", evaluate.NewCode{OwnerType: evaluate.OwnerPlace, OwnerID: "东关大街"}},
			{"unknown type", evaluate.NewCode{OwnerType: "car", OwnerID: "x"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := evaluate.Create(context.Background(), db, tc.n, time.Now()); !errors.Is(err, evaluate.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
			})
		}
	})
}

func TestEnsureCodesIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := setup(t, db)
		windows := 0
		for _, u := range p.Units {
			if u.Kind == "window" {
				windows++
			}
		}
		n, err := evaluate.EnsureCodes(ctx, db, p)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(p.Officers)+windows {
			t.Fatalf("created %d, want %d", n, len(p.Officers)+windows)
		}
		again, err := evaluate.EnsureCodes(ctx, db, p)
		if err != nil || again != 0 {
			t.Fatalf("second run created %d, %v", again, err)
		}
	})
}

func TestRecordRatingPeriodAndFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		setup(t, db)
		now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
		c, _ := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerOfficer, OwnerID: "o001"}, now)
		o, _ := evaluate.ResolveCode(ctx, db, c)
		rate := func(device, key string, r evaluate.Rating, at time.Time) (evaluate.Evaluation, error) {
			return evaluate.Record(ctx, db, evaluate.Evaluation{Kind: evaluate.KindRating, CodeID: c.ID, OfficerID: o.OfficerID,
				UnitID: o.UnitID, UnitPath: o.UnitPath, Rating: r, DeviceHash: evaluate.HashDevice(device), FormKey: key},
				evaluate.RecordOptions{Period: 24 * time.Hour, Now: at})
		}
		first, err := rate("dev-a", "k1", evaluate.Satisfied, now)
		if err != nil {
			t.Fatal(err)
		}
		again, err := rate("dev-a", "k1", evaluate.Satisfied, now.Add(time.Second))
		if err != nil || again.ID != first.ID {
			t.Fatalf("retry with the same key: %+v, %v", again, err)
		}
		if _, err := rate("dev-a", "k1", evaluate.Unsatisfied, now); !errors.Is(err, evaluate.ErrKeyReused) {
			t.Fatalf("same key, other rating: %v", err)
		}
		if _, err := rate("dev-a", "k2", evaluate.Unsatisfied, now.Add(time.Hour)); !errors.Is(err, evaluate.ErrTooSoon) {
			t.Fatalf("second rating within the period: %v", err)
		}
		bad, err := rate("dev-a", "k3", evaluate.Unsatisfied, now.Add(25*time.Hour))
		if err != nil {
			t.Fatalf("rating after the period: %v", err)
		}
		if _, err := rate("dev-b", "k4", evaluate.BasicSatisfied, now.Add(time.Hour)); err != nil {
			t.Fatalf("another device: %v", err)
		}
		if _, err := evaluate.Record(ctx, db, evaluate.Evaluation{Kind: evaluate.KindPraise, CodeID: c.ID, OfficerID: o.OfficerID,
			UnitID: o.UnitID, UnitPath: o.UnitPath, Comment: "耐心细致", DeviceHash: evaluate.HashDevice("dev-a")},
			evaluate.RecordOptions{Period: 24 * time.Hour, Now: now.Add(2 * time.Hour)}); err != nil {
			t.Fatalf("praise within the rating period: %v", err)
		}
		if err := evaluate.LinkComplaint(ctx, db, bad.ID+1000, 1); !errors.Is(err, evaluate.ErrInvalid) {
			t.Fatalf("link of a missing evaluation: %v", err)
		}

		from, to := now.Add(-time.Hour), now.Add(48*time.Hour)
		for _, s := range []evaluate.Scope{{OfficerID: "o001"}, {UnitPath: "/bureau/br-qinghe/"}} {
			f, err := evaluate.Count(ctx, db, s, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want := evaluate.Figures{Satisfied: 1, Basic: 1, Unsatisfied: 1, Praise: 1}
			if f != want {
				t.Fatalf("scope %+v: figures = %+v, want %+v", s, f, want)
			}
			if rate, ok := f.SatisfactionRate(); !ok || rate < 0.66 || rate > 0.67 {
				t.Fatalf("rate = %v %v", rate, ok)
			}
		}
		loc, _ := time.LoadLocation("Asia/Shanghai")
		series, err := evaluate.Series(ctx, db, evaluate.Scope{OfficerID: "o001"}, now, now.Add(48*time.Hour), loc, evaluate.Day)
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 3 || series[0].Figures.Rated() != 2 || series[1].Figures.Rated() != 1 {
			t.Fatalf("series = %+v", series)
		}
		recent, err := evaluate.Recent(ctx, db, evaluate.Scope{OfficerID: "o001"}, evaluate.KindPraise, 10)
		if err != nil || len(recent) != 1 || recent[0].Comment != "耐心细致" {
			t.Fatalf("recent praise = %+v, %v", recent, err)
		}
	})
}

func TestQRImages(t *testing.T) {
	url := evaluate.URL("https://minyi.example.cn/", "ABCDEFGHJKMN")
	if url != "https://minyi.example.cn/c/ABCDEFGHJKMN" {
		t.Fatalf("url = %q", url)
	}
	png, err := evaluate.PNG(url, 256)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("png: %v", err)
	}
	svg, err := evaluate.SVG(url, 256)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("<path")) || bytes.Count(svg, []byte("M")) < 50 {
		t.Fatalf("svg looks empty: %.200s", svg)
	}
}
