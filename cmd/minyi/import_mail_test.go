package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"minyi/intake"
	"minyi/store"
	"minyi/store/storetest"
)

// copyMailFixtures copies the generated mails of the intake package into a
// fresh folder and returns it. It finds them from this file's path because
// TestMain moves the tests out of the source tree.
func copyMailFixtures(t *testing.T) string {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the path of the test source")
	}
	src := filepath.Join(filepath.Dir(self), "..", "..", "intake", "testdata", "mail")
	files, err := filepath.Glob(filepath.Join(src, "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no mail fixtures in %s: %v", src, err)
	}
	dir := t.TempDir()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The fixture folder holds five appeals, an auto-reply, a bounce and a mail
// in an unsupported charset (07_unknown_charset.eml).
func TestImportMailFolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		dir := copyMailFixtures(t)

		first := runImportJSON(t, a, out, "--channel", "mailbox", dir)
		if first.Format != intake.FormatEML || first.Rows != 8 {
			t.Errorf("read %s with %d records, want eml with 8", first.Format, first.Rows)
		}
		if first.Created != 5 || first.Present != 0 {
			t.Errorf("first import: created %d, present %d; want 5, 0", first.Created, first.Present)
		}
		checkMailSkipsAndRejects(t, first)
		if n := countTickets(t, db); n != 5 {
			t.Fatalf("%d tickets after the first import, want 5", n)
		}

		second := runImportJSON(t, a, out, "--channel", "mailbox", dir)
		if second.Created != 0 || second.Present != 5 {
			t.Errorf("second import: created %d, present %d; want 0, 5", second.Created, second.Present)
		}
		checkMailSkipsAndRejects(t, second)
		if n := countTickets(t, db); n != 5 {
			t.Errorf("%d tickets after the second import, want 5", n)
		}

		checkStoredMail(t, db, mailExternalID("gen-gbk-1@example.org"), "镕泰路夜间施工噪音扰民–请处理",
			"民警同志您好：镕泰路堃华小区旁的工地每晚施工到凌晨两点，噪音扰民–已持续十天，请尽快处理。",
			time.Date(2024, 6, 4, 13, 30, 0, 0, time.UTC))
		checkStoredMail(t, db, mailExternalID("gen-att-2@example.org"), "转发: 占道经营照片",
			"您好，附件是昨晚拍的现场照片和举报材料，请查收。\n\n附件：现场照片_镕泰路.jpg, 举报材料.pdf",
			time.Date(2024, 6, 5, 0, 12, 0, 0, time.UTC))
		// The Date header has no zone, so it is read in the police profile's
		// zone, Asia/Shanghai.
		checkStoredMail(t, db, mailExternalID("gen-naive-8@example.org"), "回复: 信号灯故障",
			"Bonjour, le feu rouge près de l'école est en panne.", time.Date(2024, 6, 8, 2, 20, 30, 0, time.UTC))

		var names int
		if err := db.QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM vault WHERE field = 'name'`).Scan(&names); err != nil {
			t.Fatal(err)
		}
		if names != 5 {
			t.Errorf("%d sealed names, want 5 (every appeal has a display name)", names)
		}
		var leaks int
		err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets
			WHERE title LIKE '%sample@%' OR body LIKE '%sample@%' OR body LIKE '%shili@%' OR external_id LIKE '%sample@%'`).
			Scan(&leaks)
		if err != nil {
			t.Fatal(err)
		}
		if leaks != 0 {
			t.Errorf("%d tickets show a sender's address", leaks)
		}
	})
}

func checkMailSkipsAndRejects(t *testing.T, sum importSummary) {
	t.Helper()
	if len(sum.Skipped) != 2 {
		t.Fatalf("skipped %+v, want the auto-reply and the bounce", sum.Skipped)
	}
	if s := sum.Skipped[0]; s.Reason != intake.SkipAutoReply || filepath.Base(s.File) != "04_autoreply.eml" {
		t.Errorf("first skipped %+v, want 04_autoreply.eml as auto-reply", s)
	}
	if s := sum.Skipped[1]; s.Reason != intake.SkipBounce || filepath.Base(s.File) != "05_bounce.eml" {
		t.Errorf("second skipped %+v, want 05_bounce.eml as bounce", s)
	}
	if len(sum.Rejected) != 1 {
		t.Fatalf("rejected %+v, want the koi8-r mail", sum.Rejected)
	}
	rej := sum.Rejected[0]
	if filepath.Base(rej.File) != "07_unknown_charset.eml" || !strings.Contains(rej.Reason, "koi8-r") {
		t.Errorf("rejected %+v, want 07_unknown_charset.eml for its charset", rej)
	}
}

