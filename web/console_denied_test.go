package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

// gifData is a one-pixel GIF, a format that reply evidence does not accept.
var gifData = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")

// checkConsoleErrorLayout checks that body is a console error page: the
// console navigation, the Chinese message first, the English block and a
// request id, and nothing of the sign-in layout.
func checkConsoleErrorLayout(t *testing.T, body, message string) {
	t.Helper()
	at := strings.Index(body, `id="error">`+message)
	if at < 0 {
		t.Errorf("page lacks the message %q:\n%s", message, body)
	}
	if !strings.Contains(body, `<nav><a href=`) || !strings.Contains(body, `action="/console/tickets"`) {
		t.Errorf("page lacks the console navigation:\n%s", body)
	}
	if d := strings.Index(body, `<details class="error-en"`); d < at {
		t.Errorf("English block missing or before the Chinese message:\n%s", body)
	}
	if !strings.Contains(body, "请求编号: ") {
		t.Errorf("page lacks the request id:\n%s", body)
	}
	if strings.Contains(body, "返回登录页") {
		t.Errorf("page has the sign-in layout's link:\n%s", body)
	}
}

func TestConsoleDeniedPagesUseConsoleLayout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		dongguan := e.browser(t)
		csrf := dongguan.signIn("dongguan")
		ticketPath := "/console/tickets/" + itoa(s.dongguan.ID)

		t.Run("forbidden page", func(t *testing.T) {
			r := dongguan.get("/console/triage")
			if r.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403", r.status)
			}
			checkConsoleErrorLayout(t, r.body, "您的角色不能执行这项操作。")
		})
		t.Run("missing CSRF token", func(t *testing.T) {
			r := dongguan.post(ticketPath+"/accept", url.Values{"back": {"/console/inbox"}})
			if r.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403", r.status)
			}
			checkConsoleErrorLayout(t, r.body, "页面已过期或表单校验失败")
		})
		t.Run("upload over 32 MB", func(t *testing.T) {
			big := append([]byte("%PDF-1.4\n"), make([]byte, 33<<20)...)
			r := dongguan.postMultipart(ticketPath+"/reply", url.Values{"csrf_token": {csrf}, "reply": {"已处理"}},
				[]upload{{"big.pdf", big}})
			if r.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", r.status)
			}
			checkConsoleErrorLayout(t, r.body, "提交的内容或文件过大。")
			if !strings.Contains(r.body, `id="error-detail">上传的文件合计超过 32 MB。`) {
				t.Errorf("page lacks the Chinese cause:\n%s", r.body)
			}
		})
		t.Run("English page", func(t *testing.T) {
			r := dongguan.get("/console/triage?lang=en")
			if r.status != http.StatusForbidden || !strings.Contains(r.body, `id="error">Your role may not do this.`) {
				t.Fatalf("status %d, want 403 in English:\n%s", r.status, r.body)
			}
			dongguan.get("/console/inbox?lang=zh")
		})
		t.Run("not signed in keeps the sign-in layout", func(t *testing.T) {
			stranger := e.browser(t)
			r := stranger.post("/signin", url.Values{"name": {"dongguan"}, "password": {testPassword}})
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "返回登录页") {
				t.Fatalf("status %d, want 403 with the sign-in layout:\n%s", r.status, r.body)
			}
			if r := stranger.get("/console/triage"); r.status != http.StatusSeeOther ||
				!strings.HasPrefix(r.location, "/signin") {
				t.Errorf("console page without a session: %d to %q, want the sign-in page", r.status, r.location)
			}
		})
	})
}

func TestConsoleReplyAttachmentCauseInChinese(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		dongguan := e.browser(t)
		csrf := dongguan.signIn("dongguan")
		ticketPath := "/console/tickets/" + itoa(s.dongguan.ID)
		if r := dongguan.post(ticketPath+"/accept", url.Values{"csrf_token": {csrf}}); r.status != http.StatusSeeOther {
			t.Fatalf("accept: %d\n%s", r.status, r.body)
		}
		r := dongguan.postMultipart(ticketPath+"/reply", url.Values{"csrf_token": {csrf}, "reply": {"已处理"}},
			[]upload{{"x.gif", gifData}})
		if r.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400:\n%s", r.status, r.body)
		}
		details := strings.Index(r.body, `<details class="error-en"`)
		detail := strings.Index(r.body, `id="error-detail">附件“x.gif”：只能上传 JPEG、PNG 照片或 PDF 文件。`)
		if detail < 0 || detail > details {
			t.Errorf("Chinese part lacks the cause, or it follows the English block:\n%s", r.body)
		}
		english := `file &#34;x.gif&#34;: the file is not a JPEG or PNG photo or a PDF file</code>`
		if c := strings.Index(r.body, english); c < details {
			t.Errorf("English block lacks the English cause:\n%s", r.body)
		}
		if strings.Count(r.body, "只能上传") != 1 {
			t.Errorf("Chinese cause appears other than once, in the Chinese part:\n%s", r.body)
		}
	})
}

func TestAPIKeySchemeAndInvalidKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuthEnv(t, db, web.AuthOptions{})
		secret, err := org.AuthKey(ctx, db, e.prot.Vault())
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := org.CreateAPIKey(ctx, db, secret, "dongguan", "station script", []string{"*"})
		if err != nil {
			t.Fatal(err)
		}
		call := func(header string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/me", nil)
			req.Header.Set("Authorization", header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			return resp.StatusCode, body.Error.Message
		}
		for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
			if status, msg := call(scheme + " " + key); status != http.StatusOK {
				t.Errorf("scheme %q: status %d (%s), want 200", scheme, status, msg)
			}
		}
		wrong := []struct{ name, header string }{
			{"one character changed", "Bearer " + key[:len(key)-1] + "x"},
			{"unknown prefix", "Bearer myk_" + strings.Repeat("A", 43)},
			{"account token form", "bearer not-a-token"},
		}
		var messages []string
		for _, w := range wrong {
			status, msg := call(w.header)
			if status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", w.name, status)
			}
			if !strings.Contains(msg, "invalid API key") || strings.Contains(msg, "sign-in required") {
				t.Errorf("%s: message %q, want one about an invalid API key", w.name, msg)
			}
			messages = append(messages, msg)
		}
		for _, m := range messages[1:] {
			if m != messages[0] {
				t.Errorf("messages differ between wrong keys: %q", messages)
			}
		}
		if status, msg := call("Basic " + key); status != http.StatusUnauthorized || !strings.Contains(msg, "sign-in required") {
			t.Errorf("another scheme: %d %q, want 401 asking for a sign-in", status, msg)
		}
	})
}
