package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"minyi/search"
)

const searchUsage = `用法 usage: minyi search reindex [--batch N]

reindex 重建全文检索索引：逐批读取全部工单（已脱敏的标题、正文和回复）写入索引。
新建和回复的工单会自动入索引；升级后或导入旧数据后运行一次。
reindex rebuilds the full-text search index from every ticket's masked title,
body and reply, one transaction per batch. New tickets and replies are indexed
as they are written; run it once after upgrading or after loading old data.`

// runSearch runs "minyi search".
func runSearch(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "reindex" {
		fmt.Fprintln(a.stderr, searchUsage)
		return usageError{"缺少子命令 missing subcommand: use \"minyi search reindex\""}
	}
	fs := flag.NewFlagSet("search reindex", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	batch := fs.Int("batch", 500, "每批工单数 tickets per transaction")
	fs.Usage = func() { fmt.Fprintln(a.stderr, searchUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("多余的参数 unexpected arguments: %v", fs.Args())}
	}
	if *batch < 1 || *batch > 10000 {
		return usageError{fmt.Sprintf("--batch %d: 应在 1 到 10000 之间 must be from 1 to 10000", *batch)}
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&total); err != nil {
		return fmt.Errorf("search: count tickets: %w", err)
	}
	start := time.Now()
	progress := progressPrinter(a, "reindex")
	n, err := search.Reindex(ctx, db, *batch, func(done int) { progress(done, max(total, done)) })
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已索引 indexed %d 张工单 tickets in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