func checkStoredMail(t *testing.T, db *store.DB, externalID, title, body string, received time.Time) {
	t.Helper()
	var gotTitle, gotBody string
	var receivedAt int64
	err := db.QueryRowContext(context.Background(),
		`SELECT title, body, received_at FROM tickets WHERE channel = ? AND external_id = ?`, "mailbox", externalID).
		Scan(&gotTitle, &gotBody, &receivedAt)
	if err != nil {
		t.Fatalf("ticket %s: %v", externalID, err)
	}
	if gotTitle != title {
		t.Errorf("%s: title %q, want %q", externalID, gotTitle, title)
	}
	if gotBody != body {
		t.Errorf("%s: body %q, want %q", externalID, gotBody, body)
	}
	if receivedAt != received.UnixMilli() {
		t.Errorf("%s: received_at %s, want %s", externalID, time.UnixMilli(receivedAt).UTC(), received)
	}
}

func TestImportMailFilesDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		dir := copyMailFixtures(t)
		files := []string{filepath.Join(dir, "01_gbk_label_gb2312.eml"), filepath.Join(dir, "04_autoreply.eml"),
			filepath.Join(dir, "06_big5_alternative.eml")}

		dry := runImportJSON(t, a, out, append([]string{"--channel", "mailbox", "--dry-run"}, files...)...)
		if !dry.DryRun || dry.Created != 2 || len(dry.Skipped) != 1 || len(dry.Rejected) != 0 {
			t.Errorf("dry run: %+v, want 2 to create and 1 skipped", dry)
		}
		if n := countTickets(t, db); n != 0 {
			t.Fatalf("dry run wrote %d tickets", n)
		}

		runImportJSON(t, a, out, append([]string{"--channel", "mailbox"}, files...)...)
		dry = runImportJSON(t, a, out, "--channel", "mailbox", "--dry-run", dir)
		if dry.Created != 3 || dry.Present != 2 || len(dry.Skipped) != 2 || len(dry.Rejected) != 1 {
			t.Errorf("dry run of the folder after importing two: %+v, want 3 new, 2 present, 2 skipped, 1 rejected", dry)
		}
	})
}

// TestImportMailFolderIgnoredFiles imports a folder that also holds a CSV
// file and a subfolder: the summary names both, which it did not read.
func TestImportMailFolderIgnoredFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		dir := copyMailFixtures(t)
		csv := filepath.Join(dir, "rows.csv")
		if err := os.WriteFile(csv, []byte("标题,内容\n路灯,不亮\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
		sum := runImportJSON(t, a, out, "--channel", "mailbox", dir)
		sub := filepath.Join(dir, "sub") + string(filepath.Separator)
		if len(sum.Ignored) != 2 || sum.Ignored[0] != csv || sum.Ignored[1] != sub {
			t.Errorf("ignored %v, want %s and %s", sum.Ignored, csv, sub)
		}
		if sum.Created != 5 {
			t.Errorf("created %d, want 5", sum.Created)
		}
		var b bytes.Buffer
		if err := printImportSummary(&b, &sum, false); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "忽略 ignored: 2") || !strings.Contains(b.String(), "rows.csv") ||
			!strings.Contains(b.String(), sub) {
			t.Errorf("text summary does not name the ignored file and folder:\n%s", b.String())
		}
	})
}

func TestImportMailTextSummary(t *testing.T) {
	sum := &importSummary{File: "mail", Format: "eml", Encoding: "MIME (gb2312)", Created: 1,
		Rejected: []importRejected{{Line: 3, File: "mail/c.eml", Reason: "unsupported or invalid charset"}},
		Skipped: []importSkipped{
			{Line: 1, File: "mail/a.eml", Reason: intake.SkipAutoReply, Detail: "Auto-Submitted: auto-replied"},
			{Line: 2, File: "mail/b.eml", Reason: intake.SkipBounce, Detail: "From: MAILER-DAEMON"},
		}}
	var b bytes.Buffer
	if err := printImportSummary(&b, sum, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"跳过 skipped: 2 (自动回复 auto-reply: 1, 退信 bounce: 1)",
		"文件 file mail/a.eml: 自动回复 auto-reply (Auto-Submitted: auto-replied)",
		"文件 file mail/c.eml: unsupported or invalid charset",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "第 3 行") {
		t.Errorf("summary gives a line number for a mail:\n%s", b.String())
	}
}

// mailExternalID returns the external id that a mail with Message-ID id
// gets: "mid:" and the first 16 bytes of the SHA-256 of id, in hex.
func mailExternalID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "mid:" + hex.EncodeToString(sum[:16])
}

