package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"minyi/intake"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
)

// newImportApp returns an app on db with the police profile synced into it
// and a fresh personal-data key file.
func newImportApp(t *testing.T, db *store.DB) (*app, *bytes.Buffer) {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(context.Background(), db, p); err != nil {
		t.Fatal(err)
	}
	keys, err := privacy.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(t.TempDir(), "test.keys")
	if err := keys.WriteFile(keyPath); err != nil {
		t.Fatal(err)
	}
	t.Setenv(privacy.KeysFileEnv, keyPath)
	t.Setenv(privacy.KeysEnv, "")
	var out bytes.Buffer
	a := &app{cfg: config{Profile: "police"}, stdout: &out, stderr: io.Discard,
		log: slog.New(slog.DiscardHandler), db: db}
	return a, &out
}

func runImportJSON(t *testing.T, a *app, out *bytes.Buffer, args ...string) importSummary {
	t.Helper()
	out.Reset()
	if err := runImport(context.Background(), a, append([]string{"--json"}, args...)); err != nil {
		t.Fatalf("import %v: %v", args, err)
	}
	var sum importSummary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("summary %q: %v", out.String(), err)
	}
	return sum
}

func countTickets(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// importCSV is a generated 12345 export: three good rows, a title over the
// limit on line 4 and an invalid time on line 6.
var importCSV = strings.Join([]string{
	"工单号,标题,诉求内容,受理时间,联系电话",
	"A1,路灯不亮,晚上路灯坏了😀𠀀很黑,2024-06-03 18:05:00,13800002222",
	"A2,噪声扰民,楼下施工到半夜,2024/6/4 23:10,",
	"A3," + strings.Repeat("长", 201) + ",正文,2024-06-05,",
	"A4,违章停车,小区门口有车乱停,2024-06-05T08:00:00+08:00,",
	"A5,信号灯,配时太短,明天,",
}, "\n") + "\n"

func TestImportTwiceCreatesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		dir := t.TempDir()
		path := filepath.Join(dir, "export.csv")
		if err := os.WriteFile(path, []byte(importCSV), 0o600); err != nil {
			t.Fatal(err)
		}

		first := runImportJSON(t, a, out, "--channel", "12345", path)
		if first.Created != 3 || first.Present != 0 {
			t.Errorf("first import: created %d, present %d; want 3, 0", first.Created, first.Present)
		}
		if len(first.Rejected) != 2 || first.Rejected[0].Line != 4 || first.Rejected[1].Line != 6 {
			t.Errorf("first import rejected %+v, want lines 4 and 6", first.Rejected)
		}
		if first.Encoding != "UTF-8" || first.Format != "csv" {
			t.Errorf("first import read %s in %s, want csv in UTF-8", first.Format, first.Encoding)
		}
		if n := countTickets(t, db); n != 3 {
			t.Fatalf("%d tickets after the first import, want 3", n)
		}

		second := runImportJSON(t, a, out, "--channel", "12345", path)
		if second.Created != 0 || second.Present != 3 || len(second.Rejected) != 2 {
			t.Errorf("second import: created %d, present %d, rejected %d; want 0, 3, 2",
				second.Created, second.Present, len(second.Rejected))
		}
		if n := countTickets(t, db); n != 3 {
			t.Errorf("%d tickets after the second import, want 3", n)
		}

		var body string
		var receivedAt int64
		err := db.QueryRowContext(context.Background(),
			`SELECT body, received_at FROM tickets WHERE channel = ? AND external_id = ?`, "12345", "A1").
			Scan(&body, &receivedAt)
		if err != nil {
			t.Fatal(err)
		}
		if body != "晚上路灯坏了😀𠀀很黑" {
			t.Errorf("stored body %q, want the 4-byte characters kept", body)
		}
		// 18:05 in Asia/Shanghai, the police profile's zone, is 10:05 UTC.
		if want := time.Date(2024, 6, 3, 10, 5, 0, 0, time.UTC).UnixMilli(); receivedAt != want {
			t.Errorf("received_at %d, want %d", receivedAt, want)
		}
	})
}

func TestImportWithoutIDColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		data := "标题,内容\n路灯不亮,晚上很黑\n路灯不亮,晚上很黑\n噪声扰民,楼下施工\n"
		path := filepath.Join(t.TempDir(), "noid.csv")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		first := runImportJSON(t, a, out, "--channel", "mailbox", path)
		// The second row repeats the first word for word, so it shares its key.
		if first.Created != 2 || first.Present != 1 {
			t.Errorf("first import: created %d, present %d; want 2, 1", first.Created, first.Present)
		}
		second := runImportJSON(t, a, out, "--channel", "mailbox", path)
		if second.Created != 0 || second.Present != 3 {
			t.Errorf("second import: created %d, present %d; want 0, 3", second.Created, second.Present)
		}
		if n := countTickets(t, db); n != 2 {
			t.Errorf("%d tickets, want 2", n)
		}
	})
}

func TestImportDryRunWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		dir := t.TempDir()
		path := filepath.Join(dir, "export.csv")
		if err := os.WriteFile(path, []byte(importCSV), 0o600); err != nil {
			t.Fatal(err)
		}
		dry := runImportJSON(t, a, out, "--channel", "12345", "--dry-run", path)
		if !dry.DryRun || dry.Created != 3 || dry.Present != 0 || len(dry.Rejected) != 2 {
			t.Errorf("dry run: %+v, want 3 to create and 2 rejected", dry)
		}
		if n := countTickets(t, db); n != 0 {
			t.Fatalf("dry run wrote %d tickets", n)
		}

		runImportJSON(t, a, out, "--channel", "12345", path)
		extended := filepath.Join(dir, "more.csv")
		more := importCSV + "A6,井盖缺失,人行道井盖不见了,2024-06-06 07:00,\n"
		if err := os.WriteFile(extended, []byte(more), 0o600); err != nil {
			t.Fatal(err)
		}
		dry = runImportJSON(t, a, out, "--channel", "12345", "--dry-run", extended)
		if dry.Created != 1 || dry.Present != 3 {
			t.Errorf("dry run after import: would create %d, present %d; want 1, 3", dry.Created, dry.Present)
		}
		if n := countTickets(t, db); n != 3 {
			t.Errorf("%d tickets after the dry run, want 3", n)
		}
	})
}

func TestImportFlagErrors(t *testing.T) {
	a := &app{cfg: config{Profile: "police"}, stdout: io.Discard, stderr: io.Discard,
		log: slog.New(slog.DiscardHandler)}
	tests := []struct {
		name string
		args []string
	}{
		{"no channel", []string{"x.csv"}},
		{"no file", []string{"--channel", "12345"}},
		{"two files", []string{"--channel", "12345", "a.csv", "b.csv"}},
		{"a mail and a CSV file", []string{"--channel", "mailbox", "a.eml", "b.csv"}},
		{"long channel", []string{"--channel", strings.Repeat("c", 33), "x.csv"}},
		{"channel with a space", []string{"--channel", "Bad Channel", "x.csv"}},
		{"bad map", []string{"--channel", "12345", "--map", "列=bogus", "x.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runImport(context.Background(), a, tt.args)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("error %v, want a usage error", err)
			}
		})
	}
}

func TestImportTextSummary(t *testing.T) {
	sum := &importSummary{File: "x.csv", Format: "csv", Encoding: "GB18030", Created: 2, Present: 1,
		Rejected: []importRejected{{Line: 4, Reason: "value too long"}}, Seconds: 2, RowsPerSecond: 2}
	var b bytes.Buffer
	if err := printImportSummary(&b, sum, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"编码 encoding: GB18030", "新建 created: 2", "已存在 already present: 1",
		"拒绝 rejected: 1", "第 4 行 line 4: value too long"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestImportMixedEncodingRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("A9,噪声扰民,楼下施工到半夜,2024-06-05,\n"))
		if err != nil {
			t.Fatal(err)
		}
		data := append([]byte(importCSV), gbk...)
		path := filepath.Join(t.TempDir(), "mixed.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		err = runImport(context.Background(), a, []string{"--channel", "12345", path})
		var ee *intake.EncodingError
		if !errors.As(err, &ee) || ee.Line != 7 {
			t.Fatalf("error %v, want an encoding error on line 7", err)
		}
		if n := countTickets(t, db); n != 0 {
			t.Errorf("%d tickets imported from a rejected file, want 0", n)
		}
		if out.Len() != 0 {
			t.Errorf("summary printed for a rejected file: %q", out.String())
		}
	})
}

