package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeTestCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "测试发证机构"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClientCertConfig(t *testing.T) {
	ca := writeTestCA(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsFiles := serveOptions{certFile: "server.crt", keyFile: "server.key"}

	cfg, err := clientCertConfig(serveOptions{})
	if err != nil || cfg != nil {
		t.Fatalf("without the flag: %v, %v", cfg, err)
	}
	o := tlsFiles
	o.clientCA = ca
	cfg, err = clientCertConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientAuth != tls.VerifyClientCertIfGiven || cfg.ClientCAs == nil {
		t.Fatalf("with a CA file: ClientAuth %v, pool %v", cfg.ClientAuth, cfg.ClientCAs)
	}
	o.clientCA = "any"
	if cfg, err = clientCertConfig(o); err != nil || cfg.ClientAuth != tls.RequestClientCert {
		t.Fatalf("any: %v, %v", cfg, err)
	}
	o.clientCA = garbage
	if _, err := clientCertConfig(o); err == nil {
		t.Fatal("a file without certificates was accepted")
	}
	var ue usageError
	if _, err := clientCertConfig(serveOptions{clientCA: ca}); !errors.As(err, &ue) {
		t.Fatalf("without TLS files: err = %v, want a usage error", err)
	}
}
