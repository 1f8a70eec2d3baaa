package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyi/asr"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/web"
	"minyi/workflow"
)

// spokenDigits writes a number's digits as Chinese numerals, with 1 as 幺,
// the way a phone number is read aloud.
func spokenDigits(number string) string {
	numerals := []rune("零幺二三四五六七八九")
	var b strings.Builder
	for _, d := range number {
		b.WriteRune(numerals[d-'0'])
	}
	return b.String()
}

func TestCitizenPhoneWithSpokenOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		formURL := e.srv.URL + "/c/" + e.code.ID + "/form"
		_, page, _ := citizenGet(t, c, formURL+"?kind=complaint")
		phone := "1" + fakePhone()[1:] // 139…, so its first digit is 幺
		spoken := spokenDigits(phone)
		if !strings.Contains(spoken, "幺") {
			t.Fatalf("spoken form %q lacks 幺", spoken)
		}
		status, page := citizenPost(t, c, formURL, complaintFields(citizenFormKey(t, page), "楼下噪音扰民，我的电话"+spoken+"，请联系", spoken))
		if status != http.StatusOK {
			t.Fatalf("phone %q: status %d, want 200\n%.1500s", spoken, status, page)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), receiptCode(t, page))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(d.Ticket.Body, spoken) || !strings.Contains(d.Ticket.Body, "我的电话[手机号]") {
			t.Errorf("body %q, want the spoken number as [手机号]", d.Ticket.Body)
		}
		// The number was stored: its last four digits open the progress page.
		status, page = citizenPost(t, c, e.srv.URL+"/p", url.Values{"code": {d.Ticket.TrackingCode}, "last4": {phone[7:]}})
		if status != http.StatusOK {
			t.Errorf("progress with the last four digits of %q: status %d, want 200", spoken, status)
		}
	})
}

func TestCitizenTooManyLinksBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		limits := web.DefaultCitizenLimits
		limits.PerDevice = web.Rate{Burst: 0, PerHour: 1} // every post is over the limit
		e := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits})
		c := phoneClient(t)
		code := "/c/" + e.code.ID
		for _, tc := range []struct{ page, post, back string }{
			{code + "/form?kind=suggestion", code + "/form?kind=suggestion", code + "/form?kind=suggestion"},
			{code + "/form", code + "/form", code + "/form"},
			{"/form?kind=help", "/form?kind=help", "/form?kind=help"},
			{code + "/rate", code + "/rate", code + "/rate"},
			{code + "/praise", code + "/praise", code + "/praise"},
			{code + "/rate", code + "/rate/1/complaint", code},
		} {
			_, page, _ := citizenGet(t, c, e.srv.URL+tc.page)
			if strings.HasSuffix(tc.page, "/form") || strings.Contains(tc.page, "/form?") {
				if want := `action="` + tc.post + `"`; !strings.Contains(page, want) {
					t.Errorf("form %s: page lacks %s", tc.page, want)
				}
			}
			status, out := citizenPost(t, c, e.srv.URL+tc.post, complaintFields(citizenFormKey(t, page), "路灯坏了", ""))
			if status != http.StatusTooManyRequests || !strings.Contains(out, "操作太频繁") {
				t.Fatalf("post to %s: status %d, want 429\n%.800s", tc.post, status, out)
			}
			if want := `href="` + tc.back + `" data-back="1"`; !strings.Contains(out, want) {
				t.Errorf("post to %s: 429 page lacks the back link %s\n%.1500s", tc.post, want, out)
			}
		}
	})
}

func TestSharedDeviceRatingNotCalledRepeat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		limits := web.DefaultCitizenLimits
		limits.NewDevicePerAddress = web.Rate{Burst: 1, PerHour: 6} // one token every 10 minutes
		e := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		rate := func(c *http.Client, key int) (int, string, http.Header) {
			_, page, _ := citizenGet(t, c, rateURL)
			if !strings.Contains(page, `id="rate"`) {
				t.Fatalf("rating page missing:\n%.800s", page)
			}
			return citizenPostHeader(t, c, rateURL, url.Values{"rating": {"satisfied"}, "form_key": {fmt.Sprintf("%032x", key)}})
		}
		first, second, third := phoneClient(t), phoneClient(t), phoneClient(t)
		if status, body, _ := rate(first, 1); status != http.StatusOK {
			t.Fatalf("first citizen, own device: status %d\n%.600s", status, body)
		}
		// The address has no new-device token left, so the next two share
		// the device of the address.
		if status, body, _ := rate(second, 2); status != http.StatusOK {
			t.Fatalf("second citizen, shared device: status %d\n%.600s", status, body)
		}
		status, body, h := rate(third, 3)
		if status != http.StatusTooManyRequests {
			t.Fatalf("third citizen, shared device used: status %d, want 429", status)
		}
		if strings.Contains(body, "您已经评价过了") || !strings.Contains(body, "这个网络评价的人较多") ||
			!strings.Contains(body, "改用手机流量") {
			t.Errorf("third citizen's page does not explain the shared network:\n%.1500s", body)
		}
		if ra := h.Get("Retry-After"); ra == "" || ra == "86400" {
			t.Errorf("Retry-After %q, want the wait for a new device", ra)
		}
		if n := countRatings(t, db, e.code.ID); n != 2 {
			t.Errorf("%d ratings stored, want 2: the shared device's second rating is rejected", n)
		}
		// The first citizen's own second rating is a repeat.
		if status, body, _ := rate(first, 4); status != http.StatusTooManyRequests || !strings.Contains(body, "您已经评价过了") {
			t.Errorf("first citizen again: status %d, want 429 with 您已经评价过了\n%.800s", status, body)
		}
		// Once the address may get a new device, the third citizen's browser
		// gets its own on reopening the page, and its rating counts.
		e.clock.Add(10 * time.Minute)
		if status, body, _ := rate(third, 5); status != http.StatusOK {
			t.Errorf("third citizen after the wait: status %d, want 200\n%.600s", status, body)
		}
	})
}

