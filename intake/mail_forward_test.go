package intake

import (
	"errors"
	"strings"
	"testing"
)

// forwardedMail returns a mail whose text is intro and which forwards inner
// as a message/rfc822 part.
func forwardedMail(intro, inner string) string {
	return "From: a@example.org\r\nSubject: 转发: 路灯\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
		"--outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + intro + "\r\n" +
		"--outer\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=original.eml\r\n\r\n" +
		inner + "\r\n--outer--\r\n"
}

func TestParseMailForwardedText(t *testing.T) {
	inner := "From: 钱样例 <qian@example.org>\r\nSubject: =?utf-8?B?5Y6f5aeL5oqV6K+J?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n和平里的路灯坏了。\r\n已经一周。\r\n"
	m, err := parseMail([]byte(forwardedMail("见下方转发的邮件。", inner)))
	if err != nil {
		t.Fatal(err)
	}
	want := "见下方转发的邮件。\n\n---- 转发的邮件 ----\n主题：原始投诉\n> 和平里的路灯坏了。\n> 已经一周。"
	if m.body != want {
		t.Errorf("body %q, want %q", m.body, want)
	}
	if len(m.attachments) != 0 {
		t.Errorf("attachments %q, want none: the forwarded mail is in the body", m.attachments)
	}
	if strings.Contains(m.body, "qian@example.org") {
		t.Errorf("body %q holds the forwarded sender's address", m.body)
	}
}

func TestParseMailForwardedHTMLBody(t *testing.T) {
	// The outer mail has only HTML, which must not give way to the
	// forwarded plain text.
	data := "From: a@example.org\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
		"--outer\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>请看转发</p>\r\n" +
		"--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: 原件\r\n\r\n井盖缺失\r\n--outer--\r\n"
	m, err := parseMail([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if want := "请看转发\n\n---- 转发的邮件 ----\n主题：原件\n> 井盖缺失"; m.body != want {
		t.Errorf("body %q, want %q", m.body, want)
	}
}

func TestParseMailForwardedUnreadable(t *testing.T) {
	inner := "Subject: x\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\r\n"
	m, err := parseMail([]byte(forwardedMail("请查收。", inner)))
	if err != nil {
		t.Fatalf("error %v, want the outer mail kept", err)
	}
	if m.body != "请查收。" {
		t.Errorf("body %q, want only the outer text", m.body)
	}
	if len(m.attachments) != 1 || m.attachments[0] != "original.eml" {
		t.Errorf("attachments %q, want original.eml listed", m.attachments)
	}
}

func TestParseMailForwardedNesting(t *testing.T) {
	inner := "Subject: 最里层\r\n\r\n内容\r\n"
	for i := 0; i <= maxMailDepth; i++ {
		inner = "Subject: 第" + string(rune('a'+i)) + "层\r\nContent-Type: message/rfc822\r\n\r\n" + inner
	}
	if _, err := parseMail([]byte("From: a@example.org\r\n" + inner)); !errors.Is(err, ErrMail) {
		t.Errorf("error %v, want ErrMail for forwarding nested past %d levels", err, maxMailDepth)
	}
}
