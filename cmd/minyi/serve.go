package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"minyi/kpi"
	"minyi/profile"
	"minyi/store"
	"minyi/web"
	"minyi/workflow"
)

// serveOptions are the flags shared by serve and demo.
type serveOptions struct {
	addr     string
	certFile string
	keyFile  string
	clientCA string // PEM file of CAs whose client certificates sign staff in, or "any"
	audit    checkpointOptions
	// groupSize bounds the items of POST /api/items written in one
	// transaction; 1 writes each in its own, and 0 chooses by database.
	groupSize int
	// trustProxy takes the client address of citizen rate limits, staff
	// sign-in throttling and the audit log from the last X-Forwarded-For
	// entry. trustProxyEnvErr is set when MINYI_TRUST_PROXY
	// is not a boolean, and serveHTTP then refuses to start.
	trustProxy       bool
	trustProxyEnvErr error
}

func (o *serveOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "addr", envOr("MINYI_ADDR", "127.0.0.1:8080"), "listen address (env MINYI_ADDR)")
	fs.StringVar(&o.certFile, "tls-cert", os.Getenv("MINYI_TLS_CERT"), "TLS certificate file; with --tls-key serves HTTPS (env MINYI_TLS_CERT)")
	fs.StringVar(&o.keyFile, "tls-key", os.Getenv("MINYI_TLS_KEY"), "TLS private key file (env MINYI_TLS_KEY)")
	fs.StringVar(&o.clientCA, "tls-client-ca", os.Getenv("MINYI_TLS_CLIENT_CA"),
		"ask browsers for a staff client certificate as second factor: a PEM file of the issuing CAs, "+
			"or \"any\" to accept any certificate whose fingerprint is mapped to an account (env MINYI_TLS_CLIENT_CA)")
	groupSize := 0
	if v, err := strconv.Atoi(os.Getenv("MINYI_GROUP_COMMIT")); err == nil && v > 0 {
		groupSize = v
	}
	fs.IntVar(&o.groupSize, "group-commit", groupSize,
		"most items of POST /api/items committed in one transaction; 1 commits each alone, "+
			"0 means 256 on SQLite and 1 on PostgreSQL (env MINYI_GROUP_COMMIT)")
	trustProxy := false
	if v := os.Getenv("MINYI_TRUST_PROXY"); v != "" {
		var err error
		if trustProxy, err = strconv.ParseBool(v); err != nil {
			o.trustProxyEnvErr = usageError{fmt.Sprintf("MINYI_TRUST_PROXY=%q is not a boolean: set true or false", v)}
		}
	}
	fs.BoolVar(&o.trustProxy, "trust-proxy", trustProxy,
		"take the client address for rate limits, sign-in throttling and the audit log from the last "+
			"X-Forwarded-For entry; set it only behind "+
			"one reverse proxy that sets that header (env MINYI_TRUST_PROXY)")
	o.audit.register(fs)
}

// citizenOptions returns the citizen page options of the server.
func (o serveOptions) citizenOptions() web.CitizenOptions {
	return web.CitizenOptions{PublicURL: os.Getenv("MINYI_PUBLIC_URL"), TrustProxy: o.trustProxy}
}

func runServe(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	var o serveOptions
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, err := a.Service(ctx)
	if err != nil {
		return err
	}
	return serveHTTP(ctx, a, svc, o, nil)
}

