package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"time"

	"minyi/privacy"
)

// deviceCookie holds a device id the server issued and its signature:
// "<32 hex digits>.<base64url HMAC-SHA256>".
const deviceCookie = "minyi_device"

// citizenKeys returns the key that signs device cookies and the key that
// hashes client addresses, derived from the personal-data keys so that every
// process of one deployment accepts the same cookies. Without keys both are
// random for the life of the process.
func citizenKeys(p *privacy.Protector) (deviceKey, addressKey []byte) {
	if p == nil {
		deviceKey, addressKey = make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(deviceKey)
		_, _ = rand.Read(addressKey)
		return deviceKey, addressKey
	}
	return p.DeriveKey("citizen/device-cookie"), p.DeriveKey("citizen/address")
}

// signDevice returns the cookie value of device id.
func (c *citizen) signDevice(id string) string {
	m := hmac.New(sha256.New, c.deviceKey)
	m.Write([]byte("minyi/device/v1\x00" + id))
	return id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verifiedDevice returns the device id of the request's cookie when the
// server issued it: a value whose signature fails, or an unsigned id from
// before signing, returns false.
func (c *citizen) verifiedDevice(r *http.Request) (string, bool) {
	ck, err := r.Cookie(deviceCookie)
	if err != nil {
		return "", false
	}
	id, _, ok := strings.Cut(ck.Value, ".")
	if !ok || !validFormKey(id) {
		return "", false
	}
	if !hmac.Equal([]byte(ck.Value), []byte(c.signDevice(id))) {
		return "", false
	}
	return id, true
}

// ensureDevice gives a browser without a valid device cookie a new signed
// one. It identifies a device for rate limits and the one-rating rule,
// nothing more. Each new cookie takes a token of NewDevicePerAddress. When
// none is left, a forged or stale cookie is removed, and the browser counts
// as the device of its address.
func (c *citizen) ensureDevice(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.verifiedDevice(r); ok {
		return
	}
	secure := r.TLS != nil
	if !c.limit.allow([]string{"nd:" + c.addressBlock(r)}, []Rate{c.opts.Limits.NewDevicePerAddress}) {
		if _, err := r.Cookie(deviceCookie); err == nil {
			http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: "", Path: "/", MaxAge: -1,
				HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
		}
		return
	}
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: c.signDevice(newFormKey()), Path: "/",
		MaxAge: 400 * 24 * 3600, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// device returns the device id of a request. A request without a valid
// cookie counts as the device of its client address: a client that drops
// cookies, forges them or posts without opening the form first. So neither a
// new cookie per request nor an invented one escapes the per-device limits.
func (c *citizen) device(r *http.Request) string {
	if id, ok := c.verifiedDevice(r); ok {
		return id
	}
	return "addr:" + c.addressHash(r)
}

// sharedDevice reports whether the request counts as the device of its
// client address (see device). Several citizens behind one public address
// can share it, so a rule it breaks may have been broken by someone else.
func (c *citizen) sharedDevice(r *http.Request) bool {
	_, ok := c.verifiedDevice(r)
	return !ok
}

// newDeviceWait returns how long until the request's address may get a new
// device cookie again.
func (c *citizen) newDeviceWait(r *http.Request) time.Duration {
	return c.limit.waitFor("nd:"+c.addressBlock(r), c.opts.Limits.NewDevicePerAddress)
}

// addressBlock returns the client address for rate limits: the IPv4 address,
// or the /64 of an IPv6 address, which one subscriber usually holds whole.
func (c *citizen) addressBlock(r *http.Request) string {
	addr := c.clientAddr(r)
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() != nil {
		return addr
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// addressHash returns a keyed hash of the client's address block, for the
// values that the database stores.
func (c *citizen) addressHash(r *http.Request) string {
	m := hmac.New(sha256.New, c.addressKey)
	m.Write([]byte("minyi/citizen-address/v1\x00" + c.addressBlock(r)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
