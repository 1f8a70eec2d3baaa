package search_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"minyi/search"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
)

// fixture is one ticket inserted straight into the tickets table.
type fixture struct {
	title, body, reply string
	unitPath           string
	state              ticket.State
	channel            string
	urgent             bool
	received           time.Time
}

var base = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

var fixtures = []fixture{
	{title: "楼上噪音扰民", body: "每天夜里楼上装修噪音很大。", unitPath: "/bureau/east/s1/", channel: "qr"},
	{title: "路口红灯时间太短", body: "行人过马路来不及，红灯太长。", unitPath: "/bureau/east/s2/", channel: "12345"},
	{title: "广场舞", body: "晚上广场舞音响噪音扰民，希望管一管。", unitPath: "/bureau/east/s2/", channel: "qr", urgent: true},
	{title: "电动车被盗", body: "小区车棚电动车被盗。<script>alert(1)</script>", unitPath: "/bureau/west/s3/",
		channel: "110"},
	{title: "咨询户口", body: "新生儿落户需要什么材料", reply: "请携带出生证明到窗口办理，噪音问题另行反映。",
		unitPath: "/bureau/east/s1/", channel: "phone", state: ticket.Closed},
	{title: "ABC车牌", body: "车牌 ＡＢＣ１２３ 违停", unitPath: "/bureau/west/s3/", channel: "qr"},
}

