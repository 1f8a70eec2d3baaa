package intake

import (
	"fmt"
	"net/mail"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"
)

// parseHeaderParams splits a Content-Type or Content-Disposition value into
// its lower-case first token and its parameters, keyed in lower case. It
// reads RFC 2231 extended values and continuations (filename*0*=utf-8”…;
// filename*1*=…) in any charset the body may use, and takes the extended
// value over a plain one of the same name. Unlike mime.ParseMediaType it
// accepts what mail clients send: duplicate or malformed parameters are
// ignored rather than failing the whole header, and charsets other than
// UTF-8 decode.
func parseHeaderParams(v string) (string, map[string]string) {
	segments := splitParams(v)
	params := make(map[string]string)
	if len(segments) == 0 {
		return "", params
	}
	first := strings.ToLower(strings.TrimSpace(segments[0]))
	type piece struct {
		value   string
		encoded bool
	}
	extended := make(map[string]map[int]piece)
	for _, seg := range segments[1:] {
		key, value, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = unquoteParam(strings.TrimSpace(value))
		base, section, isExtended := strings.Cut(key, "*")
		if !isExtended {
			if _, dup := params[key]; !dup {
				params[key] = value
			}
			continue
		}
		// key is base*, base*N or base*N*.
		encoded := strings.HasSuffix(section, "*") || section == ""
		n := 0
		if num := strings.TrimSuffix(section, "*"); num != "" {
			var err error
			if n, err = strconv.Atoi(num); err != nil || n < 0 || n > 999 {
				continue
			}
		}
		if extended[base] == nil {
			extended[base] = make(map[int]piece)
		}
		if _, dup := extended[base][n]; !dup {
			extended[base][n] = piece{value: value, encoded: encoded}
		}
	}
	for base, pieces := range extended {
		numbers := make([]int, 0, len(pieces))
		for n := range pieces {
			numbers = append(numbers, n)
		}
		sort.Ints(numbers)
		var raw []byte
		charset := ""
		for i, n := range numbers {
			if n != i {
				break // a gap: the pieces after it cannot be placed
			}
			p := pieces[n]
			value := p.value
			if p.encoded && n == 0 {
				// charset'language'value
				if parts := strings.SplitN(value, "'", 3); len(parts) == 3 {
					charset, value = parts[0], parts[2]
				}
			}
			if p.encoded {
				raw = append(raw, percentDecode(value)...)
			} else {
				raw = append(raw, value...)
			}
		}
		text, err := decodeCharset(charset, raw)
		if err != nil {
			// A parameter is only a file name: keep what can be read of it.
			text = strings.ToValidUTF8(string(raw), "\ufffd")
		}
		params[base] = text
	}
	return first, params
}

// splitParams splits a header value at the semicolons outside quoted strings.
func splitParams(v string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// unquoteParam removes the quotes of a quoted-string and its backslash
// escapes; an unquoted value is returned as it is. Only \" and \\ are read
// as escapes, and any other backslash stays, because some clients send a
// Windows path such as "..\dir\13811112222.pdf" without escaping it, as
// mime.ParseMediaType also assumes. Removing those backslashes would glue
// the path into one name.
func unquoteParam(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\') {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// percentDecode decodes %XX escapes; a "%" without two hex digits stays.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// naiveLayout is the layout of the times without a zone that mailDate
// returns, which ParseTime reads in the deployment's zone.
const naiveLayout = "2006-01-02 15:04:05"

// mailDate returns the time a mail was sent, for Row.Time: from the Date
// header, or when that is missing or unreadable from the newest Received
// header, which the receiving server wrote. It returns "" for a mail with
// neither, and an error for a Date it cannot read without a Received
// header to fall back on.
func mailDate(h textproto.MIMEHeader) (string, error) {
	date := strings.TrimSpace(h.Get("Date"))
	if date != "" {
		if s, ok := parseMailDate(date); ok {
			return s, nil
		}
	}
	if received := h.Values("Received"); len(received) > 0 {
		if i := strings.LastIndexByte(received[0], ';'); i >= 0 {
			if s, ok := parseMailDate(received[0][i+1:]); ok {
				return s, nil
			}
		}
	}
	if date != "" {
		return "", fmt.Errorf("intake: %w: Date header %q", ErrTime, shortenQuote(date))
	}
	return "", nil
}

// parseMailDate reads an RFC 5322 date and returns it in RFC 3339. A date
// without a zone is returned in naiveLayout. So is a date whose zone is a name
// other than UT, GMT or Z, because such names are ambiguous. RFC 5322 reads
// CST as US Central time, but Chinese servers mean China Standard Time.
func parseMailDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i]) // a trailing comment such as "(CST)"
	}

	fields := strings.Fields(s)
	if len(fields) == 0 {
		return "", false
	}
	zone := fields[len(fields)-1]
	switch {
	case zone[0] == '+' || zone[0] == '-':
		if t, err := mail.ParseDate(s); err == nil {
			return t.Format(time.RFC3339), true
		}
		return "", false
	case strings.EqualFold(zone, "UT") || strings.EqualFold(zone, "GMT") ||
		strings.EqualFold(zone, "UTC") || zone == "Z":
		fields[len(fields)-1] = "+0000"
		if t, err := mail.ParseDate(strings.Join(fields, " ")); err == nil {
			return t.Format(time.RFC3339), true
		}
		return "", false
	case isLetters(zone):
		fields = fields[:len(fields)-1]
	}

	naive := strings.Join(fields, " ")
	if i := strings.IndexByte(naive, ','); i >= 0 && i <= 4 {
		naive = strings.TrimSpace(naive[i+1:]) // the day of the week
	}
	for _, layout := range []string{"2 Jan 2006 15:04:05", "2 Jan 2006 15:04", "2 Jan 06 15:04:05", "2 Jan 06 15:04"} {
		if t, err := time.Parse(layout, naive); err == nil {
			return t.Format(naiveLayout), true
		}
	}

	// A numeric date such as 2024-06-03 10:00:00, but not a bare number,
	// which ParseTime would read as an Excel serial date.
	if !strings.ContainsAny(naive, "-/年") {
		return "", false
	}
	if _, err := ParseTime(naive, time.UTC); err == nil {
		return naive, true
	}
	return "", false
}

func isLetters(s string) bool {
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return s != ""
}
