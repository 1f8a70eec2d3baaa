package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"minyi/demo"
	"minyi/privacy"
	"minyi/profile"
	"minyi/search"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
)

// BenchEnv names the variable that enables the large search benchmark, as the
// number of tickets to generate (100000 for the recorded figures).
const BenchEnv = "MINYI_SEARCH_BENCH"

// benchQueries are the queries of the latency benchmark: common and rare
// two-character words, a one-character word, longer words and filters.
var benchQueries = []search.Query{
	{Text: "噪音"}, {Text: "红灯"}, {Text: "停车"}, {Text: "民警"}, {Text: "小区"}, {Text: "诈骗"},
	{Text: "电动车"}, {Text: "派出所"}, {Text: "盗"}, {Text: "噪音扰民"}, {Text: "态度 民警"},
	{Text: "噪音", UnitPath: "/"}, // replaced by a station's path below
	{Text: "小区", States: []ticket.State{ticket.Closed}},
	{Text: "民警", Urgent: true},
	{Text: ""},
}

// TestSearchLatency generates tickets from the demo city's submissions, masks
// them as the workflow does, indexes them and measures the latency of
// benchQueries. It runs only when MINYI_SEARCH_BENCH is set to the number of
// tickets, and fails when p99 exceeds 300 ms. On a small number it still
// checks every two-character query against a scan of the masked text.
func TestSearchLatency(t *testing.T) {
	n := 0
	if v := os.Getenv(BenchEnv); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of tickets", BenchEnv, v)
		}
	}
	if n == 0 {
		t.Skipf("%s is not set; set it to a number of tickets (100000) to run the search benchmark", BenchEnv)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		station, texts := generateTickets(t, db, n)

		start := time.Now()
		indexed, err := search.Reindex(ctx, db, 1000, nil)
		if err != nil {
			t.Fatal(err)
		}
		indexTime := time.Since(start)
		var terms int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_terms`).Scan(&terms); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: indexed %d tickets, %d term rows, in %s (%.0f tickets/s)", db.Dialect, indexed, terms,
			indexTime.Round(time.Millisecond), float64(indexed)/indexTime.Seconds())

		if db.Dialect == store.Postgres {
			// Autovacuum vacuums and analyzes freshly filled tables within
			// minutes, which sets the visibility map that index-only scans of
			// search_terms need. The benchmark measures that steady state
			// without waiting for it.
			for _, table := range []string{"tickets", "search_terms"} {
				if _, err := db.ExecContext(ctx, "VACUUM ANALYZE "+table); err != nil {
					t.Fatal(err)
				}
			}
		}
		checkAgainstScan(t, db, texts)

		queries := slices.Clone(benchQueries)
		for i := range queries {
			if queries[i].UnitPath == "/" {
				queries[i].UnitPath = station
			}
		}
		const rounds = 20
		var all []time.Duration
		for _, q := range queries {
			var per []time.Duration
			var total int
			for range rounds {
				begin := time.Now()
				res, err := search.Find(ctx, db, q)
				if err != nil {
					t.Fatal(err)
				}
				per = append(per, time.Since(begin))
				total = res.Total
			}
			slices.Sort(per)
			t.Logf("%s: %-28s %6d matches  p50 %6.1f ms  max %6.1f ms", db.Dialect, describe(q), total,
				ms(per[len(per)/2]), ms(per[len(per)-1]))
			all = append(all, per...)
		}
		slices.Sort(all)
		p50, p90, p99 := pct(all, 50), pct(all, 90), pct(all, 99)
		t.Logf("%s: %d queries on %d tickets: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
			db.Dialect, len(all), n, ms(p50), ms(p90), ms(p99), ms(all[len(all)-1]))
		if p99 > 300*time.Millisecond {
			t.Errorf("p99 %.1f ms is over 300 ms", ms(p99))
		}
	})
}

// checkAgainstScan compares the total of two-character queries with a count
// of the masked texts that contain the word.
func checkAgainstScan(t *testing.T, db *store.DB, texts []string) {
	t.Helper()
	for _, word := range []string{"噪音", "红灯", "小区", "诈骗"} {
		want := 0
		for _, text := range texts {
			if strings.Contains(text, word) {
				want++
			}
		}
		res, err := search.Find(context.Background(), db, search.Query{Text: word, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Errorf("%s: %d matches, a scan of the texts finds %d", word, res.Total, want)
		}
	}
}

// generateTickets inserts n tickets built from demo submissions, masked, with
// states and units drawn at random, and returns one station's unit path and
// every ticket's title, body and reply joined.
func generateTickets(t *testing.T, db *store.DB, n int) (string, []string) {
	t.Helper()
	ctx := context.Background()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := privacy.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, u := range p.Units {
		if u.Kind == "station" || u.Kind == "brigade" {
			paths = append(paths, p.UnitPath(u.ID))
		}
	}
	states := []ticket.State{ticket.Closed, ticket.Closed, ticket.Closed, ticket.Accepted, ticket.Dispatched,
		ticket.Replied, ticket.Triage}
	to := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	items := demo.Items(p, n, 20261204, to.AddDate(0, -6, 0), to)
	rng := rand.New(rand.NewPCG(1, 2))
	texts := make([]string, 0, n)
	const perInsert = 200
	for start := 0; start < len(items); start += perInsert {
		chunk := items[start:min(start+perInsert, len(items))]
		var args []any
		for i, it := range chunk {
			sub := it.Submission
			title, body := prot.Mask(sub.Title), prot.Mask(sub.Body)
			state := states[rng.IntN(len(states))]
			reply := ""
			if state == ticket.Closed || state == ticket.Replied {
				reply = "已核实处理，" + title + "问题已整改。"
			}
			texts = append(texts, title+"\n"+body+"\n"+reply)
			at := sub.ReceivedAt.UnixMilli()
			args = append(args, fmt.Sprintf("B%09d", start+i), sub.Channel, sub.Kind, title, body, reply,
				string(state), paths[rng.IntN(len(paths))], it.Tag, store.Bool(it.Urgent), at, at, at)
		}
		query := "INSERT INTO tickets (tracking_code, channel, kind, title, body, reply, state, unit_path, tag, " +
			"urgent, received_at, created_at, updated_at) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", ")
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatal(err)
		}
	}
	return paths[0], texts
}

func describe(q search.Query) string {
	s := q.Text
	if s == "" {
		s = "(no text)"
	}
	if f := q.String(); f != "" {
		s += " " + f
	}
	return s
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(i, len(sorted))-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