// writeMail writes a generated mail into dir under name.
func writeMail(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The Message-ID encodes the sender's phone number, and the attachment's
// Windows path ends in a phone number.
const phoneMail = "From: 13812345678@139.com\r\nMessage-ID: <13812345678.1717380000.abc@139.com>\r\n" +
	"Subject: 照片\r\nDate: Mon, 3 Jun 2024 10:00:00 +0800\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n路口积水，见附件。\r\n" +
	"--b\r\nContent-Type: application/pdf\r\n" +
	"Content-Disposition: attachment; filename=\"..\\..\\windows\\system32\\13811112222.pdf\"\r\n\r\nx\r\n--b--\r\n"

func TestImportMailHidesPhoneNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		path := writeMail(t, t.TempDir(), "phone.eml", phoneMail)

		first := runImportJSON(t, a, out, "--channel", "mailbox", path)
		if first.Created != 1 {
			t.Fatalf("first import: %+v, want 1 created", first)
		}
		var externalID, body string
		err := db.QueryRowContext(context.Background(),
			`SELECT external_id, body FROM tickets WHERE channel = ?`, "mailbox").Scan(&externalID, &body)
		if err != nil {
			t.Fatal(err)
		}
		if want := mailExternalID("13812345678.1717380000.abc@139.com"); externalID != want {
			t.Errorf("external id %q, want %q", externalID, want)
		}
		if strings.Contains(externalID, "13812345678") {
			t.Errorf("external id %q holds the sender's phone number", externalID)
		}
		if want := "附件：[手机号].pdf"; !strings.HasSuffix(body, want) {
			t.Errorf("body %q, want it to end in %q", body, want)
		}
		if strings.Contains(body, "13811112222") {
			t.Errorf("body %q holds the phone number of the attachment name", body)
		}

		second := runImportJSON(t, a, out, "--channel", "mailbox", path)
		if second.Created != 0 || second.Present != 1 {
			t.Errorf("second import: created %d, present %d; want 0, 1", second.Created, second.Present)
		}
	})
}

// TestImportRejectReasonsMasked checks that rejection reasons, which quote
// raw content, go through the masker in both the JSON and the text summary.
func TestImportRejectReasonsMasked(t *testing.T) {
	const phone, idNumber = "13812349999", "110101199003071234"
	dir := t.TempDir()
	writeMail(t, dir, "1_first_line.eml", "我的电话"+phone+"身份证"+idNumber+"请回电\r\nSubject: x\r\n\r\nbody\r\n")
	writeMail(t, dir, "2_date.eml", "From: a@example.org\r\nDate: garbage "+phone+"\r\nSubject: x\r\n\r\nbody\r\n")
	csvPath := filepath.Join(t.TempDir(), "export.csv")
	csvData := "工单号,标题,诉求内容,受理时间\nB1,回电,请回电,电话" + phone + "\n"
	if err := os.WriteFile(csvPath, []byte(csvData), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		reasons int
	}{
		{"mail", dir, 2},
		{"csv", csvPath, 1},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		for _, tt := range tests {
			sum := runImportJSON(t, a, out, "--channel", "mailbox", tt.path)
			if len(sum.Rejected) != tt.reasons {
				t.Fatalf("%s: rejected %+v, want %d", tt.name, sum.Rejected, tt.reasons)
			}
			for _, rej := range sum.Rejected {
				if !strings.Contains(rej.Reason, "[手机号]") {
					t.Errorf("%s: reason %q, want the phone number masked", tt.name, rej.Reason)
				}
			}
			if strings.Contains(out.String(), phone) || strings.Contains(out.String(), idNumber) {
				t.Errorf("%s: JSON summary holds personal data:\n%s", tt.name, out.String())
			}

			out.Reset()
			if err := runImport(context.Background(), a, []string{"--channel", "mailbox", "--progress=false", tt.path}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), phone) || strings.Contains(out.String(), idNumber) {
				t.Errorf("%s: text summary holds personal data:\n%s", tt.name, out.String())
			}
			if !strings.Contains(out.String(), "[手机号]") {
				t.Errorf("%s: text summary lacks the masked reason:\n%s", tt.name, out.String())
			}
		}
	})
}

func TestImportSkipDetailMasked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		path := writeMail(t, t.TempDir(), "ooo.eml",
			"From: a@example.org\r\nSubject: 自动回复: 出差中，急事请拨13812349999\r\n\r\nx\r\n")
		sum := runImportJSON(t, a, out, "--channel", "mailbox", path)
		if len(sum.Skipped) != 1 {
			t.Fatalf("skipped %+v, want the auto-reply", sum.Skipped)
		}
		if d := sum.Skipped[0].Detail; strings.Contains(d, "13812349999") || !strings.Contains(d, "[手机号]") {
			t.Errorf("skip detail %q, want the phone number masked", d)
		}
	})
}
