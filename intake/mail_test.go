package intake

import (
	"encoding/base64"
	"errors"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// mailDir holds generated mails, one per case shape; the people in them are
// made up.
var mailDir = filepath.Join("testdata", "mail")

// gbWord returns an RFC 2047 B-encoded word of s in GB18030 bytes, labelled
// label.
func gbWord(t *testing.T, label, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return "=?" + label + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

func TestOpenMailFolder(t *testing.T) {
	r, err := OpenMail([]string{mailDir}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != FormatEML || r.Len() != 8 {
		t.Fatalf("format %s with %d records, want eml with 8", r.Format(), r.Len())
	}
	if want := "MIME (gb2312, utf-8, big5, iso-8859-1)"; r.Encoding() != want {
		t.Errorf("encoding %q, want %q", r.Encoding(), want)
	}
	want := map[int]Row{
		1: {ID: messageID("<gen-gbk-1@example.org>"), Title: "镕泰路夜间施工噪音扰民–请处理",
			Body: "民警同志您好：镕泰路堃华小区旁的工地每晚施工到凌晨两点，噪音扰民–已持续十天，请尽快处理。",
			Time: "2024-06-04T21:30:00+08:00", Name: "赵样例"},
		2: {ID: messageID("<gen-att-2@example.org>"), Title: "转发: 占道经营照片",
			Body: "您好，附件是昨晚拍的现场照片和举报材料，请查收。\n\n附件：现场照片_镕泰路.jpg, 举报材料.pdf",
			Time: "2024-06-05T08:12:00+08:00", Name: "Qian Shili"},
		3: {ID: messageID("<gen-html-3@example.org>"), Title: "路灯不亮",
			Body: "民警同志：\n\n和平里 3 号楼前的路灯坏了&一直没人修。\n\n谢谢<孙>",
			Time: "2024-06-06T19:45:10+08:00", Name: "孙示例"},
		6: {ID: messageID("<gen-big5-6@example.org>"), Title: "違規停車", Body: "請派員處理中正路口違規停車。",
			Time: "2024-06-07T07:30:00+08:00", Name: "吳範例"},
		8: {ID: messageID("<gen-naive-8@example.org>"), Title: "回复: 信号灯故障",
			Body: "Bonjour, le feu rouge près de l'école est en panne.", Time: "2024-06-08 10:20:30", Name: "Feng Yangli"},
	}
	skipped := map[int]string{4: SkipAutoReply, 5: SkipBounce}
	for line := 1; line <= r.Len(); line++ {
		row, err := r.Next()
		if got, wantFile := r.Source(line), filepath.Join(mailDir, ""); !strings.HasPrefix(got, wantFile) {
			t.Errorf("record %d: source %q, want a file in %s", line, got, mailDir)
		}
		var skip *SkipError
		var rowErr *RowError
		switch {
		case skipped[line] != "":
			if !errors.As(err, &skip) || skip.Reason != skipped[line] || skip.Line != line {
				t.Errorf("record %d: %v, want skipped as %s", line, err, skipped[line])
			}
		case line == 7:
			if !errors.As(err, &rowErr) || !errors.Is(err, ErrCharset) || !strings.Contains(err.Error(), `"koi8-r"`) {
				t.Errorf("record 7: %v, want a charset error naming koi8-r", err)
			}
		default:
			if err != nil {
				t.Errorf("record %d: %v", line, err)
				continue
			}
			w := want[line]
			w.Line = line
			if row.ID != w.ID || row.Title != w.Title || row.Body != w.Body || row.Time != w.Time || row.Name != w.Name {
				t.Errorf("record %d:\n got %+v\nwant %+v", line, row, w)
			}
			if row.Phone != "" || strings.Contains(row.Body, "@example.org") {
				t.Errorf("record %d carries the sender's address or a phone: %+v", line, row)
			}
		}
	}
}

func TestOpenEMLFileAndFolder(t *testing.T) {
	r, err := Open(filepath.Join(mailDir, "01_gbk_label_gb2312.eml"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != FormatEML || r.Len() != 1 {
		t.Errorf("one .eml: format %s, %d records; want eml, 1", r.Format(), r.Len())
	}
	r, err = Open(mailDir, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 8 {
		t.Errorf("folder: %d records, want 8", r.Len())
	}
	if _, err := OpenMail([]string{filepath.Join("testdata", "csv_gbk_nobom.csv")}, ReadOptions{}); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("OpenMail on a CSV file: %v, want ErrUnsupportedFormat", err)
	}
	if _, err := OpenMail([]string{t.TempDir()}, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "no .eml files") {
		t.Errorf("OpenMail on an empty folder: %v, want no .eml files", err)
	}
}

func TestOpenMailTooLargeKeepsOthers(t *testing.T) {
	dir := t.TempDir()
	small := "From: a <a@example.org>\r\nSubject: hi\r\n\r\n路灯不亮\r\n"
	large := "Subject: big\r\n\r\n" + strings.Repeat("x", 2<<20)
	for name, data := range map[string]string{"a.eml": small, "b.eml": large, "c.EML": small} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r, err := OpenMail([]string{dir}, ReadOptions{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := readAll(t, r)
	if len(rows) != 2 || len(errs) != 1 || errs[0].Line != 2 || !errors.Is(errs[0], ErrTooLarge) {
		t.Fatalf("%d rows, errors %v; want 2 rows and mail 2 too large", len(rows), errs)
	}
	if got := r.Source(2); filepath.Base(got) != "b.eml" {
		t.Errorf("source of mail 2 is %q, want b.eml", got)
	}
}

func TestParseMailNoText(t *testing.T) {
	r, err := openBytes(t, "empty.eml", []byte("From: x@example.org\r\nMessage-ID: <e@x>\r\n\r\n  \r\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, errs := readAll(t, r)
	if len(errs) != 1 || !errors.Is(errs[0], ErrNoText) {
		t.Errorf("errors %v, want ErrNoText", errs)
	}
}

func TestParseMailTruncatedMultipart(t *testing.T) {
	data := "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n井盖缺失\r\n--b\r\nContent-Type: image/png; name=a.png\r\n\r\nabc"
	m, err := parseMail([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.body != "井盖缺失" {
		t.Errorf("body %q, want the part before the cut", m.body)
	}
}

func TestParseMailSkipsUndecodableBounce(t *testing.T) {
	data := "From: =?koi8-r?B?8A==?= <MAILER-DAEMON@mx.example.org>\r\nSubject: =?koi8-r?B?8A==?=\r\n\r\nx\r\n"
	m, err := parseMail([]byte(data))
	if err != nil {
		t.Fatalf("error %v, want the bounce skipped", err)
	}
	if m.skip == nil || m.skip.Reason != SkipBounce {
		t.Errorf("skip %+v, want a bounce", m.skip)
	}
	_, err = parseMail([]byte("From: a@example.org\r\nSubject: =?koi8-r?B?8A==?=\r\n\r\nx\r\n"))
	if !errors.Is(err, ErrCharset) {
		t.Errorf("appeal with a koi8-r subject: %v, want ErrCharset", err)
	}
}

func TestParseMailMboxFromLine(t *testing.T) {
	m, err := parseMail([]byte("From someone@example.org Mon Jun  3 10:00:00 2024\nSubject: a\n\nb\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.subject != "a" || m.body != "b" {
		t.Errorf("subject %q body %q, want a and b", m.subject, m.body)
	}
}

func TestParseMailNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: deep\r\n")
	for i := 0; i <= maxMailDepth; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + string(rune('a'+i)) + "\r\n\r\n--b" + string(rune('a'+i)) + "\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nx\r\n")
	if _, err := parseMail([]byte(b.String())); !errors.Is(err, ErrMail) {
		t.Errorf("error %v, want ErrMail for nesting past %d levels", err, maxMailDepth)
	}
}

func TestDecodeHeaderCharsets(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"gb2312 label, GBK bytes", gbWord(t, "gb2312", "镕–堃"), "镕–堃"},
		{"upper-case GBK", gbWord(t, "GBK", "喆"), "喆"},
		{"x-gbk", gbWord(t, "x-gbk", "路灯"), "路灯"},
		{"cp936", gbWord(t, "CP936", "路灯"), "路灯"},
		{"gb18030 four-byte", gbWord(t, "gb18030", "𠀀"), "𠀀"},
		{"Q with underscore", "=?utf-8?Q?a_b=E8=B7=AF?=", "a b路"},
		{"language suffix", "=?utf-8*zh?Q?=E8=B7=AF?=", "路"},
		{"words joined", "=?utf-8?Q?a?= =?utf-8?Q?b?=", "ab"},
		{"text kept between", "Re: =?utf-8?Q?=E8=B7=AF?= x", "Re: 路 x"},
		{"malformed word kept", "=?utf-8?Q?=ZZ?=", "=?utf-8?Q?=ZZ?="},
		{"raw UTF-8", "回复: 路灯", "回复: 路灯"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeHeader(tt.raw, "")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("decodeHeader(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// A client may cut a subject into encoded words in the middle of a
// two-byte character; the words are joined before decoding.
func TestDecodeHeaderSplitCharacter(t *testing.T) {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("镕泰路"))
	if err != nil {
		t.Fatal(err)
	}
	raw := "=?gb2312?B?" + base64.StdEncoding.EncodeToString(b[:3]) + "?=\r\n =?gb2312?B?" +
		base64.StdEncoding.EncodeToString(b[3:]) + "?="
	got, err := decodeHeader(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	if got != "镕泰路" {
		t.Errorf("decodeHeader = %q, want 镕泰路", got)
	}
}

func TestDecodeHeaderRawGBK(t *testing.T) {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("噪音扰民"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeHeader(string(b), "gb2312")
	if err != nil || got != "噪音扰民" {
		t.Errorf("decodeHeader(raw GBK) = %q, %v; want 噪音扰民", got, err)
	}
}

func TestDecodeCharsetErrors(t *testing.T) {
	tests := []struct {
		name, label string
		data        []byte
	}{
		{"unknown charset", "koi8-r", []byte("x")},
		{"utf-8 label, GBK bytes", "utf-8", []byte{0xc2, 0xb7, 0xd4}},
		{"invalid GB18030", "gbk", []byte{0x81, 0x20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeCharset(tt.label, tt.data); !errors.Is(err, ErrCharset) {
				t.Errorf("error %v, want ErrCharset", err)
			}
		})
	}
	got, err := decodeCharset("", []byte{0xc2, 0xb7, 0xd4, 0xeb})
	if err != nil || got != "路噪" {
		t.Errorf("unlabelled GBK = %q, %v; want 路噪", got, err)
	}
	got, err = decodeCharset(`"ISO-8859-1"`, []byte{'c', 0xe9})
	if err != nil || got != "cé" {
		t.Errorf("quoted ISO-8859-1 label = %q, %v; want cé", got, err)
	}
}

func TestParseHeaderParams(t *testing.T) {
	tests := []struct {
		name, header, key, want string
	}{
		{"continuations", `attachment; filename*0*=utf-8''%E8%B7%AF; filename*1*=%E7%81%AF.jpg`, "filename", "路灯.jpg"},
		{"continuations out of order", `attachment; filename*1="b.jpg"; filename*0="a"`, "filename", "ab.jpg"},
		{"gb2312 extended value", `attachment; filename*=gb2312''%C2%B7.pdf`, "filename", "路.pdf"},
		{"extended beats plain", `attachment; filename="x.jpg"; filename*=utf-8''%E8%B7%AF.jpg`, "filename", "路.jpg"},
		{"semicolon in quotes", `attachment; filename="a;b.txt"`, "filename", "a;b.txt"},
		{"escaped quote", `attachment; filename="a\"b.txt"`, "filename", `a"b.txt`},
		{"first duplicate wins", `text/plain; charset=utf-8; charset=gbk`, "charset", "utf-8"},
		{"upper-case key", `text/plain; CHARSET=GBK`, "charset", "GBK"},
		{"unknown charset kept readable", `attachment; filename*=x-nope''abc.txt`, "filename", "abc.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, params := parseHeaderParams(tt.header)
			if got := params[tt.key]; got != tt.want {
				t.Errorf("%s = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
	first, _ := parseHeaderParams("Multipart/Report; report-type=delivery-status")
	if first != "multipart/report" {
		t.Errorf("media type %q, want multipart/report", first)
	}
}

func TestMailDate(t *testing.T) {
	tests := []struct {
		name     string
		date     string
		received string
		want     string
	}{
		{"offset", "Mon, 03 Jun 2024 10:00:00 +0800", "", "2024-06-03T10:00:00+08:00"},
		{"comment", "Mon, 3 Jun 2024 10:00:00 +0800 (CST)", "", "2024-06-03T10:00:00+08:00"},
		{"GMT", "Mon, 03 Jun 2024 02:00:00 GMT", "", "2024-06-03T02:00:00Z"},
		{"CST name read in the local zone", "Mon, 03 Jun 2024 10:00:00 CST", "", "2024-06-03 10:00:00"},
		{"no zone", "Mon, 03 Jun 2024 10:00:00", "", "2024-06-03 10:00:00"},
		{"numeric", "2024-06-03 10:00:00", "", "2024-06-03 10:00:00"},
		{"received fallback", "garbled", "from a by b; Mon, 03 Jun 2024 10:01:00 +0800", "2024-06-03T10:01:00+08:00"},
		{"neither", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := textproto.MIMEHeader{}
			if tt.date != "" {
				h.Set("Date", tt.date)
			}
			if tt.received != "" {
				h.Set("Received", tt.received)
			}
			got, err := mailDate(h)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("mailDate = %q, want %q", got, tt.want)
			}
			if got != "" {
				if _, err := ParseTime(got, time.UTC); err != nil {
					t.Errorf("ParseTime cannot read %q: %v", got, err)
				}
			}
		})
	}
	h := textproto.MIMEHeader{"Date": {"45446"}}
	if _, err := mailDate(h); !errors.Is(err, ErrTime) {
		t.Errorf("a bare number as Date: %v, want ErrTime", err)
	}
}

func TestClassifyMail(t *testing.T) {
	tests := []struct {
		name    string
		header  map[string]string
		from    string
		subject string
		want    string
	}{
		{"plain appeal", nil, "a@example.org", "路灯不亮", ""},
		{"Auto-Submitted no", map[string]string{"Auto-Submitted": "no"}, "a@example.org", "x", ""},
		{"auto-replied", map[string]string{"Auto-Submitted": "auto-replied"}, "a@example.org", "x", SkipAutoReply},
		{"auto-generated", map[string]string{"Auto-Submitted": "auto-generated; owner-email=x"}, "a@example.org", "x", SkipAutoReply},
		{"X-Autoreply", map[string]string{"X-Autoreply": "yes"}, "a@example.org", "x", SkipAutoReply},
		{"Precedence auto_reply", map[string]string{"Precedence": "auto_reply"}, "a@example.org", "x", SkipAutoReply},
		{"Precedence bulk", map[string]string{"Precedence": "bulk"}, "a@example.org", "x", ""},
		{"subject only", nil, "a@example.org", "自动回复：我正在休假", SkipAutoReply},
		{"Outlook subject", nil, "a@example.org", "Automatic reply: 路灯", SkipAutoReply},
		{"reply is no auto-reply", nil, "a@example.org", "回复: 自动回复的问题", ""},
		{"mailer-daemon", nil, "MAILER-DAEMON@mx.example.org", "failure", SkipBounce},
		{"X-Failed-Recipients", map[string]string{"X-Failed-Recipients": "b@example.org"}, "a@example.org", "x", SkipBounce},
		{"bounce before auto-reply", map[string]string{"Auto-Submitted": "auto-replied",
			"Content-Type": "multipart/report; report-type=delivery-status; boundary=x"}, "a@example.org", "x", SkipBounce},
		{"read receipt", map[string]string{"Content-Type": "multipart/report; report-type=disposition-notification"},
			"a@example.org", "已读: 路灯", SkipReceipt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := textproto.MIMEHeader{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			mediaType, params := parseHeaderParams(h.Get("Content-Type"))
			got := classifyMail(h, mediaType, params, tt.from, tt.subject)
			switch {
			case tt.want == "" && got != nil:
				t.Errorf("skipped as %s (%s), want an appeal", got.Reason, got.Detail)
			case tt.want != "" && (got == nil || got.Reason != tt.want):
				t.Errorf("got %+v, want skipped as %s", got, tt.want)
			}
		})
	}
}

func TestParseSender(t *testing.T) {
	tests := []struct {
		raw, name, address string
	}{
		{gbWord(t, "gb2312", "赵样例") + " <zhao@example.org>", "赵样例", "zhao@example.org"},
		{`"Qian, Shili" <qian@example.org>`, "Qian, Shili", "qian@example.org"},
		{`"a\"b" <ab@example.org>`, `a"b`, "ab@example.org"},
		{"MAILER-DAEMON@mx.example.org (Mail Delivery System)", "Mail Delivery System", "MAILER-DAEMON@mx.example.org"},
		{"wang@example.org", "", "wang@example.org"},
		{`"wang@example.org" <wang@example.org>`, "", "wang@example.org"},
	}
	for _, tt := range tests {
		name, address, err := parseSender(tt.raw, "")
		if err != nil {
			t.Errorf("parseSender(%q): %v", tt.raw, err)
			continue
		}
		if name != tt.name || address != tt.address {
			t.Errorf("parseSender(%q) = %q, %q; want %q, %q", tt.raw, name, address, tt.name, tt.address)
		}
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		raw    string
		secret string // a part of the id that must not be stored
	}{
		{"<13812345678.1717380000.abc@139.com>", "13812345678"},
		{"<CAJ+qq.user=example.com.abc@mail.example.com>", "user=example.com"},
		{"<abc@mx.example.org>", "abc@mx"},
		{"<" + strings.Repeat("x", MaxIDChars) + "@y>", "xxxx"},
	}
	for _, tt := range tests {
		got := messageID(tt.raw)
		if !strings.HasPrefix(got, "mid:") || len(got) != len("mid:")+32 {
			t.Errorf("messageID(%q) = %q, want mid: and 32 hex digits", tt.raw, got)
		}
		if strings.Contains(got, tt.secret) {
			t.Errorf("messageID(%q) = %q, contains %q", tt.raw, got, tt.secret)
		}
	}
	id := messageID("<13812345678.1717380000.abc@139.com>")
	for _, same := range []string{" <13812345678.1717380000.abc@139.com> ", "13812345678.1717380000.abc@139.com",
		"<13812345678.1717380000.abc@139.COM>", "<13812345678.1717380000.abc@139.com>\r\n"} {
		if got := messageID(same); got != id {
			t.Errorf("messageID(%q) = %q, want %q as for the same id", same, got, id)
		}
	}
	if other := messageID("<13812345678.1717380001.abc@139.com>"); other == id {
		t.Errorf("two ids share the hash %q", id)
	}
	if got := messageID(" <> "); got != "" {
		t.Errorf("empty id = %q, want none", got)
	}
}

func TestParseMailAttachmentPathDigits(t *testing.T) {
	data := "From: a@example.org\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件\r\n" +
		"--b\r\nContent-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename=\"..\\..\\windows\\system32\\13811112222.pdf\"\r\n\r\nx\r\n" +
		"--b\r\nContent-Type: image/png\r\n" +
		"Content-Disposition: attachment; filename*=utf-8''138%0911112222.png\r\n\r\nx\r\n" +
		"--b\r\nContent-Type: image/png\r\n" +
		"Content-Disposition: attachment; filename=\"say \\\"hi\\\".png\"\r\n\r\nx\r\n" +
		"--b--\r\n"
	m, err := parseMail([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"13811112222.pdf", "138 11112222.png", `say "hi".png`}
	if strings.Join(m.attachments, "|") != strings.Join(want, "|") {
		t.Errorf("attachments %q, want %q", m.attachments, want)
	}
}

func TestParseMailErrorsBounded(t *testing.T) {
	const unit = "我的电话13812349999请回电"
	long := strings.Repeat(unit, 10)
	tests := []struct {
		name string
		data string
	}{
		{"header line", long + "\r\nSubject: x\r\n\r\nbody\r\n"},
		{"date", "From: a@example.org\r\nDate: garbage " + long + "\r\n\r\nbody\r\n"},
		{"charset", "From: a@example.org\r\nContent-Type: text/plain; charset=\"" + long + "\"\r\n\r\nbody\r\n"},
		{"transfer encoding", "From: a@example.org\r\nContent-Transfer-Encoding: " + long + "\r\n\r\nbody\r\n"},
	}
	for _, tt := range tests {
		_, err := parseMail([]byte(tt.data))
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		// Three repeats are 54 characters, more than maxQuotedChars.
		if strings.Contains(err.Error(), strings.Repeat(unit, 3)) {
			t.Errorf("%s: error quotes more than %d characters: %v", tt.name, maxQuotedChars, err)
		}
		if !strings.Contains(err.Error(), "我的电话") {
			t.Errorf("%s: error %q does not show the start of the value", tt.name, err)
		}
	}
}

func TestDecodeQuotedPrintable(t *testing.T) {
	in := "=E8=B7=AF=\r\n=E7=81=AF  \r\nbad =ZZ and =4\r\nend"
	want := "路灯\nbad =ZZ and =4\nend"
	if got := string(decodeQuotedPrintable([]byte(in))); got != want {
		t.Errorf("decodeQuotedPrintable = %q, want %q", got, want)
	}
}

func TestDecodeBase64Lenient(t *testing.T) {
	got, err := decodeBase64([]byte("6Lev\r\n54Gv\n"))
	if err != nil || string(got) != "路灯" {
		t.Errorf("decodeBase64 = %q, %v; want 路灯", got, err)
	}
	got, err = decodeBase64([]byte("6Lev54Gv5Y"))
	if err != nil || !strings.HasPrefix(string(got), "路灯") {
		t.Errorf("unpadded base64 = %q, %v", got, err)
	}
}

func TestHTMLToText(t *testing.T) {
	in := `<p>一&amp;二</p><br/><table><tr><td>甲</td><td>乙</td></tr></table><style>x{}</style><img src=x>丙&#20065;`
	want := "一&二\n\n甲 乙\n\n丙乡"
	if got := htmlToText(in); got != want {
		t.Errorf("htmlToText = %q, want %q", got, want)
	}
}
