package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"minyi/org"
	"minyi/privacy"
	"minyi/store"
	"minyi/ticket"
	"minyi/web"
)

const userUsage = "usage: minyi user add|list|disable|enable|passwd|reset-2fa|totp|cert|key ..."

// runUser manages staff accounts, their sign-in factors and API keys.
func runUser(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usageError{userUsage}
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "list":
		return userList(ctx, a, db)
	case "add":
		return userAdd(ctx, a, db, rest)
	case "disable", "enable":
		if len(rest) != 1 {
			return usageError{"usage: minyi user " + cmd + " NAME"}
		}
		if err := org.SetDisabled(ctx, db, rest[0], cmd == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%sd %s\n", cmd, rest[0])
		return nil
	case "passwd":
		return userPasswd(ctx, a, db, rest)
	case "reset-2fa":
		if len(rest) != 1 {
			return usageError{"usage: minyi user reset-2fa NAME"}
		}
		if err := org.ResetSecondFactor(ctx, db, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "second factor of %s reset; its sessions have ended\n", rest[0])
		return newTOTP(ctx, a, db, rest[0])
	case "totp":
		return userTOTP(ctx, a, db, rest)
	case "cert":
		return userCert(ctx, a, db, rest)
	case "key":
		return userKey(ctx, a, db, rest)
	}
	return usageError{fmt.Sprintf("unknown user command %q; %s", cmd, userUsage)}
}

func userList(ctx context.Context, a *app, db *store.DB) error {
	accts, err := org.Accounts(ctx, db)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDISPLAY\tROLE\tUNIT\tPASSWORD\t2FA\tDISABLED")
	for _, ac := range accts {
		c, err := org.CredentialsOf(ctx, db, ac.ID)
		if err != nil {
			return err
		}
		var factors []string
		if c.HasTOTP {
			factors = append(factors, "totp")
		}
		if c.CertSHA256 != "" {
			factors = append(factors, "cert")
		}
		if factors == nil {
			factors = []string{"none"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%v\n", ac.Name, ac.DisplayName, ac.Role, ac.UnitID,
			c.PasswordHash != "", strings.Join(factors, ","), ac.Disabled)
	}
	return tw.Flush()
}

func userAdd(ctx context.Context, a *app, db *store.DB, args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	role := fs.String("role", "", "role: centre, handler, leader, auditor or admin")
	unit := fs.String("unit", "", "unit id")
	display := fs.String("display", "", "display name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of generating one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *role == "" || *unit == "" {
		return usageError{"usage: minyi user add --role ROLE --unit UNIT [--display NAME] [--password-stdin] NAME"}
	}
	password, generated, err := choosePassword(*fromStdin, os.Stdin)
	if err != nil {
		return err
	}
	acct, err := org.CreateAccount(ctx, db, org.Account{Name: fs.Arg(0), DisplayName: *display,
		Role: ticket.Role(*role), UnitID: *unit})
	if err != nil {
		return err
	}
	if err := org.SetPassword(ctx, db, acct.Name, password); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created %s (%s, %s)\n", acct.Name, acct.Role, acct.UnitID)
	if generated {
		fmt.Fprintf(a.stdout, "password (shown once): %s\n", password)
	}
	return newTOTP(ctx, a, db, acct.Name)
}

func userPasswd(ctx context.Context, a *app, db *store.DB, args []string) error {
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"usage: minyi user passwd [--password-stdin] NAME"}
	}
	password, generated, err := choosePassword(*fromStdin, os.Stdin)
	if err != nil {
		return err
	}
	if err := org.SetPassword(ctx, db, fs.Arg(0), password); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "password of %s changed\n", fs.Arg(0))
	if generated {
		fmt.Fprintf(a.stdout, "password (shown once): %s\n", password)
	}
	return nil
}

