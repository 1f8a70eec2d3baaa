package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"minyi/demo"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
)

// ExportBenchEnv names the variable that enables the export benchmark, as the
// number of tickets to export (10000 for the recorded figures).
const ExportBenchEnv = "MINYI_EXPORT_BENCH"

// TestExportLarge inserts generated closed tickets and times one export of
// all of them through the HTTP handler, query, access record and workbook
// included. It runs only when MINYI_EXPORT_BENCH is set.
func TestExportLarge(t *testing.T) {
	n := 0
	if v := os.Getenv(ExportBenchEnv); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of tickets", ExportBenchEnv, v)
		}
	}
	if n == 0 {
		t.Skipf("%s is not set; set it to a number of tickets (10000) to time an export", ExportBenchEnv)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		insertClosedTickets(t, e, n)
		start := time.Now()
		code, body := e.get(t, "centre1", "/search/export.xlsx")
		took := time.Since(start)
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("工单")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n+3 {
			t.Errorf("%d rows, want %d tickets and 3 header rows", len(rows), n)
		}
		t.Logf("%s: exported %d tickets in %s, %d KiB", db.Dialect, n, took.Round(time.Millisecond), len(body)/1024)
	})
}

// insertClosedTickets inserts n closed, rated tickets of the demo city's
// stations straight into the tickets table.
func insertClosedTickets(t *testing.T, e *searchEnv, n int) {
	t.Helper()
	p := e.svc.Profile()
	var units []string
	for _, u := range p.Units {
		if u.Kind == "station" {
			units = append(units, u.ID)
		}
	}
	items := demo.Items(p, n, demoSeed, e.now.AddDate(0, -3, 0), e.now)
	outcomes := []ticket.Outcome{ticket.Satisfied, ticket.Satisfied, ticket.BasicSatisfied, ticket.Unsatisfied}
	const perInsert = 200
	for start := 0; start < n; start += perInsert {
		var args []any
		chunk := items[start:min(start+perInsert, n)]
		for i, it := range chunk {
			unit := units[(start+i)%len(units)]
			at := it.Submission.ReceivedAt
			args = append(args, fmt.Sprintf("X%09d", start+i), it.Submission.Channel, it.Kind, it.Tag, unit,
				p.UnitPath(unit), string(ticket.Closed), at.UnixMilli(), at.Add(30*time.Hour).UnixMilli(),
				at.Add(50*time.Hour).UnixMilli(), string(outcomes[(start+i)%len(outcomes)]), at.UnixMilli(),
				at.UnixMilli())
		}
		q := "INSERT INTO tickets (tracking_code, channel, kind, tag, unit_id, unit_path, state, received_at, " +
			"replied_at, closed_at, callback_result, created_at, updated_at) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", ")
		if _, err := e.db.ExecContext(context.Background(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
}
