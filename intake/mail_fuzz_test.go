package intake

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseMail feeds arbitrary bytes to the mail parser. It must not panic,
// every error must be a mail, charset or time error, and a mail it accepts
// must give a row of valid UTF-8 whose time ParseTime reads.
func FuzzParseMail(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(mailDir, "*.eml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Subject: =?gb2312?B?1cWy4srU?=\r\nContent-Type: text/plain; charset=gbk\r\n\r\n\xc2\xb7"))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>&amp;</p>\r\n--x--"))
	f.Add([]byte("Content-Disposition: attachment; filename*0*=gbk''%C2%B7; filename*1=.jpg\r\nContent-Type: image/png\r\n\r\n"))
	f.Add([]byte("Date: Mon, 3 Jun 2024 10:00:00 CST\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E8=B7=AF=\r\n=ZZ"))
	f.Add([]byte(forwardedMail("见转发", "Subject: =?utf-8?B?5Y6f5Lu2?=\r\nContent-Type: message/rfc822\r\n\r\nSubject: b\r\n\r\nc")))
	loc := time.FixedZone("test", 8*3600)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMail(data)
		if err != nil {
			if !errors.Is(err, ErrMail) && !errors.Is(err, ErrCharset) && !errors.Is(err, ErrTime) {
				t.Fatalf("parseMail returned %T %v, want ErrMail, ErrCharset or ErrTime", err, err)
			}
			return
		}
		if m.skip != nil {
			if m.skip.Reason == "" || !utf8.ValidString(m.skip.Detail) {
				t.Fatalf("skip %+v", m.skip)
			}
			return
		}
		row := m.row(1)
		for _, v := range []string{row.Title, row.Body, row.Name, row.Time} {
			if !utf8.ValidString(v) {
				t.Fatalf("row holds invalid UTF-8: %q", v)
			}
		}
		if row.Time != "" {
			if _, err := ParseTime(row.Time, loc); err != nil {
				t.Fatalf("time %q: %v", row.Time, err)
			}
		}
		if strings.Contains(m.address, "@") && strings.Contains(row.Name, m.address) {
			t.Fatalf("name %q holds the sender's address", row.Name)
		}
	})
}
