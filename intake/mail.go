package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"path"
	"slices"
	"strings"
)

// Limits on the structure of one mail, so that a crafted mail cannot make
// the parser recurse or loop without bound.
const (
	maxMailDepth = 10  // nested multipart levels
	maxMailParts = 500 // MIME parts in one mail
)

// Reasons for a skipped mail, in SkipError.Reason.
const (
	SkipAutoReply = "auto-reply"   // an out-of-office or other automatic reply
	SkipBounce    = "bounce"       // a delivery status notification
	SkipReceipt   = "read-receipt" // a message disposition notification
)

// ErrMail is wrapped by the error for a mail that cannot be parsed.
var ErrMail = errors.New("invalid mail")

// limitError is the error for a mail over maxMailDepth or maxMailParts. It
// wraps ErrMail, and it rejects the whole mail even when it comes from a
// forwarded mail inside it, whose other errors only drop its text.
type limitError struct{ msg string }

func (e *limitError) Error() string { return ErrMail.Error() + ": " + e.msg }
func (e *limitError) Unwrap() error { return ErrMail }

// maxQuotedChars is how much raw mail content an error message quotes, in
// characters. Errors end up in summaries and logs, so they show only the
// start of a value that may hold personal data.
const maxQuotedChars = 40

// shortenQuote returns the first maxQuotedChars characters of s, valid
// UTF-8, with "…" in place of the rest.
func shortenQuote(s string) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	if CharCount(s) <= maxQuotedChars {
		return s
	}
	return Truncate(s, maxQuotedChars) + "…"
}

// SkipError is the error Reader.Next returns for a record that is not an
// item at all, such as an automatic reply. The caller counts it and goes on
// reading.
type SkipError struct {
	Line   int
	Reason string // one of the Skip constants
	Detail string // the header that decided, such as "Auto-Submitted: auto-replied"
}

func (e *SkipError) Error() string {
	return fmt.Sprintf("line %d: skipped as %s (%s)", e.Line, e.Reason, e.Detail)
}

// mailMessage is the content of a parsed mail that goes into a row, and the
// reason to skip the mail when it is not an appeal.
type mailMessage struct {
	messageID   string
	date        string // for Row.Time, in a form ParseTime reads; empty when the mail has no usable date
	name        string // the sender's display name
	address     string // the sender's address, never stored
	subject     string
	body        string
	attachments []string // decoded file names
	charsets    []string // labels of the charsets the text was decoded from
	skip        *SkipError
}

// parseMail parses one RFC 5322 message. It returns a message with skip set
// for an automatic reply, a bounce or a read receipt, and an error for a mail
// it cannot read, such as one in an unsupported charset.
func parseMail(data []byte) (mailMessage, error) {
	var m mailMessage
	// An mbox "From " separator line before the headers is not a header.
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return m, fmt.Errorf("%w: the file is empty", ErrMail)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		// The error quotes the malformed line, which may be the text of
		// the appeal.
		msg := err.Error()
		if head, line, ok := strings.Cut(msg, ": "); ok {
			msg = head + ": " + shortenQuote(line)
		}
		return m, fmt.Errorf("%w: headers: %s", ErrMail, msg)
	}
	h := textproto.MIMEHeader(msg.Header)
	mediaType, params := parseHeaderParams(h.Get("Content-Type"))
	fallback := ""
	if strings.HasPrefix(mediaType, "text/") {
		fallback = params["charset"]
	}

	// A bounce or an auto-reply is skipped even when its Subject or From
	// cannot be decoded, so those errors wait for the classification.
	subject, subjectErr := decodeHeader(h.Get("Subject"), fallback)
	m.subject = strings.TrimSpace(subject)
	var senderErr error
	m.name, m.address, senderErr = parseSender(h.Get("From"), fallback)
	if m.skip = classifyMail(h, mediaType, params, m.address, m.subject); m.skip != nil {
		m.skip.Detail = strings.ToValidUTF8(m.skip.Detail, "\ufffd")
		return m, nil
	}
	if subjectErr != nil {
		return m, fmt.Errorf("subject: %w", subjectErr)
	}
	if senderErr != nil {
		return m, fmt.Errorf("from: %w", senderErr)
	}
	m.messageID = messageID(h.Get("Message-Id"))
	if m.date, err = mailDate(h); err != nil {
		return m, err
	}

	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return m, fmt.Errorf("%w: body: %v", ErrMail, err)
	}
	p := &mailParser{}
	text, err := p.walk(h, body, 0)
	if err != nil {
		return m, err
	}
	m.body = text.join()
	m.attachments = p.attachments
	m.charsets = p.charsets
	return m, nil
}

