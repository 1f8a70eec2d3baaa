package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// benchPhrases are the generated items' bodies, text of the length citizens
// write. Each item puts its own number in front, so no two bodies are equal.
var benchPhrases = []string{
	"小区楼下夜间施工噪音很大，影响休息，希望尽快处理。",
	"路口信号灯坏了，早晚高峰车辆拥堵，行人过马路很危险。",
	"有人在公园门口长期摆摊占道经营，垃圾乱扔，请管一管。",
	"想咨询一下居住证办理需要带哪些材料，在哪个窗口办理。",
	"派出所民警服务热情，帮我找回了丢失的钱包，特此表扬。",
	"电动车在人行道上逆行，多次差点撞到老人和小孩。",
}

// runBench is the load generator. It posts generated items to a running
// minyi's POST /api/items from many connections at once and prints the rate
// and the latency distribution, so that intake throughput is measured
// through the whole HTTP path.
func runBench(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "base URL of the minyi under test")
	key := fs.String("key", os.Getenv("MINYI_API_KEY"), "API key of a centre account (env MINYI_API_KEY)")
	n := fs.Int("n", 2000, "items to post")
	conc := fs.Int("c", 32, "requests in flight at once")
	channel := fs.String("channel", "bench", "channel of the generated items")
	in := fs.String("in", "", "JSON Lines file whose title and body fields are posted in turn instead of generated text")
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: minyi bench [--url URL] [--key KEY] [--n ITEMS] [--c CONNECTIONS]")
		fmt.Fprintln(a.stderr, "\n向运行中的 minyi 发送生成的事项并报告吞吐量和延迟。")
		fmt.Fprintln(a.stderr, "Posts generated items to a running minyi and reports throughput and latency.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *key == "" {
		return errors.New("bench: --key or MINYI_API_KEY is required: the API key of a centre account")
	}
	if *n < 1 || *conc < 1 {
		return fmt.Errorf("bench: --n %d and --c %d must both be at least 1", *n, *conc)
	}

	texts, err := benchTexts(*in)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc}, Timeout: time.Minute}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	latencies := make([]time.Duration, *n)
	var next, failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= *n || ctx.Err() != nil {
					return
				}
				item := map[string]string{"channel": *channel, "external_id": run + "-" + strconv.Itoa(i)}
				if texts != nil {
					item["title"], item["body"] = texts[i%len(texts)][0], texts[i%len(texts)][1]
				} else {
					item["body"] = fmt.Sprintf("第%d件：%s", i, benchPhrases[i%len(benchPhrases)])
				}
				body, _ := json.Marshal(item)
				t0 := time.Now()
				err := postItem(ctx, client, *url+"/api/items", *key, body)
				latencies[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed.Load() == int64(*n) {
		return fmt.Errorf("bench: all %d items failed, the first with: %w", *n, firstErr)
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		return latencies[int(p*float64(len(latencies)-1))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(a.stdout, "事项 items: %d  失败 failed: %d  并发 connections: %d\n", *n, failed.Load(), *conc)
	fmt.Fprintf(a.stdout, "用时 time: %.2f s  速率 rate: %.0f items/s\n", elapsed.Seconds(), float64(*n)/elapsed.Seconds())
	fmt.Fprintf(a.stdout, "延迟 latency: p50 %v  p90 %v  p99 %v  max %v\n", pct(0.5), pct(0.9), pct(0.99), pct(1))
	if firstErr != nil {
		return fmt.Errorf("bench: %d of %d items failed, the first with: %w", failed.Load(), *n, firstErr)
	}
	return nil
}

// benchTexts reads the title and body of every line of a JSON Lines file,
// or returns nil for no file.
func benchTexts(path string) ([][2]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var texts [][2]string
	for n, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var row struct{ Title, Body string }
		if err := json.Unmarshal(line, &row); err != nil {
			return nil, fmt.Errorf("bench: %s line %d: %w", path, n+1, err)
		}
		if row.Title != "" || row.Body != "" {
			texts = append(texts, [2]string{row.Title, row.Body})
		}
	}
	if len(texts) == 0 {
		return nil, fmt.Errorf("bench: %s has no line with a title or body", path)
	}
	return texts, nil
}

// postItem sends one item and returns an error unless minyi created it.
func postItem(ctx context.Context, client *http.Client, url, key string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