func insertFixtures(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i, f := range fixtures {
			state := f.state
			if state == "" {
				state = ticket.Dispatched
			}
			at := base.Add(time.Duration(i) * time.Hour)
			id, err := store.InsertID(ctx, tx, `INSERT INTO tickets (tracking_code, channel, title, body, reply, state,
				unit_path, urgent, received_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				fmt.Sprintf("CODE%06d", i), f.channel, f.title, f.body, f.reply, string(state), f.unitPath,
				store.Bool(f.urgent), at.UnixMilli(), at.UnixMilli(), at.UnixMilli())
			if err != nil {
				return err
			}
			ids = append(ids, id)
			tk := &ticket.Ticket{ID: id, Title: f.title, Body: f.body, Reply: f.reply}
			if err := search.Index(ctx, tx, tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func found(t *testing.T, db *store.DB, q search.Query) ([]int64, int) {
	t.Helper()
	res, err := search.Find(context.Background(), db, q)
	if err != nil {
		t.Fatalf("find %+v: %v", q, err)
	}
	var ids []int64
	for _, r := range res.Rows {
		ids = append(ids, r.ID)
	}
	return ids, res.Total
}

func TestFind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ids := insertFixtures(t, db)
		noise, redLight, dance, theft, hukou, plate := ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]
		cases := []struct {
			name  string
			q     search.Query
			want  []int64 // in rank order
			total int
		}{
			{"two characters", search.Query{Text: "噪音"}, []int64{noise, hukou, dance}, 3}, // ties: latest id first
			{"two characters other", search.Query{Text: "红灯"}, []int64{redLight}, 1},
			{"longer word needs every bigram", search.Query{Text: "噪音扰民"}, []int64{noise, dance}, 2},
			{"two words", search.Query{Text: "噪音 广场"}, []int64{dance}, 1},
			{"one character", search.Query{Text: "盗"}, []int64{theft}, 1},
			{"one character at run end", search.Query{Text: "窗"}, []int64{hukou}, 1},
			{"reply text", search.Query{Text: "出生证明"}, []int64{hukou}, 1},
			{"full width folded", search.Query{Text: "abc123"}, []int64{plate}, 1},
			{"no match", search.Query{Text: "诈骗"}, nil, 0},
			{"punctuation only", search.Query{Text: "，。!"}, nil, 0},
			{"unit subtree", search.Query{Text: "噪音", UnitPath: "/bureau/east/s1/"}, []int64{noise, hukou}, 2},
			{"other station", search.Query{Text: "噪音", UnitPath: "/bureau/west/s3/"}, nil, 0},
			{"state filter", search.Query{Text: "噪音", States: []ticket.State{ticket.Closed}}, []int64{hukou}, 1},
			{"channel filter", search.Query{Text: "噪音", Channel: "qr"}, []int64{noise, dance}, 2},
			{"urgent flag", search.Query{Text: "噪音", Urgent: true}, []int64{dance}, 1},
			{"date range", search.Query{Text: "噪音", From: base.Add(time.Hour), To: base.Add(3 * time.Hour)},
				[]int64{dance}, 1},
			{"paged", search.Query{Text: "噪音", Limit: 1, Offset: 1}, []int64{hukou}, 3},
			{"past the end", search.Query{Text: "噪音", Limit: 5, Offset: 10}, nil, 3},
			{"no text lists newest first", search.Query{UnitPath: "/bureau/west/s3/"}, []int64{plate, theft}, 2},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, total := found(t, db, c.q)
				if !slices.Equal(got, c.want) {
					t.Errorf("ids = %v, want %v", got, c.want)
				}
				if total != c.total {
					t.Errorf("total = %d, want %d", total, c.total)
				}
			})
		}
	})
}

func TestFindTrackingCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ids := insertFixtures(t, db)
		noise, dance, theft, hukou := ids[0], ids[2], ids[3], ids[4]
		theftCode, danceCode := "CODE000003", "CODE000002" // insertFixtures numbers the codes
		cases := []struct {
			name  string
			q     search.Query
			want  []int64
			total int
		}{
			{"code first, then text matches", search.Query{Text: "噪音", TrackingCode: theftCode},
				[]int64{theft, noise, hukou, dance}, 4},
			{"code alone", search.Query{Text: theftCode, TrackingCode: theftCode}, []int64{theft}, 1},
			{"code that is also a match appears once", search.Query{Text: "噪音", TrackingCode: danceCode},
				[]int64{dance, noise, hukou}, 3},
			{"page of one", search.Query{Text: "噪音", TrackingCode: theftCode, Limit: 1}, []int64{theft}, 4},
			{"first page", search.Query{Text: "噪音", TrackingCode: theftCode, Limit: 2}, []int64{theft, noise}, 4},
			{"second page", search.Query{Text: "噪音", TrackingCode: theftCode, Limit: 2, Offset: 2},
				[]int64{hukou, dance}, 4},
			{"past the end", search.Query{Text: "噪音", TrackingCode: theftCode, Limit: 2, Offset: 6}, nil, 4},
			{"outside the scope", search.Query{Text: theftCode, TrackingCode: theftCode, UnitPath: "/bureau/east/"},
				nil, 0},
			{"outside the filters", search.Query{Text: theftCode, TrackingCode: theftCode,
				States: []ticket.State{ticket.Closed}}, nil, 0},
			{"unknown code", search.Query{Text: "噪音", TrackingCode: "CODE999999"}, []int64{noise, hukou, dance}, 3},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, total := found(t, db, c.q)
				if !slices.Equal(got, c.want) {
					t.Errorf("ids = %v, want %v", got, c.want)
				}
				if total != c.total {
					t.Errorf("total = %d, want %d", total, c.total)
				}
			})
		}
	})
}

func TestReindex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := insertFixtures(t, db)
		if _, err := db.ExecContext(ctx, `DELETE FROM search_terms`); err != nil {
			t.Fatal(err)
		}
		if got, _ := found(t, db, search.Query{Text: "红灯"}); len(got) != 0 {
			t.Fatalf("after clearing the index: %v, want none", got)
		}
		var calls int
		n, err := search.Reindex(ctx, db, 4, func(int) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if n != len(fixtures) {
			t.Errorf("reindexed %d, want %d", n, len(fixtures))
		}
		if calls != 2 {
			t.Errorf("progress called %d times, want 2", calls)
		}
		got, _ := found(t, db, search.Query{Text: "红灯"})
		if !slices.Equal(got, []int64{ids[1]}) {
			t.Errorf("after reindex: %v, want [%d]", got, ids[1])
		}
		// A second run replaces the terms instead of adding to them.
		if _, err := search.Reindex(ctx, db, 100, nil); err != nil {
			t.Fatalf("second reindex: %v", err)
		}
	})
}

func TestIndexReplacesTerms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := insertFixtures(t, db)
		tk := &ticket.Ticket{ID: ids[1], Title: "路口红灯时间太短", Reply: "已联系交警调整信号配时"}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return search.Index(ctx, tx, tk) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := found(t, db, search.Query{Text: "信号配时"}); !slices.Equal(got, []int64{ids[1]}) {
			t.Errorf("reply words: %v, want [%d]", got, ids[1])
		}
		if got, _ := found(t, db, search.Query{Text: "过马路"}); len(got) != 0 {
			t.Errorf("old body still indexed: %v", got)
		}
	})
}

func TestHighlight(t *testing.T) {
	cases := []struct {
		name, text, query string
		width             int
		want              string
	}{
		{"marks bigram", "楼上噪音扰民", "噪音", 0, "楼上<mark>噪音</mark>扰民"},
		{"escapes the rest", `<b>噪音</b> & "x"`, "噪音", 0,
			"&lt;b&gt;<mark>噪音</mark>&lt;/b&gt; &amp; &#34;x&#34;"},
		{"escapes inside a mark", "a<b", "a", 0, "<mark>a</mark>&lt;b"},
		{"query with markup is text", "x<mark>y", "<mark>", 0, "x&lt;<mark>mark</mark>&gt;y"},
		{"one character", "盗窃被盗", "盗", 0, "<mark>盗</mark>窃被<mark>盗</mark>"},
		{"folds width and case", "车牌ＡＢＣ", "abc", 0, "车牌<mark>ＡＢＣ</mark>"},
		{"excerpt", "一二三四五六七八九十噪音一二三四五六七八九十", "噪音", 8, "…九十<mark>噪音</mark>一二三四…"},
		{"no match", "<i>", "噪音", 0, "&lt;i&gt;"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := search.Highlight(c.text, c.query, c.width); got != c.want {
				t.Errorf("Highlight(%q, %q) = %q, want %q", c.text, c.query, got, c.want)
			}
		})
	}
}

func TestTerms(t *testing.T) {
	got := search.Terms("噪音", "噪音大，A1", "")
	want := map[string]int{"噪音": 4, "音": 3, "音大": 1, "大": 1, "a1": 1, "1": 1}
	if len(got) != len(want) {
		t.Errorf("Terms = %v, want %v", got, want)
	}
	for term, n := range want {
		if got[term] != n {
			t.Errorf("term %q counted %d, want %d", term, got[term], n)
		}
	}
}

func TestQueryString(t *testing.T) {
	q := search.Query{Text: "噪音", UnitPath: "/b/", States: []ticket.State{ticket.Closed}, Channel: "qr",
		Urgent: true, Supervised: true}
	want := "unit_path=/b/&state=closed&channel=qr&urgent&supervised"
	if got := q.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