// submitWithPhone files a complaint through the form of the officer's code,
// which goes to the officer's station, and returns its tracking code and
// the phone's last four digits.
func submitWithPhone(t *testing.T, e *citizenEnv) (code, last4 string) {
	t.Helper()
	c := phoneClient(t)
	formURL := e.srv.URL + "/c/" + e.code.ID + "/form"
	_, page, _ := citizenGet(t, c, formURL)
	phone := fakePhone()
	status, page := citizenPost(t, c, formURL, complaintFields(citizenFormKey(t, page), "小区夜间噪音扰民", phone))
	if status != http.StatusOK {
		t.Fatalf("submit: %d\n%.800s", status, page)
	}
	return receiptCode(t, page), phone[len(phone)-4:]
}

func fullWidthASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

func TestProgressLookupNormalisesInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		code, last4 := submitWithPhone(t, e)
		c := phoneClient(t)
		for name, proof := range map[string]url.Values{
			"full-width digits":          {"code": {code}, "last4": {fullWidthASCII(last4)}},
			"lower case with spaces":     {"code": {" " + strings.ToLower(code[:5]) + " " + strings.ToLower(code[5:]) + " "}, "last4": {last4}},
			"full-width code and digits": {"code": {fullWidthASCII(code)}, "last4": {fullWidthASCII(last4)}},
			"hyphen and spaced digits":   {"code": {code[:5] + "-" + code[5:]}, "last4": {last4[:2] + " " + last4[2:]}},
			"copied with a full stop":    {"code": {"查询码：" + code + "。"}, "last4": {last4}},
		} {
			status, page := citizenPost(t, c, e.srv.URL+"/p", proof)
			if status != http.StatusOK || !strings.Contains(page, "查询码：<strong>"+code+"</strong>") {
				t.Errorf("%s: status %d, want the progress page of %s\n%.1000s", name, status, code, page)
			}
		}
		for _, last := range []string{"１２３", "幺幺幺幺"} {
			status, page := citizenPost(t, c, e.srv.URL+"/p", url.Values{"code": {code}, "last4": {last}})
			if status != http.StatusUnprocessableEntity || !strings.Contains(page, "后四位应是 4 个数字") {
				t.Errorf("last four %q: status %d, want 422 saying it needs 4 digits", last, status)
			}
		}
	})
}

func TestWithdrawNeedsConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		code, last4 := submitWithPhone(t, e)
		c := phoneClient(t)
		_, page := citizenPost(t, c, e.srv.URL+"/p", url.Values{"code": {code}, "last4": {last4}})
		if !strings.Contains(page, `name="sure" value="1" required`) {
			t.Errorf("the 我确定要撤回 box is not required:\n%.3000s", page)
		}
		status, page := citizenPost(t, c, e.srv.URL+"/p/act", url.Values{"code": {code}, "last4": {last4}, "action": {"withdraw"},
			"form_key": {citizenFormKey(t, page)}})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("withdraw without the box: status %d, want 422", status)
		}
		if !strings.Contains(page, `id="progress-error">没有撤回`) {
			t.Errorf("withdraw without the box: no message at the top of the page:\n%.3000s", page)
		}
		if !strings.Contains(page, `id="error-sure"`) {
			t.Errorf("withdraw without the box: no message at the box")
		}
		d, err := e.svc.ByTrackingCode(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.State == ticket.Withdrawn {
			t.Errorf("ticket withdrawn without the confirmation")
		}
	})
}

func TestCitizenFormRejectsTextWithoutWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		for _, body := range []string{"？？？！！！", "...!!!", "😡😡😡", "👍\uFE0F", "\u200b"} {
			_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
			status, out := citizenPost(t, c, e.srv.URL+"/form", complaintFields(citizenFormKey(t, page), body, ""))
			if status != http.StatusUnprocessableEntity || !strings.Contains(out, "请用文字写下您要反映的事情") {
				t.Errorf("body %q: status %d, want 422 asking for words\n%.1200s", body, status, out)
			}
		}
		if n := citizenTicketCount(t, db); n != 0 {
			t.Fatalf("%d tickets from texts without words, want 0", n)
		}

		// A photo carries the content.
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		status, out := citizenPost(t, c, e.srv.URL+"/form", complaintFields(citizenFormKey(t, page), "👇👇", ""),
			photoUpload{"p.jpg", orientedJPEG(t, 0)})
		if status != http.StatusOK {
			t.Fatalf("emoji with a photo: status %d, want 200\n%.1200s", status, out)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), receiptCode(t, out))
		if err != nil {
			t.Fatal(err)
		}
		if !workflow.HasWords(d.Ticket.Title) || d.Ticket.Body != "👇👇" {
			t.Errorf("emoji with a photo: title %q body %q, want a title that points to the photo", d.Ticket.Title, d.Ticket.Body)
		}

		// Turning an unsatisfied rating into a complaint checks the text too.
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		_, page, _ = citizenGet(t, c, rateURL)
		_, page = citizenPost(t, c, rateURL, url.Values{"rating": {"unsatisfied"}, "form_key": {citizenFormKey(t, page)}})
		action := regexpFind(page, `action="(/c/[^"]+/complaint)"`)
		if action == "" {
			t.Fatalf("no complaint form after 不满意:\n%.1200s", page)
		}
		status, out = citizenPost(t, c, e.srv.URL+action, url.Values{"form_key": {citizenFormKey(t, page)}, "body": {"！！！"},
			"consent": {"1"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(out, "请用文字写下您要反映的事情") {
			t.Errorf("complaint of punctuation: status %d, want 422 asking for words", status)
		}
	})
}

func TestVoiceWithEmojiAccepted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newVoiceEnv(t, db, "")
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		key := citizenFormKey(t, page)
		if status, _ := uploadVoice(t, c, e.srv.URL, key, asr.EncodeWAV(speechLike(2*time.Second, 16000), 16000, 1)); status != 200 {
			t.Fatalf("voice upload: status %d", status)
		}
		status, out := citizenPost(t, c, e.srv.URL+"/form", complaintFields(key, "🙏", ""))
		if status != http.StatusOK {
			t.Fatalf("emoji with a recording: status %d, want 200\n%.1200s", status, out)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), receiptCode(t, out))
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Title != workflow.VoiceTitle {
			t.Errorf("emoji with a recording: title %q, want %q", d.Ticket.Title, workflow.VoiceTitle)
		}
		if _, err := e.svc.TicketVoice(context.Background(), d.Ticket.ID); err != nil {
			t.Errorf("recording not attached: %v", err)
		}
	})
}

func TestAPIItemRejectsTextWithoutWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		code, body := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "body": "。。。！！！"})
		if code != http.StatusBadRequest || errCode(body) != "invalid_input" {
			t.Errorf("punctuation body: %d %v, want 400 invalid_input", code, body)
		}
	})
}

// TestProgressReplyAsTyped shows a reply with markup to the citizen as text,
// and names the closed state 已办结 only.
func TestProgressReplyAsTyped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		code, last4 := submitWithPhone(t, e)
		d, err := e.svc.ByTrackingCode(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		handleTicket(t, e, d.Ticket.ID, "<b>已整改</b>，<STRONG>请放心</STRONG><br>第二行<script>alert(1)</script>"+
			`<b onclick="x()">不加粗</b><i>斜体</i><b>未闭合`)
		c := phoneClient(t)
		proof := url.Values{"code": {code}, "last4": {last4}}
		_, page := citizenPost(t, c, e.srv.URL+"/p", proof)
		// The citizen gets the reply as staff typed it, as the console shows
		// it: markup is text, never HTML.
		want := `<div class="reply" id="reply">&lt;b&gt;已整改&lt;/b&gt;，&lt;STRONG&gt;请放心&lt;/STRONG&gt;&lt;br&gt;第二行` +
			`&lt;script&gt;alert(1)&lt;/script&gt;`
		if !strings.Contains(page, want) {
			t.Errorf("reply, want\n%s\nin\n%.3000s", want, page)
		}

		// After the rating closes the ticket, the page names the closed state
		// 已办结 only.
		_, page = citizenPost(t, c, e.srv.URL+"/p/act", url.Values{"code": {code}, "last4": {last4}, "action": {"rate"},
			"outcome": {"satisfied"}})
		d, _ = e.svc.ByTrackingCode(context.Background(), code)
		if d.Ticket.State != ticket.Closed {
			t.Fatalf("state %s after 满意, want closed", d.Ticket.State)
		}
		if strings.Contains(page, "结案") || !strings.Contains(page, "已办结") {
			t.Errorf("closed ticket's page mixes terms for the closed state:\n%.3000s", page)
		}
	})
}

// regexpFind returns the first submatch of pattern in s, or "".
func regexpFind(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
