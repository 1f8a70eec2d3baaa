package workflow_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"minyi/kpi"
	"minyi/privacy"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// closeTicket drives a ticket of ps-dongguan through the loop to closed.
func closeTicket(t *testing.T, e *env, id int64) {
	t.Helper()
	centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")
	e.act(t, id, handler, ticket.ActAccept, ticket.Input{})
	e.act(t, id, handler, ticket.ActReply, ticket.Input{Reply: "已处理"})
	e.act(t, id, centre, ticket.ActApprove, ticket.Input{})
	if tk := e.act(t, id, centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Satisfied}); tk.State != ticket.Closed {
		t.Fatalf("state %s, want closed", tk.State)
	}
}

// vaultCiphertexts returns the stored ciphertexts of a ticket.
func vaultCiphertexts(t *testing.T, db *store.DB, id int64) [][]byte {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT ciphertext FROM vault WHERE ticket_id = ?`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var ct []byte
		if err := rows.Scan(&ct); err != nil {
			t.Fatal(err)
		}
		out = append(out, ct)
	}
	return out
}

// rawDatabase returns everything the database stores: on SQLite the bytes of
// the database file and its write-ahead log, on PostgreSQL the text form of
// every row of every table in the test's schema (bytea in hex).
func rawDatabase(t *testing.T, db *store.DB) []byte {
	t.Helper()
	ctx := context.Background()
	if db.Dialect == store.SQLite {
		path := strings.TrimPrefix(db.DSN, "sqlite:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		var all []byte
		for _, suffix := range []string{"", "-wal", "-journal"} {
			b, err := os.ReadFile(path + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		if len(all) == 0 {
			t.Fatalf("read no bytes from %s", path)
		}
		return all
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	var buf bytes.Buffer
	for _, table := range tables {
		r, err := db.QueryContext(ctx, `SELECT x::text FROM "`+table+`" x`)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var s string
			if err := r.Scan(&s); err != nil {
				t.Fatal(err)
			}
			buf.WriteString(s)
			buf.WriteByte('\n')
		}
		r.Close()
	}
	return buf.Bytes()
}

// containsSecret reports whether raw holds secret as bytes or, for
// PostgreSQL's text form of bytea, as hex.
func containsSecret(raw, secret []byte) bool {
	return bytes.Contains(raw, secret) || bytes.Contains(raw, []byte(hex.EncodeToString(secret)))
}

func TestRetentionPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newRelayEnv(t, db, false)
		name, id := "贾测试", idNumber("43010219800101123")
		old, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "小区门口夜间噪音",
			CodeUnit: "ps-dongguan", Phone: testPhone, Name: name, IDNumber: id})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Contact(ctx, e.actor(t, "centre1"), old.ID,
			workflow.ContactRequest{Channel: "message", Text: "回访短信"}); err != nil {
			t.Fatal(err)
		}
		closeTicket(t, e.env, old.ID)
		recent, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan",
			Phone: "13912340002"})
		if err != nil {
			t.Fatal(err)
		}
		open, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "噪音", CodeUnit: "ps-dongguan",
			Phone: "13912340003"})
		if err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(24 * time.Hour)
		closeTicket(t, e.env, recent.ID)

		secrets := vaultCiphertexts(t, db, old.ID)
		if len(secrets) != 3 {
			t.Fatalf("ticket has %d vault values, want 3", len(secrets))
		}
		secrets = append(secrets, []byte(testPhone), []byte(name), []byte(id), []byte("回访短信"))
		if raw := rawDatabase(t, db); !containsSecret(raw, secrets[0]) {
			t.Fatal("the scan does not find the phone's ciphertext before the purge, so it cannot prove its absence")
		}
		kpiBefore := kpiJSON(t, db)
		maskedBefore := timeline(t, e.env, old.ID)

		// The old ticket ended 25 hours before the cutoff, the recent one 1 hour after.
		cutoff := e.now.Add(-23 * time.Hour)
		dry, err := privacy.Purge(ctx, db, cutoff, true)
		if err != nil {
			t.Fatal(err)
		}
		if dry.Tickets != 1 || dry.Values != 3 || dry.Messages != 1 {
			t.Fatalf("dry run %+v, want 1 ticket, 3 values, 1 message", dry)
		}
		if got := vaultCiphertexts(t, db, old.ID); len(got) != 3 {
			t.Fatalf("the dry run deleted vault values")
		}
		res, err := privacy.Purge(ctx, db, cutoff, false)
		if err != nil {
			t.Fatal(err)
		}
		if res != dry {
			t.Fatalf("purge %+v, dry run %+v", res, dry)
		}

		raw := rawDatabase(t, db)
		for i, s := range secrets {
			if containsSecret(raw, s) {
				t.Errorf("secret %d of the purged ticket is still in the database", i)
			}
		}
		for _, keep := range []int64{recent.ID, open.ID} {
			if n := len(vaultCiphertexts(t, db, keep)); n != 1 {
				t.Errorf("ticket %d has %d vault values after the purge, want 1", keep, n)
			}
		}
		out, err := e.svc.Contact(ctx, e.actor(t, "centre1"), old.ID, workflow.ContactRequest{Channel: "message", Text: "x"})
		if out.Status != privacy.OutcomeNoPhone {
			t.Fatalf("contact after purge: status %q (%v), want no_phone", out.Status, err)
		}
		if _, err := e.svc.CheckProgress(ctx, old.TrackingCode, testPhone[7:]); err == nil {
			t.Fatal("the progress key still matches the purged phone number")
		}
		after := timeline(t, e.env, old.ID)
		if len(after) < len(maskedBefore) || after[0].Action != ticket.ActCreate {
			t.Fatalf("the masked timeline changed: %d events before, %d after", len(maskedBefore), len(after))
		}
		if got := kpiJSON(t, db); got != kpiBefore {
			t.Fatalf("KPIs changed by the purge:\nbefore %s\nafter  %s", kpiBefore, got)
		}
		again, err := privacy.Purge(ctx, db, cutoff, false)
		if err != nil || again.Tickets != 0 {
			t.Fatalf("a second purge shredded %+v (%v), want nothing", again, err)
		}
	})
}

func kpiJSON(t *testing.T, db *store.DB) string {
	t.Helper()
	r, err := kpi.Compute(context.Background(), db, kpi.Filter{Now: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	return string(b)
}