// row returns the row of an appeal mail. The sender's address is left out:
// a row has no field for it, and staff must not see it in clear.
// NOTE: so replying to the citizen by e-mail is not possible; the body and
// the sealed name are all that reach the ticket.
func (m mailMessage) row(line int) Row {
	body := m.body
	if len(m.attachments) > 0 {
		if body != "" {
			body += "\n\n"
		}
		body += "附件：" + strings.Join(m.attachments, ", ")
	}
	return Row{Line: line, ID: m.messageID, Title: m.subject, Body: body, Time: m.date, Name: m.name}
}

// mailText is the body text found in a MIME tree: plain, HTML and the
// quoted text of forwarded mails apart.
type mailText struct {
	plain     []string
	html      []string
	forwarded []string // each one already formatted by forwardedText
}

// join returns the plain-text parts, or when there are none the text of the
// HTML parts, followed by the forwarded mails.
func (t mailText) join() string {
	out := t.plain
	if len(out) == 0 {
		for _, h := range t.html {
			if s := htmlToText(h); s != "" {
				out = append(out, s)
			}
		}
	}
	return strings.Join(append(out, t.forwarded...), "\n\n")
}

// forwardedHeading starts the quoted text of a forwarded mail in the body.
const forwardedHeading = "---- 转发的邮件 ----"

// forwardedText formats a forwarded mail for the body: the heading, the
// subject, and the text with every line quoted by "> ". It leaves out the
// forwarded mail's sender, date and recipients.
func forwardedText(subject, text string) string {
	var b strings.Builder
	b.WriteString(forwardedHeading)
	if subject != "" {
		b.WriteString("\n主题：" + subject)
	}
	if text != "" {
		for line := range strings.SplitSeq(text, "\n") {
			b.WriteString("\n>")
			if line != "" {
				b.WriteString(" " + line)
			}
		}
	}
	return b.String()
}

// mailParser walks the MIME tree of one mail.
type mailParser struct {
	parts       int
	attachments []string
	charsets    []string
}

// walk collects the body text and the attachment names of the part with
// header h and undecoded content body.
func (p *mailParser) walk(h textproto.MIMEHeader, body []byte, depth int) (mailText, error) {
	p.parts++
	if p.parts > maxMailParts {
		return mailText{}, &limitError{fmt.Sprintf("more than %d MIME parts", maxMailParts)}
	}
	mediaType, params := parseHeaderParams(h.Get("Content-Type"))
	if mediaType == "" {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		return p.walkMultipart(mediaType, params["boundary"], body, depth)
	}

	if mediaType == "message/rfc822" {
		forwarded, ok, err := p.walkForwarded(h, body, depth)
		if err != nil || ok {
			return forwarded, err
		}
	}

	disposition, dispParams := parseHeaderParams(h.Get("Content-Disposition"))
	name := dispParams["filename"]
	if name == "" {
		name = params["name"]
	}
	isBody := (mediaType == "text/plain" || mediaType == "text/html") && disposition != "attachment"
	if !isBody {
		p.addAttachment(name, mediaType, disposition)
		return mailText{}, nil
	}

	raw, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return mailText{}, fmt.Errorf("%w: %s part: %v", ErrMail, mediaType, err)
	}
	charset := params["charset"]
	if charset == "" && mediaType == "text/html" {
		charset = htmlMetaCharset(raw)
	}
	text, err := decodeCharset(charset, raw)
	if err != nil {
		return mailText{}, fmt.Errorf("%s part: %w", mediaType, err)
	}
	p.noteCharset(charset)
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return mailText{}, nil
	}
	if mediaType == "text/html" {
		return mailText{html: []string{text}}, nil
	}
	return mailText{plain: []string{text}}, nil
}

