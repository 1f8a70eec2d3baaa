package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

// TestConsoleErrorPage checks that an error page states the error in
// Chinese first, with the cause in Chinese where it is known, and keeps the
// English in a details element. A page in English shows English only.
func TestConsoleErrorPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)

		centre := e.browser(t)
		centre.signIn("centre1")
		csrf := formToken(t, centre.get("/console/triage").body)
		dispatchPath := "/console/tickets/" + itoa(s.triage.ID) + "/dispatch"
		noUnit := url.Values{"csrf_token": {csrf}, "unit": {""}, "back": {"/console/triage"}}

		dongguan := e.browser(t)
		dongguan.signIn("dongguan")
		acceptPath := "/console/tickets/" + itoa(s.dongguan.ID) + "/accept"
		dgCSRF := formToken(t, dongguan.get("/console/inbox").body)
		accept := url.Values{"csrf_token": {dgCSRF}, "back": {"/console/inbox"}}
		if r := dongguan.post(acceptPath, accept); r.status != http.StatusSeeOther {
			t.Fatalf("first accept: %d", r.status)
		}

		tests := []struct {
			name        string
			run         func() reply
			status      int
			message     string // the Chinese class message
			detail      string // the Chinese cause; "" means none
			english     string // the English class message in the details element
			cause       string // part of the English cause; "" means the cause is hidden
			hiddenCause string // text that must not show
		}{
			{name: "invalid input", run: func() reply { return centre.post(dispatchPath, noUnit) },
				status: http.StatusBadRequest, message: "填写的内容不完整或有误。", detail: "请选择单位。",
				english: "Something in the form is missing or wrong.", cause: "not found"},
			{name: "transition", run: func() reply { return dongguan.post(acceptPath, accept) },
				status: http.StatusConflict, message: "工单当前状态下不能执行这项操作", detail: "工单处于“已签收”状态，不能执行“签收”。",
				english: "The ticket&#39;s state does not allow this", cause: "cannot accept a ticket in state accepted"},
			{name: "not found", run: func() reply { return centre.get("/console/tickets/99999999") },
				status: http.StatusNotFound, message: "没有找到要查看的内容，或您无权查看。",
				english: "Not found, or you may not see it.", hiddenCause: "not found</code>"},
			{name: "out of scope looks like not found", run: func() reply {
				return dongguan.get("/console/tickets/" + itoa(s.binjiang.ID))
			}, status: http.StatusNotFound, message: "没有找到要查看的内容，或您无权查看。",
				english: "Not found, or you may not see it.", hiddenCause: "outside the actor"},
			{name: "invalid date on the routing page", run: func() reply { return centre.get("/console/routing?from=yesterday") },
				status: http.StatusBadRequest, message: "填写的内容不完整或有误。", detail: "起始日期“yesterday”应为 2000 至 2999 年间的日期，格式 YYYY-MM-DD。",
				english: "Something in the form is missing or wrong.", cause: "is not a day YYYY-MM-DD from 2000-01-01 to 2999-12-31"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.run()
				if r.status != tc.status {
					t.Fatalf("status %d, want %d:\n%s", r.status, tc.status, r.body)
				}
				at := strings.Index(r.body, `id="error">`+tc.message)
				if at < 0 {
					t.Errorf("page lacks the message %q:\n%s", tc.message, r.body)
				}
				details := strings.Index(r.body, `<details class="error-en"`)
				if details < at {
					t.Errorf("English details missing or before the Chinese message:\n%s", r.body)
				}
				if !strings.Contains(r.body, tc.english) {
					t.Errorf("page lacks the English %q", tc.english)
				}
				if tc.detail != "" {
					d := strings.Index(r.body, `id="error-detail">`+tc.detail)
					if d < 0 || d > details {
						t.Errorf("page lacks the Chinese cause %q before the English:\n%s", tc.detail, r.body)
					}
				} else if strings.Contains(r.body, `id="error-detail"`) {
					t.Error("page shows a Chinese cause, want none")
				}
				c := strings.Index(r.body, `id="error-cause">`)
				switch {
				case tc.cause != "" && (c < details || !strings.Contains(r.body[c:], tc.cause)):
					t.Errorf("English cause %q missing or outside the details:\n%s", tc.cause, r.body)
				case tc.cause == "" && c >= 0:
					t.Errorf("page shows a cause, want it hidden:\n%s", r.body)
				}
				if tc.hiddenCause != "" && strings.Contains(r.body, tc.hiddenCause) {
					t.Errorf("page shows %q", tc.hiddenCause)
				}
			})
		}

		t.Run("search page", func(t *testing.T) {
			r := centre.get("/search?from=yesterday")
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", r.status)
			}
			want := "起始日期“yesterday”应为 2000 至 2999 年间的日期，格式 YYYY-MM-DD。（from &#34;yesterday&#34; is not a day YYYY-MM-DD from 2000-01-01 to 2999-12-31）"
			if !strings.Contains(r.body, want) {
				t.Errorf("search page lacks %q:\n%s", want, r.body)
			}
		})

		t.Run("English page", func(t *testing.T) {
			if r := centre.get("/console/triage?lang=en"); r.status != http.StatusOK {
				t.Fatalf("switch to English: %d", r.status)
			}
			r := centre.post(dispatchPath, noUnit)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", r.status)
			}
			if !strings.Contains(r.body, `id="error">Something in the form is missing or wrong.`) {
				t.Errorf("page lacks the English message:\n%s", r.body)
			}
			if !strings.Contains(r.body, "invalid input: unit &#34;&#34; not found</code>") {
				t.Errorf("page lacks the English cause:\n%s", r.body)
			}
			if strings.Contains(r.body, "error-detail") || strings.Contains(r.body, "error-en") {
				t.Errorf("English page shows the Chinese cause or a second English block:\n%s", r.body)
			}
		})
	})
}
