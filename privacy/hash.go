package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// BlindIndex returns the hex HMAC-SHA256 of the normalised phone number under
// key (Keys.BlindIndex). Every spelling of one number gives the same index, so
// tickets from one caller can be linked without storing the number. A value
// NormalizePhone rejects is hashed in its NFKC form without white space, so
// that identical entries still match.
func BlindIndex(key []byte, phone string) string {
	n, ok := NormalizePhone(phone)
	if !ok {
		n = strings.Join(strings.Fields(norm.NFKC.String(phone)), "")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("minyi/blind-index/phone\x00"))
	mac.Write([]byte(n))
	return hex.EncodeToString(mac.Sum(nil))
}

// ProgressKey returns the hex HMAC-SHA256 under key (Keys.Progress) of a
// tracking code and the last four digits of the citizen's phone. The citizen
// progress page stores this at submission and compares it on lookup, so a
// tracking code alone does not open the page. Case and full-width forms of
// either input do not matter.
func ProgressKey(key []byte, trackingCode, last4 string) string {
	code := strings.ToUpper(strings.TrimSpace(norm.NFKC.String(trackingCode)))
	digits := strings.TrimSpace(norm.NFKC.String(last4))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("minyi/progress\x00"))
	mac.Write([]byte(code))
	mac.Write([]byte{0})
	mac.Write([]byte(digits))
	return hex.EncodeToString(mac.Sum(nil))
}
