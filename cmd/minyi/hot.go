package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"minyi/hot"
)

// runHot prints the hot issues: the largest, growing groups of items about
// one problem, from the database or from a JSON Lines file.
func runHot(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("hot", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	asJSON := fs.Bool("json", false, "print the issues as JSON")
	in := fs.String("in", "", "read items from this JSON Lines file (id, title, body, time, place, user) instead of the database")
	top := fs.Int("top", 10, "number of issues to print")
	days := fs.Int("days", 30, "with the database: group the items of this many days before now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *top < 1 || *days < 1 {
		return usageError{"usage: minyi hot [--json] [--in FILE] [--top N] [--days N]"}
	}

	p, err := a.Profile()
	if err != nil {
		return err
	}
	var items []hot.Item
	if *in != "" {
		items, err = readHotFile(*in, p.Location)
	} else {
		items, err = a.hotItems(ctx, time.Now().AddDate(0, 0, -*days))
	}
	if err != nil {
		return err
	}

	issues := hot.Group(items, hot.Options{})
	if len(issues) > *top {
		issues = issues[:*top]
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"items": len(items), "issues": issues})
	}
	printIssues(a.stdout, len(items), issues, p.Location)
	return nil
}

func (a *app) hotItems(ctx context.Context, since time.Time) ([]hot.Item, error) {
	db, err := a.DB(ctx)
	if err != nil {
		return nil, err
	}
	return hot.Load(ctx, db, since, "")
}

// hotRecord is one line of a --in file, as in the message-board exports.
type hotRecord struct {
	ID    json.RawMessage `json:"id"`
	Title string          `json:"title"`
	Body  string          `json:"body"`
	Time  string          `json:"time"`
	Place string          `json:"place"`
	User  string          `json:"user"`
}

func readHotFile(path string, loc *time.Location) ([]hot.Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hot: %w", err)
	}
	defer f.Close()
	var out []hot.Item
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r hotRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("hot: %s line %d: invalid JSON: %w", path, line, err)
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", strings.TrimSpace(r.Time), loc)
		if err != nil {
			if at, err = time.Parse(time.RFC3339, r.Time); err != nil {
				return nil, fmt.Errorf("hot: %s line %d: time %q is not YYYY-MM-DD hh:mm:ss or RFC 3339", path, line, r.Time)
			}
		}
		out = append(out, hot.Item{ID: strings.Trim(string(r.ID), `"`), Title: r.Title, Body: r.Body, Place: r.Place,
			Citizen: r.User, At: at})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("hot: %s: %w", path, err)
	}
	return out, nil
}

func printIssues(w io.Writer, n int, issues []hot.Issue, loc *time.Location) {
	fmt.Fprintf(w, "%d 条诉求，热点问题 %d 个（按热度排序）\n", n, len(issues))
	for i, is := range issues {
		fmt.Fprintf(w, "\n%2d. %s\n", i+1, is.Label)
		where := is.Place
		if where == "" {
			where = "-"
		}
		fmt.Fprintf(w, "    %d 条，%d 位群众，地点 %s，%s 至 %s，近期 %d 条，增长 %+d，热度 %.1f\n",
			is.Count, is.Citizens, where, is.First.In(loc).Format("2006-01-02"), is.Last.In(loc).Format("2006-01-02"),
			is.Recent, is.Growth, is.Score)
		for _, t := range is.Titles[1:min(4, len(is.Titles))] {
			fmt.Fprintf(w, "    · %s\n", t)
		}
	}
}
