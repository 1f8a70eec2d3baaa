package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyi/evaluate"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

var deviceCookieRE = regexp.MustCompile(`^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$`)

// deviceCookieOf returns the device cookie a response sets, or "" for none.
func deviceCookieOf(h http.Header) (value string, set bool) {
	for _, ck := range (&http.Response{Header: h}).Cookies() {
		if ck.Name == "minyi_device" {
			return ck.Value, true
		}
	}
	return "", false
}

// getWithDevice opens u with the device cookie value and returns the
// response's device cookie.
func getWithDevice(t *testing.T, u, device string) (string, bool) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if device != "" {
		req.AddCookie(&http.Cookie{Name: "minyi_device", Value: device})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return deviceCookieOf(resp.Header)
}

// rateWithDevice posts a satisfied rating with the device cookie value.
func rateWithDevice(t *testing.T, u, device, formKey string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(url.Values{"rating": {"satisfied"},
		"form_key": {formKey}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if device != "" {
		req.AddCookie(&http.Cookie{Name: "minyi_device", Value: device})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func countRatings(t *testing.T, db *store.DB, codeID string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM evaluations WHERE kind = 'rating'
		AND code_id = ?`, codeID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeviceCookieSigned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"

		issued, set := getWithDevice(t, rateURL, "")
		if !set || !deviceCookieRE.MatchString(issued) {
			t.Fatalf("first visit: device cookie %q (set %v), want an id and its signature", issued, set)
		}
		if again, set := getWithDevice(t, rateURL, issued); set {
			t.Errorf("an issued cookie was replaced by %q", again)
		}

		id := issued[:32]
		forged := map[string]string{
			"unsigned id":           id,
			"signature of another":  strings.Repeat("ab", 16) + issued[32:],
			"altered signature":     id + "." + strings.Repeat("A", 43),
			"signature cut short":   issued[:len(issued)-1],
			"invented id and label": fmt.Sprintf("%032x.forged", 7),
		}
		for name, value := range forged {
			got, set := getWithDevice(t, rateURL, value)
			if !set || got == value || !deviceCookieRE.MatchString(got) {
				t.Errorf("%s: response cookie %q (set %v), want a new signed one", name, got, set)
			}
		}
	})
}

func TestForgedDeviceCookiesShareAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		// Each invented id would be a fresh device if the server trusted it;
		// unsigned, they all count as the one device of the address.
		first := rateWithDevice(t, rateURL, fmt.Sprintf("%032x", 1), fmt.Sprintf("%032x", 101))
		second := rateWithDevice(t, rateURL, fmt.Sprintf("%032x", 2), fmt.Sprintf("%032x", 102))
		if first != http.StatusOK {
			t.Fatalf("first rating with an invented id: status %d, want 200", first)
		}
		if second != http.StatusTooManyRequests {
			t.Errorf("second rating with another invented id: status %d, want 429", second)
		}
		if n := countRatings(t, db, e.code.ID); n != 1 {
			t.Errorf("%d ratings stored, want 1", n)
		}
	})
}

func TestClearingCookiesMeetsAddressCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		limits := web.DefaultCitizenLimits
		// Every fresh client gets a signed cookie, so only the address cap
		// in the database stops the script.
		limits.NewDevicePerAddress = web.Rate{Burst: 1000, PerHour: 1000}
		limits.PerDevice = web.Rate{Burst: 1000, PerHour: 1000}
		e := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		capacity := web.DefaultCitizenLimits.RatingsPerAddress

		statuses := map[int]int{}
		for i := 0; i < capacity+25; i++ {
			phone := phoneClient(t) // a script that clears its cookies
			citizenGet(t, phone, rateURL)
			status, _ := citizenPost(t, phone, rateURL, url.Values{"rating": {"satisfied"},
				"form_key": {fmt.Sprintf("%032x", i+1)}})
			statuses[status]++
		}
		if statuses[http.StatusOK] != capacity {
			t.Errorf("statuses %v, want %d ratings accepted", statuses, capacity)
		}
		if n := countRatings(t, db, e.code.ID); n != capacity {
			t.Errorf("%d ratings stored, want the cap of %d", n, capacity)
		}

		// A restarted server with the same database and keys keeps the count.
		restarted := httptest.NewServer(web.New(web.Options{Service: e.svc, DB: db, Profile: e.prof,
			Citizen: web.CitizenOptions{Limits: limits, Now: e.clock.Now}, Protector: e.prot}))
		defer restarted.Close()
		phone := phoneClient(t)
		again := restarted.URL + "/c/" + e.code.ID + "/rate"
		citizenGet(t, phone, again)
		status, body := citizenPost(t, phone, again, url.Values{"rating": {"satisfied"}, "form_key": {fmt.Sprintf("%032x", 999)}})
		if status != http.StatusTooManyRequests || !strings.Contains(body, "评价次数已达上限") {
			t.Errorf("rating after a restart: status %d, want 429 with the cap message\n%.600s", status, body)
		}

		// Another officer from the same address has a count of its own.
		other, err := evaluate.Create(context.Background(), db, evaluate.NewCode{OwnerType: evaluate.OwnerOfficer,
			OwnerID: "o002"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		otherURL := e.srv.URL + "/c/" + other.ID + "/rate"
		citizenGet(t, phone, otherURL)
		if status, body := citizenPost(t, phone, otherURL, url.Values{"rating": {"satisfied"},
			"form_key": {fmt.Sprintf("%032x", 1000)}}); status != http.StatusOK {
			t.Errorf("rating another officer: status %d, want 200\n%.600s", status, body)
		}

		// The next window admits ratings again.
		e.clock.Add(24 * time.Hour)
		phone = phoneClient(t)
		citizenGet(t, phone, rateURL)
		if status, body := citizenPost(t, phone, rateURL, url.Values{"rating": {"basic"},
			"form_key": {fmt.Sprintf("%032x", 1001)}}); status != http.StatusOK {
			t.Errorf("rating a day later: status %d, want 200\n%.600s", status, body)
		}
	})
}

func TestNewDevicesPerAddressLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		limits := web.DefaultCitizenLimits
		limits.NewDevicePerAddress = web.Rate{Burst: 3, PerHour: 6}
		e := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		for i := 0; i < 3; i++ {
			if _, set := getWithDevice(t, rateURL, ""); !set {
				t.Fatalf("visit %d got no device cookie within the burst of 3", i+1)
			}
		}
		if got, set := getWithDevice(t, rateURL, ""); set {
			t.Errorf("fourth new device from one address got cookie %q, want none", got)
		}
		if got, set := getWithDevice(t, rateURL, strings.Repeat("0", 32)); !set || got != "" {
			t.Errorf("a forged cookie past the limit: response cookie %q (set %v), want it removed", got, set)
		}
		e.clock.Add(10 * time.Minute) // 6 an hour refills one token
		if _, set := getWithDevice(t, rateURL, ""); !set {
			t.Error("no device cookie after the bucket refilled")
		}
	})
}
