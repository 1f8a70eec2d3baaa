package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"minyi/evaluate"
	"minyi/web"
)

const qrUsage = "usage: minyi qr create|list|revoke|reissue|sheet ..."

// runQR manages the QR codes citizens scan.
func runQR(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usageError{qrUsage}
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	cmd, rest := args[0], args[1:]
	base := envOr("MINYI_PUBLIC_URL", "http://"+envOr("MINYI_ADDR", "127.0.0.1:8080"))
	loc := time.UTC // dates are shown in the profile's zone when it has one
	if p, err := a.Profile(); err == nil && p.Location != nil {
		loc = p.Location
	}
	switch cmd {
	case "create":
		fs := flag.NewFlagSet("qr create", flag.ContinueOnError)
		fs.SetOutput(a.stderr)
		owner := fs.String("type", "", "owner type: officer, window, place or unit")
		id := fs.String("owner", "", "officer id, unit id, or the place's name")
		unit := fs.String("unit", "", "unit responsible for a place")
		label := fs.String("label", "", "optional text printed on the sheet")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if *owner == "" || *id == "" {
			return usageError{"usage: minyi qr create --type officer|window|place|unit --owner ID [--unit ID] [--label TEXT]"}
		}
		c, err := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerType(*owner), OwnerID: *id,
			UnitID: *unit, Label: *label}, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s\t%s\n", c.ID, evaluate.URL(base, c.ID))
		return nil
	case "list":
		fs := flag.NewFlagSet("qr list", flag.ContinueOnError)
		fs.SetOutput(a.stderr)
		f := codeFilterFlags(fs)
		revoked := fs.Bool("revoked", false, "include revoked codes")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		f.IncludeRevoked = *revoked
		codes, err := evaluate.List(ctx, db, *f)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tTYPE\tOWNER\tUNIT\tSTATUS\tURL")
		for _, c := range codes {
			status := "active"
			if c.Revoked() {
				status = "revoked " + c.RevokedAt.In(loc).Format(time.DateOnly)
				if c.ReplacedBy != "" {
					status += " → " + c.ReplacedBy
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.OwnerType, c.OwnerID, c.UnitID, status, evaluate.URL(base, c.ID))
		}
		return tw.Flush()
	case "revoke", "reissue":
		if len(rest) != 1 {
			return usageError{"usage: minyi qr " + cmd + " CODE"}
		}
		id := strings.ToUpper(rest[0])
		if cmd == "revoke" {
			if old, err := evaluate.Get(ctx, db, id); err == nil && old.Revoked() {
				fmt.Fprintf(a.stdout, "%s was already revoked on %s; nothing changed\n", old.ID,
					old.RevokedAt.In(loc).Format(time.DateOnly))
				return nil
			}
			c, err := evaluate.Revoke(ctx, db, id, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "revoked %s\n", c.ID)
			return nil
		}
		c, err := evaluate.Reissue(ctx, db, id, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "revoked %s, new code %s\t%s\n", id, c.ID, evaluate.URL(base, c.ID))
		return nil
	case "sheet":
		fs := flag.NewFlagSet("qr sheet", flag.ContinueOnError)
		fs.SetOutput(a.stderr)
		f := codeFilterFlags(fs)
		out := fs.String("o", "minyi-codes.html", "output file: a self-contained A4 print page")
		baseURL := fs.String("base-url", base, "public address the codes point to (env MINYI_PUBLIC_URL)")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		n, err := writeCodeSheet(ctx, a, *f, *out, *baseURL)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "wrote %d codes to %s\n", n, *out)
		return nil
	}
	return usageError{qrUsage}
}

func codeFilterFlags(fs *flag.FlagSet) *evaluate.Filter {
	f := &evaluate.Filter{}
	fs.Func("type", "only codes of this owner type: officer, window, place or unit", func(s string) error {
		f.OwnerType = evaluate.OwnerType(s)
		if !f.OwnerType.Valid() {
			return errors.New("type must be officer, window, place or unit")
		}
		return nil
	})
	fs.StringVar(&f.UnitID, "unit", "", "only codes of this unit (the unit itself, not its subtree)")
	return f
}

// writeCodeSheet writes the print page of the working codes matching f to
// path and returns how many codes it holds. The demo calls it too.
func writeCodeSheet(ctx context.Context, a *app, f evaluate.Filter, path, baseURL string) (int, error) {
	db, err := a.DB(ctx)
	if err != nil {
		return 0, err
	}
	p, err := a.Profile()
	if err != nil {
		return 0, err
	}
	owners, err := evaluate.Owners(ctx, db, f)
	if err != nil {
		return 0, err
	}
	file, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	if err := web.WriteCodeSheet(file, p.Title, owners, baseURL); err != nil {
		file.Close()
		return 0, err
	}
	return len(owners), file.Close()
}
