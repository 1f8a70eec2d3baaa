package web_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

// phoneClientFrom returns a phone whose connections leave from the loopback
// address ip, so the server records a client address other than 127.0.0.1.
func phoneClientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// citizenPostHeader posts a url-encoded form and returns the status, body and headers.
func citizenPostHeader(t *testing.T, c *http.Client, u string, fields url.Values) (int, string, http.Header) {
	t.Helper()
	resp, err := c.PostForm(u, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// TestCitizenCodeLimitPerAddress floods an officer's code from one address
// with the default limits, as a script of the officer could, and checks that
// a citizen at another address can still rate.
func TestCitizenCodeLimitPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		limited := 0
		for i := 0; i < 20; i++ {
			phone := phoneClient(t)
			citizenGet(t, phone, rateURL)
			for j := 0; j < 4; j++ {
				status, body, h := citizenPostHeader(t, phone, rateURL, url.Values{"rating": {"satisfied"},
					"form_key": {fmt.Sprintf("%016x%016x", i+1, j+1)}})
				if status != http.StatusTooManyRequests {
					continue
				}
				if !strings.Contains(body, "操作太频繁") {
					continue
				}
				limited++
				secs, err := strconv.Atoi(h.Get("Retry-After"))
				if err != nil || secs < 1 || secs > 3600 {
					t.Fatalf("Retry-After of a rate-limited post = %q, want 1 to 3600 seconds", h.Get("Retry-After"))
				}
			}
		}
		if limited == 0 {
			t.Fatal("80 posts to one code from one address were never rate-limited")
		}

		victim := phoneClientFrom(t, "127.0.0.2")
		_, page, _ := citizenGet(t, victim, rateURL)
		status, body, _ := citizenPostHeader(t, victim, rateURL, url.Values{"rating": {"satisfied"},
			"form_key": {citizenFormKey(t, page)}})
		if status != http.StatusOK {
			t.Fatalf("rating from another address after the flood: %d\n%.400s", status, body)
		}
	})
}

// TestCitizenRetryAfter checks the Retry-After header of each citizen 429 page.
func TestCitizenRetryAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		limits := web.DefaultCitizenLimits
		limits.PerCodeAddress = web.Rate{Burst: 2, PerHour: 60} // a token a minute
		limits.LookupPerDevice = web.Rate{Burst: 1, PerHour: 12}
		e := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits, RatingPeriod: 2 * time.Hour})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		phone := phoneClient(t)
		citizenGet(t, phone, rateURL)

		status, _, h := citizenPostHeader(t, phone, rateURL, url.Values{"rating": {"satisfied"},
			"form_key": {strings.Repeat("a", 32)}})
		if status != http.StatusOK {
			t.Fatalf("first rating: %d", status)
		}
		if got := h.Get("Retry-After"); got != "" {
			t.Errorf("Retry-After on a 200 page = %q", got)
		}

		status, body, h := citizenPostHeader(t, phone, rateURL, url.Values{"rating": {"basic"},
			"form_key": {strings.Repeat("b", 32)}})
		if status != http.StatusTooManyRequests || !strings.Contains(body, "已经评价过") {
			t.Fatalf("second rating in the period: %d", status)
		}
		if got := h.Get("Retry-After"); got != "7200" {
			t.Errorf("Retry-After of a second rating in a 2-hour period = %q, want 7200", got)
		}

		status, body, h = citizenPostHeader(t, phone, rateURL, url.Values{"rating": {"bogus"}})
		if status != http.StatusTooManyRequests || !strings.Contains(body, "操作太频繁") {
			t.Fatalf("third post with a code bucket of 2: %d", status)
		}
		if got := h.Get("Retry-After"); got != "60" {
			t.Errorf("Retry-After with a code bucket refilling 60 an hour = %q, want 60", got)
		}

		// A second phone at the same address reaches the address's cap of one
		// rating of the officer, which lasts until the next 2-hour window.
		limits.RatingsPerAddress = 1
		capped := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits, RatingPeriod: 2 * time.Hour})
		cappedURL := capped.srv.URL + "/c/" + capped.code.ID + "/rate"
		for i, want := range []int{http.StatusOK, http.StatusTooManyRequests} {
			p := phoneClient(t)
			citizenGet(t, p, cappedURL)
			status, body, h = citizenPostHeader(t, p, cappedURL, url.Values{"rating": {"satisfied"},
				"form_key": {fmt.Sprintf("%032x", i+1)}})
			if status != want {
				t.Fatalf("phone %d at the capped address: %d, want %d", i+1, status, want)
			}
		}
		if !strings.Contains(body, "评价次数已达上限") {
			t.Fatalf("second phone at the capped address:\n%.400s", body)
		}
		window := (2 * time.Hour).Milliseconds()
		wantSecs := (window - capped.clock.Now().UnixMilli()%window + 999) / 1000
		if got := h.Get("Retry-After"); got != strconv.FormatInt(wantSecs, 10) {
			t.Errorf("Retry-After at the address cap = %q, want %d (the next window)", got, wantSecs)
		}

		lookup := e.srv.URL + "/p"
		for i, want := range []int{http.StatusNotFound, http.StatusTooManyRequests} {
			status, _, h = citizenPostHeader(t, phone, lookup, url.Values{"code": {"NOSUCHCODE"}, "last4": {"0000"}})
			if status != want {
				t.Fatalf("lookup %d: %d, want %d", i+1, status, want)
			}
		}
		if got := h.Get("Retry-After"); got != "300" {
			t.Errorf("Retry-After of a lookup with a bucket refilling 12 an hour = %q, want 300", got)
		}
	})
}
