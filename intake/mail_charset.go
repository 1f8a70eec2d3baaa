package intake

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// ErrCharset is wrapped by the error for a mail whose text is in a charset
// the reader does not support or is not valid in the charset it names.
var ErrCharset = errors.New("unsupported or invalid charset")

// mailCharsets maps the charset labels a mail may carry, in lower case, to
// the decoder used. Every GB2312, GBK and CP936 label is decoded as GB18030:
// it is a superset of both, and mail clients often label GBK text (such as 镕
// or an en dash) as gb2312. A nil decoder means UTF-8.
var mailCharsets = map[string]encoding.Encoding{
	"utf-8":        nil,
	"utf8":         nil,
	"us-ascii":     nil,
	"ascii":        nil,
	"gb2312":       simplifiedchinese.GB18030,
	"gbk":          simplifiedchinese.GB18030,
	"x-gbk":        simplifiedchinese.GB18030,
	"cp936":        simplifiedchinese.GB18030,
	"ms936":        simplifiedchinese.GB18030,
	"windows-936":  simplifiedchinese.GB18030,
	"euc-cn":       simplifiedchinese.GB18030,
	"x-euc-cn":     simplifiedchinese.GB18030,
	"gb18030":      simplifiedchinese.GB18030,
	"big5":         traditionalchinese.Big5,
	"x-big5":       traditionalchinese.Big5,
	"big5-hkscs":   traditionalchinese.Big5,
	"cp950":        traditionalchinese.Big5,
	"iso-8859-1":   charmap.ISO8859_1,
	"iso8859-1":    charmap.ISO8859_1,
	"latin1":       charmap.ISO8859_1,
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
}

// decodeCharset decodes b from the charset named by label. An empty label,
// us-ascii and utf-8 take b as UTF-8; for the first two, 8-bit bytes that
// are not UTF-8 are read as GB18030, which is what Chinese clients send
// without a label. Text that is not valid in its charset is rejected rather
// than imported with replacement characters.
func decodeCharset(label string, b []byte) (string, error) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	dec, ok := mailCharsets[label]
	if !ok && label != "" {
		return "", fmt.Errorf("%w: charset %q; supported are UTF-8, GB2312/GBK/GB18030, Big5 and ISO-8859-1",
			ErrCharset, shortenQuote(label))
	}
	if dec == nil {
		if utf8.Valid(b) {
			return string(b), nil
		}
		if label == "utf-8" || label == "utf8" {
			return "", fmt.Errorf("%w: the text is labelled utf-8 but is not valid UTF-8", ErrCharset)
		}
		dec = simplifiedchinese.GB18030
		label = "gb18030 (unlabelled)"
	}
	out, err := dec.NewDecoder().Bytes(b)
	// The x/text decoders write U+FFFD for invalid input instead of failing,
	// so a U+FFFD that the input did not encode marks invalid input.
	if err != nil || bytes.Count(out, []byte("\ufffd")) > countEncodedReplacement(dec, b) {
		return "", fmt.Errorf("%w: the text is not valid %s", ErrCharset, label)
	}
	return string(out), nil
}

// countEncodedReplacement returns how often b, in encoding dec, encodes U+FFFD
// itself. Only GB18030 can.
func countEncodedReplacement(dec encoding.Encoding, b []byte) int {
	if dec == simplifiedchinese.GB18030 {
		return bytes.Count(b, gb18030Replacement)
	}
	return 0
}

// decodeTransfer undoes a Content-Transfer-Encoding. 7bit, 8bit, binary and
// no encoding leave b as it is.
func decodeTransfer(cte string, b []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
		return b, nil
	case "base64":
		return decodeBase64(b)
	case "quoted-printable":
		return decodeQuotedPrintable(b), nil
	}
	return nil, fmt.Errorf("unsupported Content-Transfer-Encoding %q", shortenQuote(cte))
}

// decodeBase64 decodes base64 leniently, as mail readers do: it ignores
// line breaks, white space, other bytes outside the alphabet and missing
// padding.
func decodeBase64(b []byte) ([]byte, error) {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		// One lone character carries fewer than 8 bits: drop it.
		clean = clean[:len(clean)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %w", err)
	}
	return out, nil
}

// decodeQuotedPrintable decodes quoted-printable text leniently, as mail
// readers do: an "=" not followed by two hex digits or a line break stays as
// it is, where mime/quotedprintable would fail on the whole part.
func decodeQuotedPrintable(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line, rest, hasBreak := bytes.Cut(b, []byte{'\n'})
		// Trailing white space was added in transport and is not text.
		line = bytes.TrimRight(line, " \t\r")
		soft := bytes.HasSuffix(line, []byte("="))
		if soft {
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			if line[i] == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, line[i])
		}
		if hasBreak && !soft {
			out = append(out, '\n')
		}
		b = rest
	}
	return out
}

// encodedWord matches one RFC 2047 encoded word. The charset may carry an
// RFC 2231 language suffix ("utf-8*zh"), which is dropped.
var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=`)

// decodeHeader decodes a header value: raw 8-bit bytes in the charset
// fallback (UTF-8 or GB18030 when it is empty), then RFC 2047 encoded words.
// White space between two encoded words is dropped, and adjacent words in
// one charset are decoded together, so a Chinese character whose bytes a
// client split across two words comes out whole.
func decodeHeader(raw, fallback string) (string, error) {
	if !isASCII([]byte(raw)) && !utf8.ValidString(raw) {
		s, err := decodeCharset(fallback, []byte(raw))
		if err != nil {
			return "", err
		}
		raw = s
	}

	matches := encodedWord.FindAllStringSubmatchIndex(raw, -1)
	if matches == nil {
		return raw, nil
	}

	var out strings.Builder
	var pending []byte // decoded bytes of adjacent words in pendingCharset
	pendingCharset := ""
	hasPending := false
	flush := func() error {
		if !hasPending {
			return nil
		}
		s, err := decodeCharset(pendingCharset, pending)
		if err != nil {
			return err
		}
		out.WriteString(s)
		pending, pendingCharset, hasPending = pending[:0], "", false
		return nil
	}

	last := 0
	for _, m := range matches {
		between := raw[last:m[0]]
		if !hasPending || strings.TrimSpace(between) != "" {
			if err := flush(); err != nil {
				return "", err
			}
			out.WriteString(between)
		}
		charset, _, _ := strings.Cut(strings.ToLower(raw[m[2]:m[3]]), "*")
		data, err := decodeWord(raw[m[4]:m[5]], raw[m[6]:m[7]])
		if err != nil {
			// A malformed word stays as it was, as mail readers show it.
			if err := flush(); err != nil {
				return "", err
			}
			out.WriteString(raw[m[0]:m[1]])
			last = m[1]
			continue
		}
		if hasPending && charset != pendingCharset {
			if err := flush(); err != nil {
				return "", err
			}
		}
		pendingCharset, hasPending = charset, true
		pending = append(pending, data...)
		last = m[1]
	}
	if err := flush(); err != nil {
		return "", err
	}
	out.WriteString(raw[last:])
	return out.String(), nil
}

// decodeWord decodes the text of an encoded word in the B or Q encoding.
func decodeWord(enc, text string) ([]byte, error) {
	if enc == "b" || enc == "B" {
		return decodeBase64([]byte(text))
	}
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		case c == '=':
			return nil, errors.New("invalid Q encoding")
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
