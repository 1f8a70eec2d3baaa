package web

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net/http"
)

// ClientCertTLSConfig returns a TLS configuration that asks each browser for
// a client certificate, the alternative second factor to TOTP. A staff member
// whose certificate's SHA-256 fingerprint is mapped to their account
// (minyi user cert NAME CERT.pem) signs in with password and certificate, and
// no code. With clientCAs (the intranet's staff CA), only certificates that
// CA issued are accepted; without, any certificate is accepted for pinning,
// since the TLS handshake proves that the client holds its private key.
// Certificates stay optional, so staff without one use TOTP. Set the server
// certificate on the returned configuration and serve with
// http.Server{TLSConfig: cfg}.ServeTLS.
func ClientCertTLSConfig(clientCAs *x509.CertPool) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ClientAuth: tls.RequestClientCert}
	if clientCAs != nil {
		cfg.ClientCAs, cfg.ClientAuth = clientCAs, tls.VerifyClientCertIfGiven
	}
	return cfg
}

// CertFingerprint returns the SHA-256 fingerprint of a certificate in
// lower-case hex, the form stored on accounts.
func CertFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// peerCertFingerprint returns the fingerprint of the TLS client certificate,
// or "" without one.
func peerCertFingerprint(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	return CertFingerprint(r.TLS.PeerCertificates[0])
}