// walkMultipart walks the parts of a multipart entity. Of the parts of
// multipart/alternative it takes the first with plain text, or else the
// first with HTML or a forwarded mail. Of other multipart types it takes
// every part in order.
func (p *mailParser) walkMultipart(mediaType, boundary string, body []byte, depth int) (mailText, error) {
	if depth >= maxMailDepth {
		return mailText{}, &limitError{fmt.Sprintf("multipart nested more than %d levels", maxMailDepth)}
	}
	if boundary == "" {
		return mailText{}, fmt.Errorf("%w: %s without a boundary", ErrMail, mediaType)
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var children []mailText
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A truncated mail keeps the parts read so far, as mail readers
			// show them; a mail with none is rejected.
			if len(children) > 0 {
				break
			}
			return mailText{}, fmt.Errorf("%w: %s: %v", ErrMail, mediaType, err)
		}
		content, readErr := io.ReadAll(part)
		if readErr != nil && len(content) == 0 {
			return mailText{}, fmt.Errorf("%w: %s part: %v", ErrMail, mediaType, readErr)
		}
		child, err := p.walk(part.Header, content, depth+1)
		if err != nil {
			return mailText{}, err
		}
		children = append(children, child)
		if readErr != nil {
			break // the mail ends inside this part
		}
	}
	var out mailText
	if mediaType == "multipart/alternative" {
		for _, c := range children {
			if len(c.plain) > 0 {
				return c, nil
			}
		}
		for _, c := range children {
			if len(c.html) > 0 || len(c.forwarded) > 0 {
				return c, nil
			}
		}
		return out, nil
	}
	for _, c := range children {
		out.plain = append(out.plain, c.plain...)
		out.html = append(out.html, c.html...)
		out.forwarded = append(out.forwarded, c.forwarded...)
	}
	return out, nil
}

// walkForwarded reads a message/rfc822 part, a forwarded mail, and returns
// its subject and text as one forwarded entry, walking its MIME tree one
// level deeper. It returns ok false when the forwarded mail cannot be read
// or has no text, so the caller lists it as an attachment, and an error only
// for a mail over the nesting or part limits.
func (p *mailParser) walkForwarded(h textproto.MIMEHeader, body []byte, depth int) (text mailText, ok bool, err error) {
	if depth >= maxMailDepth {
		return mailText{}, false, &limitError{fmt.Sprintf("forwarded mails nested more than %d levels", maxMailDepth)}
	}
	raw, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return mailText{}, false, nil
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return mailText{}, false, nil
	}
	inner := textproto.MIMEHeader(msg.Header)
	innerBody, err := io.ReadAll(msg.Body)
	if err != nil {
		return mailText{}, false, nil
	}
	mediaType, params := parseHeaderParams(inner.Get("Content-Type"))
	fallback := ""
	if strings.HasPrefix(mediaType, "text/") {
		fallback = params["charset"]
	}
	subject, err := decodeHeader(inner.Get("Subject"), fallback)
	if err != nil {
		return mailText{}, false, nil
	}

	// An unreadable forwarded mail leaves no trace but its attachment name.
	attachments, charsets := len(p.attachments), len(p.charsets)
	innerText, err := p.walk(inner, innerBody, depth+1)
	var limit *limitError
	if errors.As(err, &limit) {
		return mailText{}, false, err
	}
	subject = strings.TrimSpace(subject)
	joined := innerText.join()
	if err != nil || (subject == "" && joined == "") {
		p.attachments, p.charsets = p.attachments[:attachments], p.charsets[:charsets]
		return mailText{}, false, nil
	}
	return mailText{forwarded: []string{forwardedText(subject, joined)}}, true, nil
}

// addAttachment records the name of a part that is not body text. An
// unnamed part is recorded only when it is marked as an attachment or is a
// forwarded mail, because unnamed inline parts are mostly signature images.
// NOTE: the content of attachments is not kept. Photos reach a ticket only
// through the citizen form, which re-encodes them without EXIF metadata, and
// the workflow has no way to attach files to an imported item.
func (p *mailParser) addAttachment(name, mediaType, disposition string) {
	decoded, err := decodeHeader(name, "")
	if err != nil {
		// A file name alone does not justify rejecting the mail: keep what
		// can be read of it.
		decoded = strings.ToValidUTF8(name, "\ufffd")
	}
	name = decoded
	// Some clients send the sender's whole path; only the base name is news.
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	// A control character becomes a space rather than being removed, so the
	// digits on either side stay apart: a run of digits glued longer than a
	// phone number is not masked.
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" {
		name = ""
	}
	if name == "" {
		if disposition != "attachment" && mediaType != "message/rfc822" {
			return
		}
		name = "未命名附件（" + mediaType + "）"
	}
	p.attachments = append(p.attachments, name)
}

func (p *mailParser) noteCharset(label string) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		label = "us-ascii"
	}
	if !slices.Contains(p.charsets, label) {
		p.charsets = append(p.charsets, label)
	}
}

// htmlMetaCharset returns the charset an HTML document declares in its
// first 1024 bytes, or "".
func htmlMetaCharset(b []byte) string {
	head := strings.ToLower(string(b[:min(len(b), 1024)]))
	i := strings.Index(head, "charset=")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(head[i+len("charset="):], `"' `)
	end := strings.IndexFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	})
	if end < 0 {
		end = len(rest)
	}
	return rest[:end]
}

