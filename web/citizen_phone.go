package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"minyi/privacy"
)

// phoneSealer keeps a phone number across a form that comes back with an
// error without showing the number in the page: the page carries it
// encrypted under a key that lives only in this process. After a restart
// the citizen types the number again.
type phoneSealer struct{ aead cipher.AEAD }

func newPhoneSealer() *phoneSealer {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &phoneSealer{aead: aead}
}

// seal encrypts phone bound to the form key.
func (s *phoneSealer) seal(phone, formKey string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(phone), []byte(formKey)))
}

// open returns the phone sealed for the form key, or false.
func (s *phoneSealer) open(sealed, formKey string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", false
	}
	p, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(formKey))
	if err != nil {
		return "", false
	}
	return string(p), true
}

// phoneProblem is the form's error for a number privacy.ParsePhone rejects,
// which workflow.ValidatePhone rejects too. A 7- or 8-digit local fixed-line
// number without area code is accepted, because citizens often give their
// home number that way, and staff can still call it back from a line in the
// same area.
//
// NOTE: the profile has no area code, so none is added: the relay passes the
// local number to the telephony provider as it is, and whether the provider
// dials it as a local call depends on its trunk.
const phoneProblem = "电话号码格式不对，请填写 11 位手机号或固定电话（本地固定电话可不加区号）"

// formPhone reads the phone of a form: a newly typed number wins over one
// kept from an earlier round. It returns the number in canonical form, the
// masked hint and sealed value to put back in the page, and an error for the
// citizen when the typed number is not a phone number.
func (c *citizen) formPhone(r *http.Request, formKey string) (phone, hint, sealed, problem string) {
	typed := r.PostFormValue("phone")
	if typed == "" {
		if p, ok := c.sealer.open(r.PostFormValue("phone_sealed"), formKey); ok {
			return p, privacy.PhoneHint(p), r.PostFormValue("phone_sealed"), ""
		}
		return "", "", "", ""
	}
	p, ok := privacy.ParsePhone(typed)
	if !ok {
		return "", "", "", phoneProblem
	}
	phone = p.String()
	return phone, privacy.PhoneHint(phone), c.sealer.seal(phone, formKey), ""
}
