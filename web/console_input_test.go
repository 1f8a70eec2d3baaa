package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
)

// TestConsoleLookupNormalizes checks that the lookup box finds a ticket by
// the number as the console prints it, in full-width digits, and by its
// tracking code in lower case and in groups.
func TestConsoleLookupNormalizes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		id := itoa(s.dongguan.ID)
		want := "/console/tickets/" + id
		code := s.dongguan.TrackingCode
		fullWidth := strings.Map(func(r rune) rune { return r - '0' + '０' }, id)

		centre := e.browser(t)
		centre.signIn("centre1")
		for _, text := range []string{id, "#" + id, "＃" + id, " #" + id + " ", fullWidth, "#" + fullWidth, code,
			strings.ToLower(code), code[:4] + " " + code[4:8] + " " + code[8:], "  " + strings.ToLower(code[:5]) + "　" + code[5:]} {
			r := centre.get("/console/tickets?id=" + url.QueryEscape(text))
			if r.status != http.StatusSeeOther || r.location != want {
				t.Errorf("lookup %q: status %d, location %q, want 303 to %s", text, r.status, r.location, want)
			}
		}
		for _, text := range []string{"abc", "#", "-5"} {
			if r := centre.get("/console/tickets?id=" + url.QueryEscape(text)); r.status != http.StatusNotFound {
				t.Errorf("lookup %q: status %d, want 404", text, r.status)
			}
		}
	})
}

// TestConsoleFormNumbersAndDates checks that the merge number accepts
// full-width digits and a leading #, and that a bad number or date gets its
// cause in Chinese.
func TestConsoleFormNumbersAndDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		centre := e.browser(t)
		centre.signIn("centre1")
		csrf := formToken(t, centre.get("/console/triage").body)
		mergePath := "/console/tickets/" + itoa(s.triage.ID) + "/merge"
		supervisePath := "/console/tickets/" + itoa(s.dongguan.ID) + "/supervise"

		bad := []struct {
			name, path, field, value, detail string
		}{
			{"letters", mergePath, "into", "abc", "工单编号“abc”无效"},
			{"full-width letters", mergePath, "into", "ａｂｃ", "工单编号“ａｂｃ”无效"},
			{"zero", mergePath, "into", "#0", "工单编号“#0”无效"},
			{"date in words", supervisePath, "due", "next week", "时间“next week”格式有误"},
			{"date with slashes", supervisePath, "due", "2026/12/05 18:00", "时间“2026/12/05 18:00”格式有误，应为“年-月-日 时:分”"},
		}
		for _, tc := range bad {
			r := centre.post(tc.path, url.Values{"csrf_token": {csrf}, tc.field: {tc.value}, "back": {"/console/triage"}})
			if r.status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", tc.name, r.status)
			}
			if !strings.Contains(r.body, `id="error-detail">`+tc.detail) {
				t.Errorf("%s: page lacks the Chinese detail %q:\n%.1200s", tc.name, tc.detail, r.body)
			}
		}

		// A full-width date for the supervision deadline, a week ahead.
		due := e.clock.Now().Add(7 * 24 * time.Hour).Format("2006-01-02 15:04")
		due = strings.Map(func(r rune) rune {
			switch {
			case r >= '0' && r <= '9':
				return r - '0' + '０'
			case r == ':':
				return '：'
			}
			return r
		}, due)
		r := centre.post(supervisePath, url.Values{"csrf_token": {csrf}, "due": {due}, "back": {"/console/triage"}})
		if r.status != http.StatusSeeOther {
			t.Errorf("supervise with full-width due %q: status %d:\n%.800s", due, r.status, r.body)
		}

		// Merge into "＃" and full-width digits of the Dongguan ticket.
		into := "＃" + strings.Map(func(r rune) rune { return r - '0' + '０' }, itoa(s.dongguan.ID))
		r = centre.post(mergePath, url.Values{"csrf_token": {csrf}, "into": {into}, "back": {"/console/triage"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("merge into %q: status %d:\n%.800s", into, r.status, r.body)
		}
		var mergedInto int64
		if err := db.QueryRowContext(context.Background(), `SELECT state, merged_into FROM tickets WHERE id = ?`,
			s.triage.ID).Scan(new(string), &mergedInto); err != nil {
			t.Fatal(err)
		}
		if state, _ := ticketRow(t, db, s.triage.ID); state != string(ticket.Merged) || mergedInto != s.dongguan.ID {
			t.Errorf("after merge: state %s, merged into %d, want merged into %d", state, mergedInto, s.dongguan.ID)
		}
	})
}

// TestConsoleReasonLanguage checks that the router's triage reason, stored
// in Chinese and English, shows in the page's language only, and that the
// channel shows by its name in both languages.
func TestConsoleReasonLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		const zhReason, enReason = "没有派单规则能安排“噪声扰民”", `no routing rule places tag &#34;噪声扰民&#34;`
		var stored string
		if err := db.QueryRowContext(context.Background(), `SELECT triage_reason FROM tickets WHERE id = ?`,
			s.triage.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stored, "（no routing rule") {
			t.Fatalf("stored triage reason %q is not the bilingual one this test expects", stored)
		}

		centre := e.browser(t)
		centre.signIn("centre1")
		ticketPage := "/console/tickets/" + itoa(s.triage.ID)
		pages := []struct {
			name, path, want, notWant, channel, rawChannel string
		}{
			{"triage, Chinese", "/console/triage?lang=zh", zhReason, "no routing rule", "扫码", "<small>qr</small>"},
			{"ticket, Chinese", ticketPage + "?lang=zh", zhReason, "no routing rule", `<td id="channel">扫码</td>`, ""},
			{"triage, English", "/console/triage?lang=en", enReason, "没有派单规则", "QR code", "<small>qr</small>"},
			{"ticket, English", ticketPage + "?lang=en", enReason, "没有派单规则", `<td id="channel">QR code</td>`, ""},
		}
		for _, p := range pages {
			r := centre.get(p.path)
			if r.status != http.StatusOK {
				t.Fatalf("%s: status %d", p.name, r.status)
			}
			if !strings.Contains(r.body, p.want) {
				t.Errorf("%s: page lacks the reason %q", p.name, p.want)
			}
			if strings.Contains(r.body, p.notWant) {
				t.Errorf("%s: page contains the other language: %q", p.name, p.notWant)
			}
			if !strings.Contains(r.body, p.channel) {
				t.Errorf("%s: page lacks the channel name %q", p.name, p.channel)
			}
			if p.rawChannel != "" && strings.Contains(r.body, p.rawChannel) {
				t.Errorf("%s: page shows the channel id %q", p.name, p.rawChannel)
			}
		}
	})
}