// choosePassword reads a password from r or generates one.
func choosePassword(fromStdin bool, r io.Reader) (password string, generated bool, err error) {
	if fromStdin {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, fmt.Errorf("read password: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if len([]rune(line)) < org.MinPasswordLength {
			return "", false, fmt.Errorf("the password must have at least %d characters", org.MinPasswordLength)
		}
		return line, false, nil
	}
	// 16 characters from an alphabet without look-alikes: about 80 bits.
	const alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", false, err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), true, nil
}

// newTOTP gives the account a new TOTP secret and prints it once.
func newTOTP(ctx context.Context, a *app, db *store.DB, name string) error {
	secret, err := org.NewTOTPSecret()
	if err != nil {
		return err
	}
	prot, err := a.Protector()
	if err != nil {
		return err
	}
	if err := org.SetTOTPSecret(ctx, db, prot.Vault(), name, secret); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "TOTP secret (shown once; add it to an authenticator app): %s\n", secret)
	fmt.Fprintf(a.stdout, "otpauth URL: %s\n", org.TOTPURL("minyi", name, secret))
	return nil
}

// demoMode reports whether the database is a demo city's.
func demoMode(ctx context.Context, db *store.DB) (bool, error) {
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'demo_seeded'`).Scan(&v)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return false, fmt.Errorf("demo check: %w", err)
}

// userTOTP prints the current TOTP code of a demo account, so a newcomer can
// sign in without an authenticator app. Outside demo mode it refuses.
func userTOTP(ctx context.Context, a *app, db *store.DB, args []string) error {
	if len(args) != 1 {
		return usageError{"usage: minyi user totp NAME (demo only)"}
	}
	demo, err := demoMode(ctx, db)
	if err != nil {
		return err
	}
	if !demo {
		return errors.New("totp is refused outside a demo database; read the code from an authenticator app")
	}
	acct, err := org.AccountByName(ctx, db, args[0])
	if err != nil {
		return err
	}
	prot, err := a.Protector()
	if err != nil {
		return err
	}
	secret, err := org.TOTPSecretOf(ctx, db, prot.Vault(), acct.ID)
	if err != nil {
		return err
	}
	if secret == "" {
		return fmt.Errorf("account %s has no TOTP secret", args[0])
	}
	now := time.Now()
	code, err := org.TOTPCode(secret, org.TOTPStep(now))
	if err != nil {
		return err
	}
	left := org.TOTPPeriod - time.Duration(now.Unix()%int64(org.TOTPPeriod/time.Second))*time.Second
	fmt.Fprintf(a.stdout, "%s (valid for %d more seconds, once)\n", code, int(left/time.Second))
	return nil
}

// userCert maps a client certificate (PEM file) to an account as an
// alternative second factor, or removes it with --clear.
func userCert(ctx context.Context, a *app, db *store.DB, args []string) error {
	if len(args) == 2 && args[0] == "--clear" {
		if err := org.SetCertFingerprint(ctx, db, args[1], ""); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "client certificate of %s removed\n", args[1])
		return nil
	}
	if len(args) != 2 {
		return usageError{"usage: minyi user cert NAME CERT.pem | minyi user cert --clear NAME"}
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("%s contains no PEM certificate; pass the certificate file, not the key", args[1])
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("%s: %w", args[1], err)
	}
	sum := sha256.Sum256(cert.Raw)
	fp := hex.EncodeToString(sum[:])
	if err := org.SetCertFingerprint(ctx, db, args[0], fp); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "client certificate %q (SHA-256 %s) mapped to %s\n", cert.Subject.String(), fp, args[0])
	return nil
}

// userKey manages API keys: key add, key list, key revoke.
func userKey(ctx context.Context, a *app, db *store.DB, args []string) error {
	const usage = "usage: minyi user key add [--label TEXT] [--scopes PERM,PERM|*] NAME | key list | key revoke ID"
	if len(args) == 0 {
		return usageError{usage}
	}
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("user key add", flag.ContinueOnError)
		fs.SetOutput(a.stderr)
		label := fs.String("label", "", "what the key is for, e.g. the channel platform's name")
		scopes := fs.String("scopes", "*", "comma-separated permissions (e.g. item:create,ticket:read), or * for all of the role's")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{usage}
		}
		prot, err := a.Protector()
		if err != nil {
			return err
		}
		secret, err := org.AuthKey(ctx, db, prot.Vault())
		if err != nil {
			return err
		}
		list, err := checkKeyScopes(ctx, db, fs.Arg(0), *scopes)
		if err != nil {
			return err
		}
		key, k, err := org.CreateAPIKey(ctx, db, secret, fs.Arg(0), *label, list)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "API key %d for %s, scopes %s (shown once):\n%s\n", k.ID, k.Account,
			strings.Join(k.Scopes, ","), key)
		return nil
	case "list":
		keys, err := org.APIKeys(ctx, db)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tACCOUNT\tLABEL\tPREFIX\tSCOPES\tREVOKED")
		for _, k := range keys {
			revoked := ""
			if !k.Revoked.IsZero() {
				revoked = k.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\n", k.ID, k.Account, k.Label, k.Prefix,
				strings.Join(k.Scopes, ","), revoked)
		}
		return tw.Flush()
	case "revoke":
		if len(args) != 2 {
			return usageError{usage}
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return usageError{usage}
		}
		if err := org.RevokeAPIKey(ctx, db, id, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "API key %d revoked\n", id)
		return nil
	}
	return usageError{usage}
}

// demoPassword is the password every demo account gets, printed at start-up.
// Demo databases only: printDemoWelcome calls ensureDemoCredentials.
const demoPassword = "minyi-demo-2026"

// ensureDemoCredentials gives a demo account the demo password and a TOTP
// secret when it has none, so a newcomer can sign in. An account whose
// password was changed keeps it.
func ensureDemoCredentials(ctx context.Context, db *store.DB, vault *privacy.Vault, ac org.Account) error {
	c, err := org.CredentialsOf(ctx, db, ac.ID)
	if err != nil {
		return err
	}
	if c.PasswordHash == "" {
		if err := org.SetPassword(ctx, db, ac.Name, demoPassword); err != nil {
			return err
		}
	}
	if !c.HasTOTP {
		secret, err := org.NewTOTPSecret()
		if err != nil {
			return err
		}
		return org.SetTOTPSecret(ctx, db, vault, ac.Name, secret)
	}
	return nil
}

// demoAPIKey revokes the account's earlier demo keys and issues a fresh one
// with every permission of its role.
func demoAPIKey(ctx context.Context, db *store.DB, vault *privacy.Vault, name string) (string, error) {
	keys, err := org.APIKeys(ctx, db)
	if err != nil {
		return "", err
	}
	now := time.Now()
	for _, k := range keys {
		if k.Account == name && k.Label == "demo" && k.Revoked.IsZero() {
			if err := org.RevokeAPIKey(ctx, db, k.ID, now); err != nil {
				return "", err
			}
		}
	}
	secret, err := org.AuthKey(ctx, db, vault)
	if err != nil {
		return "", err
	}
	key, _, err := org.CreateAPIKey(ctx, db, secret, name, "demo", []string{"*"})
	return key, err
}

// checkKeyScopes splits the --scopes of a new API key and checks that each
// is a permission of the access matrix that the account's role has, so
// that no key is issued that every request would then reject.
func checkKeyScopes(ctx context.Context, db *store.DB, account, scopes string) ([]string, error) {
	acct, err := org.AccountByName(ctx, db, account)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range strings.Split(scopes, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			continue
		case s == "*":
		case !web.Known(web.Permission(s)):
			return nil, usageError{fmt.Sprintf("--scopes: %q is not a permission; docs/api.md lists them", s)}
		case !web.Allowed(acct.Role, web.Permission(s)):
			return nil, usageError{fmt.Sprintf("--scopes: role %s of account %s does not hold %q, so the key could never use it",
				acct.Role, account, s)}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, usageError{"--scopes is empty: give permissions such as item:create,ticket:read, or * for all of the role's"}
	}
	return out, nil
}
