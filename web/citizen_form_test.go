package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

// TestCitizenOfficerFormNoDefaultAbout checks that the form of an officer's
// code leaves "您投诉的是" unchosen, that a complaint without a choice comes
// back with a message, and that choosing 其他事情 files no conduct complaint.
func TestCitizenOfficerFormNoDefaultAbout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		formURL := e.srv.URL + "/c/" + e.code.ID + "/form"
		status, page, _ := citizenGet(t, c, formURL+"?kind=complaint")
		if status != http.StatusOK {
			t.Fatalf("form: status %d", status)
		}
		if regexp.MustCompile(`name="about" value="[a-z]+" checked`).MatchString(page) {
			t.Errorf("a choice of 您投诉的是 is pre-selected:\n%.3000s", page)
		}
		if !strings.Contains(page, "请选择您投诉的是") {
			t.Errorf("form lacks the prompt 请选择")
		}

		key := citizenFormKey(t, page)
		fields := url.Values{"form_key": {key}, "kind": {"投诉"}, "body": {"楼下烧烤店夜间噪音扰民"}, "consent": {"1"}}
		status, page = citizenPost(t, c, formURL, fields)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("complaint without about: status %d, want 422", status)
		}
		if !strings.Contains(page, `id="error-about"`) || !strings.Contains(page, "请选择您投诉的是这位民警") {
			t.Errorf("no message on the missing choice:\n%.3000s", page)
		}
		if !strings.Contains(page, "楼下烧烤店夜间噪音扰民") {
			t.Errorf("the text was not kept")
		}
		if n := citizenTicketCount(t, db); n != 0 {
			t.Fatalf("%d tickets after a rejected form, want 0", n)
		}

		fields.Set("about", "other")
		status, page = citizenPost(t, c, formURL, fields)
		if status != http.StatusOK {
			t.Fatalf("complaint about other things: status %d\n%.1500s", status, page)
		}
		d, err := e.svc.ByTrackingCode(t.Context(), receiptCode(t, page))
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.OfficerID != "" {
			t.Errorf("complaint about other things names officer %q", d.Ticket.OfficerID)
		}

		// A suggestion through the same code needs no choice.
		_, page, _ = citizenGet(t, c, formURL+"?kind=suggestion")
		status, _ = citizenPost(t, c, formURL, url.Values{"form_key": {citizenFormKey(t, page)}, "kind": {"建议"},
			"body": {"建议增加夜间巡逻"}, "consent": {"1"}})
		if status != http.StatusOK {
			t.Errorf("suggestion without about: status %d, want 200", status)
		}
	})
}

// TestCitizenFormKeepsPhoneOnError checks that a form sent back with an
// error keeps the phone: a valid number masked and sealed, a rejected one as
// typed so the citizen can correct it, and never cached.
func TestCitizenFormKeepsPhoneOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		key := citizenFormKey(t, page)
		post := func(fields url.Values) (int, string, http.Header) {
			t.Helper()
			resp, err := c.PostForm(e.srv.URL+"/form", fields)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b), resp.Header
		}

		phone := fakePhone()
		status, page, h := post(url.Values{"form_key": {key}, "kind": {"求助"}, "body": {"钱包丢了"}, "phone": {phone}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="error-consent"`) {
			t.Fatalf("consent not ticked: status %d", status)
		}
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
		if !strings.Contains(page, `id="phone-kept"`) || !strings.Contains(page, `name="phone_sealed"`) {
			t.Errorf("valid phone not kept after the consent error:\n%.3000s", page)
		}

		typo := phone[:10] // one digit short
		status, page, h = post(url.Values{"form_key": {key}, "kind": {"求助"}, "body": {"钱包丢了"}, "phone": {typo},
			"consent": {"1"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="error-phone"`) {
			t.Fatalf("short phone: status %d", status)
		}
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
		if !strings.Contains(page, `name="phone" value="`+typo+`"`) {
			t.Errorf("rejected phone not put back for correction:\n%.3000s", page)
		}
	})
}
