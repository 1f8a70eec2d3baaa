package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"testing"
)

func parseServeFlags(t *testing.T, args ...string) serveOptions {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o serveOptions
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return o
}

func TestServeTrustProxy(t *testing.T) {
	t.Setenv("MINYI_TRUST_PROXY", "")
	if parseServeFlags(t).citizenOptions().TrustProxy {
		t.Error("TrustProxy is on without --trust-proxy or MINYI_TRUST_PROXY")
	}
	if !parseServeFlags(t, "--trust-proxy").citizenOptions().TrustProxy {
		t.Error("--trust-proxy does not set CitizenOptions.TrustProxy")
	}

	t.Setenv("MINYI_TRUST_PROXY", "true")
	if !parseServeFlags(t).citizenOptions().TrustProxy {
		t.Error("MINYI_TRUST_PROXY=true does not set CitizenOptions.TrustProxy")
	}
	if parseServeFlags(t, "--trust-proxy=false").citizenOptions().TrustProxy {
		t.Error("--trust-proxy=false does not override MINYI_TRUST_PROXY=true")
	}
}

func TestServeTrustProxyInvalidEnv(t *testing.T) {
	t.Setenv("MINYI_TRUST_PROXY", "maybe")
	o := parseServeFlags(t)
	if o.citizenOptions().TrustProxy {
		t.Error("MINYI_TRUST_PROXY=maybe turned TrustProxy on")
	}
	err := serveHTTP(context.Background(), &app{}, nil, o, nil)
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("serveHTTP with MINYI_TRUST_PROXY=maybe = %v, want a usage error", err)
	}
}