// classifyMail returns why a mail is not an appeal, or nil. Bounces are
// checked first because they often also carry Auto-Submitted.
func classifyMail(h textproto.MIMEHeader, mediaType string, params map[string]string, from, subject string) *SkipError {
	reportType := strings.ToLower(params["report-type"])
	local, _, _ := strings.Cut(strings.ToLower(from), "@")
	switch {
	case mediaType == "multipart/report" && reportType == "delivery-status":
		return &SkipError{Reason: SkipBounce, Detail: "Content-Type: multipart/report; report-type=delivery-status"}
	case mediaType == "message/delivery-status":
		return &SkipError{Reason: SkipBounce, Detail: "Content-Type: message/delivery-status"}
	case h.Get("X-Failed-Recipients") != "":
		return &SkipError{Reason: SkipBounce, Detail: "X-Failed-Recipients"}
	case local == "mailer-daemon":
		return &SkipError{Reason: SkipBounce, Detail: "From: MAILER-DAEMON"}
	case mediaType == "multipart/report" && reportType == "disposition-notification":
		return &SkipError{Reason: SkipReceipt, Detail: "Content-Type: multipart/report; report-type=disposition-notification"}
	}
	// RFC 3834: any Auto-Submitted value but "no" marks an automatic mail.
	if v := strings.TrimSpace(h.Get("Auto-Submitted")); v != "" {
		if kw, _, _ := strings.Cut(strings.ToLower(v), ";"); strings.TrimSpace(kw) != "no" {
			return &SkipError{Reason: SkipAutoReply, Detail: "Auto-Submitted: " + v}
		}
	}
	for _, key := range []string{"X-Autoreply", "X-Autorespond"} {
		if v := strings.ToLower(strings.TrimSpace(h.Get(key))); v != "" && v != "no" {
			return &SkipError{Reason: SkipAutoReply, Detail: key + ": " + v}
		}
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); v == "auto_reply" {
		return &SkipError{Reason: SkipAutoReply, Detail: "Precedence: " + v}
	}
	lower := strings.ToLower(subject)
	for _, prefix := range autoReplySubjects {
		if strings.HasPrefix(lower, prefix) {
			return &SkipError{Reason: SkipAutoReply, Detail: "Subject: " + subject}
		}
	}
	return nil
}

// autoReplySubjects start the subjects of automatic replies from clients
// that set no header for them, in lower case.
var autoReplySubjects = []string{"自动回复", "自动答复", "automatic reply", "auto-reply", "autoreply", "out of office"}

// parseSender splits a From header into the display name and the address.
// A display name that is itself an address is dropped: it is not a name.
func parseSender(raw, fallback string) (name, address string, err error) {
	raw = strings.TrimSpace(raw)
	switch {
	case strings.LastIndexByte(raw, '<') >= 0 && strings.HasSuffix(raw, ">"):
		i := strings.LastIndexByte(raw, '<')
		name, address = raw[:i], raw[i+1:len(raw)-1]
	case strings.HasSuffix(raw, ")") && strings.IndexByte(raw, '(') > 0:
		i := strings.IndexByte(raw, '(')
		address, name = raw[:i], raw[i+1:len(raw)-1]
	default:
		address = raw
	}
	address = strings.TrimSpace(address)
	name = strings.TrimSpace(name)
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(name[1 : len(name)-1])
	}
	if name, err = decodeHeader(name, fallback); err != nil {
		return "", address, err
	}
	name = strings.TrimSpace(name)
	if strings.Contains(name, "@") {
		name = ""
	}
	return name, address, nil
}

// messageIDPrefix starts every external id made from a Message-ID.
const messageIDPrefix = "mid:"

// messageID returns the external id of a mail: "mid:" and the first 16
// bytes of the SHA-256 of its normalised Message-ID, in hex. A Message-ID
// often encodes the sender, such as <13812345678.1717380000.abc@139.com>,
// and external ids are shown to staff, so it is never stored in clear. The
// hash still recognises the same mail when it is imported again. It returns
// "" for a mail without a Message-ID.
func messageID(raw string) string {
	id := normalizeMessageID(raw)
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return messageIDPrefix + hex.EncodeToString(sum[:16])
}

// normalizeMessageID removes the angle brackets and all white space, such
// as that of a folded header, and lowers the case of the part after the
// last "@". That part is a domain name, and DNS ignores its case.
func normalizeMessageID(raw string) string {
	id := strings.Join(strings.Fields(raw), "")
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if i := strings.LastIndexByte(id, '@'); i >= 0 {
		id = id[:i] + strings.ToLower(id[i:])
	}
	return id
}
