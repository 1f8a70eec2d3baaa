package intake

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Encodings that Reader.Encoding reports.
const (
	EncodingUTF8    = "UTF-8"
	EncodingUTF8BOM = "UTF-8 (BOM)"
	EncodingUTF16LE = "UTF-16LE (BOM)"
	EncodingUTF16BE = "UTF-16BE (BOM)"
	EncodingGB18030 = "GB18030"
	EncodingXLSX    = "xlsx (Unicode)"
	// EncodingMIME is reported for mails, each of which names its charsets;
	// Reader.Encoding adds the ones it found, such as "MIME (gb2312, utf-8)".
	EncodingMIME = "MIME"
)

// ErrEncoding is wrapped by every *EncodingError.
var ErrEncoding = errors.New("invalid or mixed text encoding")

// EncodingError rejects a whole text file: Line is the first line (counting
// from 1) that is not valid in the encoding of the lines before it.
type EncodingError struct {
	Line     int
	Encoding string // the encoding the file was read in, if one was found
	Reason   string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("intake: line %d: %s; save the whole file in one encoding (UTF-8 is best) and import it again",
		e.Line, e.Reason)
}

// Unwrap returns ErrEncoding.
func (e *EncodingError) Unwrap() error { return ErrEncoding }

// gb18030Replacement is U+FFFD encoded in GB18030. The x/text decoder writes
// U+FFFD for invalid input instead of failing, so an output U+FFFD that does
// not come from these bytes marks invalid input.
var gb18030Replacement = []byte{0x84, 0x31, 0xa4, 0x37}

// decodeText decodes a whole text file to UTF-8 and names the encoding it
// found. It follows a byte order mark (UTF-8, UTF-16LE, UTF-16BE). Without
// one, the file is UTF-8 if it is valid UTF-8 throughout, and otherwise
// GB18030, the superset of GBK and GB2312 that Chinese Excel writes. Each line
// must be valid in the file's encoding: the first line that is not rejects the
// file, so that a file mixing UTF-8 and GB18030 lines is never half read.
func decodeText(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		rest := data[3:]
		if line := firstInvalidUTF8Line(rest); line > 0 {
			return "", "", &EncodingError{Line: line, Encoding: EncodingUTF8BOM,
				Reason: "not valid UTF-8, although the file starts with a UTF-8 byte order mark"}
		}
		return string(rest), EncodingUTF8BOM, nil
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		s, err := decodeUTF16(data[2:], false)
		return s, EncodingUTF16LE, err
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		s, err := decodeUTF16(data[2:], true)
		return s, EncodingUTF16BE, err
	}
	if i := bytes.IndexByte(data[:min(len(data), 1024)], 0); i >= 0 {
		return "", "", &EncodingError{Line: 1 + bytes.Count(data[:i], []byte{'\n'}),
			Reason: "contains NUL bytes: UTF-16 without a byte order mark, or not a text file"}
	}
	if utf8.Valid(data) {
		return string(data), EncodingUTF8, nil
	}
	return decodeGB18030(data)
}

// decodeGB18030 decodes a file that is not valid UTF-8. The first line with
// non-ASCII bytes sets the encoding: GB18030 if it is not valid UTF-8. A line
// that is valid UTF-8 with non-ASCII text, in a file that is not, is taken as
// UTF-8 and rejects the file.
// NOTE: a short GB18030 line whose bytes happen to form valid UTF-8 (possible
// for a line with one or two Chinese characters) also rejects the file. That
// errs on the side of rejecting rather than importing garbled text.
func decodeGB18030(data []byte) (string, string, error) {
	var out strings.Builder
	out.Grow(len(data) + len(data)/2)
	fileEnc := ""
	dec := simplifiedchinese.GB18030.NewDecoder()
	for n, line := range bytes.SplitAfter(data, []byte{'\n'}) {
		lineNo := n + 1
		if isASCII(line) {
			out.Write(line)
			continue
		}
		enc := EncodingGB18030
		if utf8.Valid(line) {
			enc = EncodingUTF8
		}
		if fileEnc == "" {
			fileEnc = enc
		}
		if enc != fileEnc {
			return "", "", &EncodingError{Line: lineNo, Encoding: fileEnc,
				Reason: fmt.Sprintf("this line is %s but earlier lines are %s: the file mixes encodings", enc, fileEnc)}
		}
		if enc == EncodingUTF8 {
			// The whole file is not valid UTF-8, so a later line is not, and
			// it will reject the file.
			out.Write(line)
			continue
		}
		decoded, err := dec.Bytes(line)
		if err != nil || bytes.Count(decoded, []byte("\ufffd")) > bytes.Count(line, gb18030Replacement) {
			return "", "", &EncodingError{Line: lineNo, Encoding: EncodingGB18030,
				Reason: "neither valid UTF-8 nor valid GB18030"}
		}
		out.Write(decoded)
	}
	return out.String(), EncodingGB18030, nil
}

// decodeUTF16 decodes UTF-16 strictly: an unpaired surrogate or an odd
// number of bytes rejects the file with the line where it occurs.
func decodeUTF16(b []byte, bigEndian bool) (string, error) {
	enc := EncodingUTF16LE
	if bigEndian {
		enc = EncodingUTF16BE
	}
	unit := func(i int) uint16 {
		if bigEndian {
			return uint16(b[i])<<8 | uint16(b[i+1])
		}
		return uint16(b[i+1])<<8 | uint16(b[i])
	}
	var out strings.Builder
	out.Grow(len(b) * 3 / 2)
	line := 1
	for i := 0; i < len(b); i += 2 {
		if i+1 >= len(b) {
			return "", &EncodingError{Line: line, Encoding: enc, Reason: "the file ends in the middle of a UTF-16 character"}
		}
		u := unit(i)
		switch {
		case !utf16.IsSurrogate(rune(u)):
			if u == '\n' {
				line++
			}
			out.WriteRune(rune(u))
		case u < 0xdc00 && i+3 < len(b) && unit(i+2) >= 0xdc00 && unit(i+2) <= 0xdfff:
			out.WriteRune(utf16.DecodeRune(rune(u), rune(unit(i+2))))
			i += 2
		default:
			return "", &EncodingError{Line: line, Encoding: enc, Reason: "an unpaired UTF-16 surrogate: not valid " + enc}
		}
	}
	return out.String(), nil
}

// firstInvalidUTF8Line returns the number of the first line of data that is
// not valid UTF-8, or 0 when all of data is valid.
func firstInvalidUTF8Line(data []byte) int {
	if utf8.Valid(data) {
		return 0
	}
	for n, line := range bytes.SplitAfter(data, []byte{'\n'}) {
		if !utf8.Valid(line) {
			return n + 1
		}
	}
	return 0
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