// serveHTTP runs the HTTP server, the background sweep and the audit
// checkpointer until ctx ends, and signs a final audit checkpoint after the
// server has stopped. ready, if set, is called with the bound address once
// the server listens.
func serveHTTP(ctx context.Context, a *app, svc *workflow.Service, o serveOptions, ready func(addr string)) error {
	if o.trustProxyEnvErr != nil {
		return o.trustProxyEnvErr
	}
	p, err := a.Profile()
	if err != nil {
		return err
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	auditLog, err := a.AuditLog(ctx)
	if err != nil {
		return err
	}
	checkpointer, err := startCheckpointer(ctx, a, db, o.audit)
	if err != nil {
		return err
	}
	defer func() {
		if err := checkpointer.Close(); err != nil {
			a.log.Error("final audit checkpoint failed", "error", err)
		}
	}()
	prot, err := a.Protector()
	if err != nil {
		return err
	}
	// SQLite has one writer, so grouping saves a commit per item. PostgreSQL
	// writes from many connections at once and groups their WAL flushes
	// itself; one writer there measured slower (docs/benchmarks.md).
	groupSize := o.groupSize
	if groupSize == 0 {
		groupSize = 1
		if db.DialectName() == store.SQLite {
			groupSize = workflow.DefaultGroupSize
		}
	}
	var group *workflow.GroupCommitter
	if groupSize > 1 {
		group = workflow.NewGroupCommitter(svc, groupSize)
		defer group.Close() // after the HTTP server has stopped, so no item is cut off
	}
	srv := web.New(web.Options{
		Service: svc, DB: db, Profile: p, Logger: a.log, Audit: auditLog, Protector: prot, GroupCommit: group,
		Citizen: o.citizenOptions(),
		Voice:   a.voiceOptions(),
		KPI: func(ctx context.Context, from, to time.Time, unitID string) (any, error) {
			return kpi.Compute(ctx, db, kpiFilter(p, from, to, unitID))
		},
	})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	if hs.TLSConfig, err = clientCertConfig(o); err != nil {
		ln.Close()
		return err
	}
	errc := make(chan error, 1)
	go func() {
		if o.certFile != "" && o.keyFile != "" {
			errc <- hs.ServeTLS(ln, o.certFile, o.keyFile)
			return
		}
		errc <- hs.Serve(ln)
	}()
	a.log.Info("listening", "addr", ln.Addr().String(), "tls", o.certFile != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	go sweepLoop(ctx, a, svc)
	go retrainLoop(ctx, a)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.log.Info("shutting down")
	return hs.Shutdown(shutdownCtx)
}

// sweepLoop flags overdue tickets every minute, deletes the photos of
// citizen forms that were never sent, loads a rotated key file, and once an
// hour shreds personal data past the profile's retention period.
func sweepLoop(ctx context.Context, a *app, svc *workflow.Service) {
	tick := time.NewTicker(keysReloadInterval)
	defer tick.Stop()
	var lastPurge time.Time
	for {
		if err := a.reloadKeys(); err != nil && ctx.Err() == nil {
			a.log.Error("loading the rotated key file failed; still using the old keys", "error", err)
		}
		if time.Since(lastPurge) >= time.Hour {
			lastPurge = time.Now()
			if res, _, err := purgePersonalData(ctx, a, lastPurge, false); err != nil && ctx.Err() == nil {
				a.log.Warn("retention purge failed", "error", err)
			} else if res.Tickets > 0 {
				a.log.Info("retention purge", "tickets", res.Tickets, "values", res.Values,
					"messages", res.Messages, "recordings", res.Recordings)
			}
		}
		if n, err := svc.SweepOverdue(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.log.Warn("overdue sweep failed", "error", err)
		} else if n > 0 {
			a.log.Info("overdue sweep", "flagged", n)
		}
		if n, err := svc.PurgeAbandonedForms(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			a.log.Warn("purging abandoned citizen forms failed", "error", err)
		} else if n > 0 {
			a.log.Info("purged abandoned citizen forms", "forms", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// kpiFilter builds the KPI filter for a date range and an optional unit.
func kpiFilter(p *profile.Profile, from, to time.Time, unitID string) kpi.Filter {
	f := kpi.Filter{From: from, To: to, Loc: p.Location}
	if unitID != "" {
		f.UnitPath = p.UnitPath(unitID)
	}
	return f
}

// clientCertConfig returns the TLS configuration that requests staff client
// certificates, or nil when --tls-client-ca is not set.
func clientCertConfig(o serveOptions) (*tls.Config, error) {
	if o.clientCA == "" {
		return nil, nil
	}
	if o.certFile == "" || o.keyFile == "" {
		return nil, usageError{"--tls-client-ca needs --tls-cert and --tls-key: client certificates only travel over TLS"}
	}
	if o.clientCA == "any" {
		return web.ClientCertTLSConfig(nil), nil
	}
	pem, err := os.ReadFile(o.clientCA)
	if err != nil {
		return nil, fmt.Errorf("client CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("client CA file %s contains no PEM certificate", o.clientCA)
	}
	return web.ClientCertTLSConfig(pool), nil
}