func TestImportDryRunReportsDuplicatesAndInvalidRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		path := filepath.Join(t.TempDir(), "dups.jsonl")
		body := "解放路与人民路交叉口的红绿灯坏了三天了，早晚高峰车辆拥堵严重，行人过马路非常危险，请尽快派人维修"
		rows := `{"id":"d1","body":"` + body + `","time":"2026-11-01 08:00:00"}
{"id":"d2","body":"` + body + `，谢谢","time":"2026-11-01 09:00:00"}
{"id":"d3","body":"小区门口夜间烧烤油烟很大","time":"2026-11-01 10:00:00","kind":"不存在的类型"}
`
		if err := os.WriteFile(path, []byte(rows), 0o600); err != nil {
			t.Fatal(err)
		}
		dry := runImportJSON(t, a, out, "--channel", "12345", "--dry-run", path)
		if dry.Created != 2 || len(dry.Rejected) != 1 || dry.Rejected[0].Line != 3 {
			t.Errorf("dry run: created %d, rejected %+v; want 2 and line 3", dry.Created, dry.Rejected)
		}
		if dry.Similar != 1 {
			t.Errorf("dry run found %d near-duplicates, want 1 (the second row repeats the first)", dry.Similar)
		}
		if n := countTickets(t, db); n != 0 {
			t.Fatalf("dry run wrote %d tickets", n)
		}
	})
}

// TestImportRejectsReusedID imports a file in which line 3 reuses line 2's
// id for another complaint. The dry run and the import both reject line 3,
// and a later file that reuses a stored ticket's id is rejected too.
func TestImportRejectsReusedID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		dir := t.TempDir()
		path := filepath.Join(dir, "reused.csv")
		rows := "编号,标题,内容\nD1,路灯坏了,测试路路灯不亮\nD1,噪音扰民,测试小区夜间施工\nD2,信号灯,配时太短\nD2,信号灯,配时太短\n"
		if err := os.WriteFile(path, []byte(rows), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, dryRun := range []bool{true, false} {
			args := []string{"--channel", "12345", path}
			if dryRun {
				args = append([]string{"--dry-run"}, args...)
			}
			sum := runImportJSON(t, a, out, args...)
			if sum.Created != 2 || sum.Present != 1 || len(sum.Rejected) != 1 || sum.Rejected[0].Line != 3 {
				t.Errorf("dry run %v: created %d, present %d, rejected %+v; want 2, 1 and line 3",
					dryRun, sum.Created, sum.Present, sum.Rejected)
			}
		}
		if n := countTickets(t, db); n != 2 {
			t.Fatalf("tickets = %d, want 2", n)
		}

		later := filepath.Join(dir, "later.csv")
		if err := os.WriteFile(later, []byte("编号,标题,内容\nD1,占道经营,测试小区门口摆摊\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, dryRun := range []bool{true, false} {
			args := []string{"--channel", "12345", later}
			if dryRun {
				args = append([]string{"--dry-run"}, args...)
			}
			if sum := runImportJSON(t, a, out, args...); sum.Created != 0 || len(sum.Rejected) != 1 {
				t.Errorf("dry run %v, stored id reused: created %d, rejected %+v; want line 2 rejected",
					dryRun, sum.Created, sum.Rejected)
			}
		}
	})
}

// TestImportRejectionsInLineOrder imports a file whose line 2 fails
// validation when its batch is written and whose line 3 fails to parse when
// it is read. The summary lists them in line order, and the date that is out
// of range is shown as the file wrote it.
func TestImportRejectionsInLineOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		path := filepath.Join(t.TempDir(), "order.csv")
		rows := "编号,内容,受理时间\nO1,路灯坏了,1900-01-01\nO2,噪音扰民,明天\nO3,违章停车,2024-06-05\n"
		if err := os.WriteFile(path, []byte(rows), 0o600); err != nil {
			t.Fatal(err)
		}
		sum := runImportJSON(t, a, out, "--channel", "12345", path)
		if len(sum.Rejected) != 2 || sum.Rejected[0].Line != 2 || sum.Rejected[1].Line != 3 {
			t.Fatalf("rejected %+v, want lines 2 and 3 in order", sum.Rejected)
		}
		if reason := sum.Rejected[0].Reason; !strings.Contains(reason, "1900-01-01 00:00:00") {
			t.Errorf("line 2 reason %q does not show the date as written", reason)
		}
		if reason := sum.Rejected[1].Reason; strings.Contains(reason, "2006") {
			t.Errorf("line 3 reason %q shows Go's layout date", reason)
		}
	})
}
