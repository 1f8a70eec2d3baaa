package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyi/classify"
	"minyi/evaluate"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/web"
	"minyi/workflow"
)

type citizenEnv struct {
	srv   *httptest.Server
	svc   *workflow.Service
	db    *store.DB
	prof  *profile.Profile
	prot  *privacy.Protector // the server's keys, which sign device cookies
	admin string
	code  evaluate.Code // officer o001 of 东关派出所
	clock *testClock
}

func newCitizenEnv(t *testing.T, db *store.DB, opts web.CitizenOptions) *citizenEnv {
	t.Helper()
	ctx := context.Background()
	svc, p := newPoliceService(t, db, workflow.Options{Tagger: fixedTagger{}, Urgency: classify.Urgent})
	clock := &testClock{now: time.Now()}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	keys, err := privacy.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	e := &citizenEnv{svc: svc, db: db, prof: p, prot: prot, clock: clock}
	e.admin, err = org.IssueToken(ctx, db, "admin")
	if err != nil {
		t.Fatal(err)
	}
	e.code, err = evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerOfficer, OwnerID: "o001"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(web.New(web.Options{Service: svc, DB: db, Profile: p, Citizen: opts, Protector: prot}))
	t.Cleanup(e.srv.Close)
	return e
}

// phoneClient returns an HTTP client with its own cookie jar: one phone.
func phoneClient(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func citizenGet(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

type photoUpload struct {
	name string
	data []byte
}

func citizenPost(t *testing.T, c *http.Client, u string, fields url.Values, files ...photoUpload) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile("photo", f.name)
		_, _ = fw.Write(f.data)
	}
	mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	citizenKeyRE   = regexp.MustCompile(`name="form_key" value="([0-9a-f]{32})"`)
	trackingCodeRE = regexp.MustCompile(`id="tracking-code">([0-9A-Z]{10})<`)
)

func citizenFormKey(t *testing.T, page string) string {
	t.Helper()
	m := citizenKeyRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form key in page:\n%.600s", page)
	}
	return m[1]
}

func receiptCode(t *testing.T, page string) string {
	t.Helper()
	m := trackingCodeRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no tracking code in page:\n%.1500s", page)
	}
	return m[1]
}

// fakePhone returns a generated mobile number, never a real one from data.
func fakePhone() string {
	return fmt.Sprintf("139%08d", rand.IntN(100000000))
}

func citizenTicketCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func complaintFields(key, body, phone string) url.Values {
	return url.Values{"form_key": {key}, "kind": {"投诉"}, "about": {"other"}, "body": {body}, "phone": {phone},
		"consent": {"1"}}
}

func TestCitizenDoubleSubmitCreatesOneTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		formURL := e.srv.URL + "/c/" + e.code.ID + "/form?kind=complaint"
		_, page, _ := citizenGet(t, c, formURL)
		key := citizenFormKey(t, page)
		fields := complaintFields(key, "东关大街夜间施工噪音扰民", fakePhone())
		photo := photoUpload{"a.jpg", orientedJPEG(t, 0)}
		var codes []string
		for i := 0; i < 3; i++ { // a double tap and a reload
			status, body := citizenPost(t, c, e.srv.URL+"/c/"+e.code.ID+"/form", fields, photo)
			if status != http.StatusOK {
				t.Fatalf("post %d: %d\n%.800s", i, status, body)
			}
			codes = append(codes, receiptCode(t, body))
		}
		if codes[0] != codes[1] || codes[1] != codes[2] {
			t.Fatalf("tracking codes differ: %v", codes)
		}
		if n := citizenTicketCount(t, db); n != 1 {
			t.Fatalf("tickets = %d, want 1", n)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), codes[0])
		if err != nil {
			t.Fatal(err)
		}
		if photos, _ := e.svc.TicketPhotos(context.Background(), d.Ticket.ID); len(photos) != 1 {
			t.Fatalf("photos = %d, want 1", len(photos))
		}
		changed := complaintFields(key, "内容改了", fields.Get("phone"))
		status, body := citizenPost(t, c, e.srv.URL+"/c/"+e.code.ID+"/form", changed, photo)
		if status != http.StatusConflict || !strings.Contains(body, "已经提交过") {
			t.Fatalf("same key, other body: %d\n%.600s", status, body)
		}
		if n := citizenTicketCount(t, db); n != 1 {
			t.Fatalf("tickets after a reused key = %d, want 1", n)
		}
	})
}

func TestCitizenRevokedCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		if _, err := evaluate.Revoke(context.Background(), db, e.code.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		c := phoneClient(t)
		for _, path := range []string{"", "/form?kind=complaint", "/rate", "/praise"} {
			status, body, _ := citizenGet(t, c, e.srv.URL+"/c/"+e.code.ID+path)
			if status != http.StatusGone || !strings.Contains(body, "此二维码已停用") || !strings.Contains(body, `href="/form"`) {
				t.Fatalf("GET %s: %d\n%.600s", path, status, body)
			}
		}
		status, body := citizenPost(t, c, e.srv.URL+"/c/"+e.code.ID+"/rate", url.Values{"rating": {"satisfied"}})
		if status != http.StatusGone || !strings.Contains(body, "已停用") {
			t.Fatalf("rate a revoked code: %d", status)
		}
		if status, _, _ := citizenGet(t, c, e.srv.URL+"/c/"+e.code.ID+"/qr.png"); status != http.StatusNotFound {
			t.Fatalf("png of a revoked code: %d", status)
		}
		// The general form still works.
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		status, body = citizenPost(t, c, e.srv.URL+"/form", complaintFields(citizenFormKey(t, page), "窗口排队太久", ""))
		if status != http.StatusOK || receiptCode(t, body) == "" {
			t.Fatalf("general form: %d", status)
		}
	})
}

func TestCitizenRejectsBadPhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		big := append(orientedJPEG(t, 0), make([]byte, 5<<20)...)
		cases := []struct {
			name string
			file photoUpload
			want string
		}{
			{"text as jpeg", photoUpload{"fake.jpg", []byte("this is not an image at all")}, "只能上传 JPEG 或 PNG"},
			{"gif", photoUpload{"a.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")}, "只能上传 JPEG 或 PNG"},
			{"broken jpeg", photoUpload{"b.jpg", []byte("\xff\xd8\xff\xe0garbage")}, "已损坏"},
			{"oversized", photoUpload{"big.jpg", big}, "超过 5 MB"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
				body := "我的 <b>反映</b> 内容"
				status, out := citizenPost(t, c, e.srv.URL+"/form", complaintFields(citizenFormKey(t, page), body, ""), tc.file)
				if status != http.StatusUnprocessableEntity || !strings.Contains(out, tc.want) {
					t.Fatalf("status %d, want 422 and %q:\n%.1500s", status, tc.want, out)
				}
				if !strings.Contains(out, "我的 &lt;b&gt;反映&lt;/b&gt; 内容") {
					t.Fatalf("typed text lost or unescaped:\n%.1500s", out)
				}
			})
		}
		if n := citizenTicketCount(t, db); n != 0 {
			t.Fatalf("tickets = %d after rejected photos", n)
		}
	})
}

func TestCitizenPhotoStoredUprightWithoutEXIF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		src := orientedJPEG(t, 6)
		if !bytes.Contains(src, []byte("Exif")) || !bytes.Contains(src, []byte("GPS")) {
			t.Fatal("test photo lacks its EXIF segment")
		}
		status, out := citizenPost(t, c, e.srv.URL+"/form", complaintFields(citizenFormKey(t, page), "路灯坏了", ""), photoUpload{"p.jpg", src})
		if status != http.StatusOK {
			t.Fatalf("post: %d\n%.800s", status, out)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), receiptCode(t, out))
		if err != nil {
			t.Fatal(err)
		}
		list, err := e.svc.TicketPhotos(context.Background(), d.Ticket.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("photos = %v, %v", list, err)
		}
		p, err := e.svc.PhotoByID(context.Background(), list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(p.Data, []byte("Exif")) || bytes.Contains(p.Data, []byte("GPS")) || bytes.Contains(p.Data, []byte{0xFF, 0xE1}) {
			t.Fatal("stored photo still carries EXIF")
		}
		img, err := jpeg.Decode(bytes.NewReader(p.Data))
		if err != nil {
			t.Fatal(err)
		}
		// The source is 40×20, red on the left and blue on the right, tagged
		// "turn 90° clockwise": upright it is 20×40, red on top.
		if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
			t.Fatalf("stored size %v, want 20×40", b)
		}
		if !redPixel(img.At(10, 5)) || !bluePixel(img.At(10, 35)) {
			t.Fatalf("stored photo is not upright: top %v, bottom %v", img.At(10, 5), img.At(10, 35))
		}
	})
}

func TestCitizenRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		limits := web.DefaultCitizenLimits
		limits.PerDevice = web.Rate{Burst: 3, PerHour: 30}
		limits.PerCodeAddress = web.Rate{Burst: 40, PerHour: 600}
		// The hall below exceeds the address's default caps on purpose.
		limits.NewDevicePerAddress = web.Rate{Burst: 100, PerHour: 600}
		limits.RatingsPerAddress = 50
		e := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits})
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		one := phoneClient(t)
		citizenGet(t, one, rateURL)
		var statuses []int
		for i := 0; i < 4; i++ {
			status, _ := citizenPost(t, one, rateURL, url.Values{"rating": {"bogus"}})
			statuses = append(statuses, status)
		}
		if statuses[2] != http.StatusUnprocessableEntity || statuses[3] != http.StatusTooManyRequests {
			t.Fatalf("one device, 4 posts: %v", statuses)
		}
		e.clock.Add(10 * time.Minute) // 30 an hour refills 5 tokens
		if status, _ := citizenPost(t, one, rateURL, url.Values{"rating": {"bogus"}}); status == http.StatusTooManyRequests {
			t.Fatal("device still limited after the bucket refilled")
		}
		// A service hall: 35 phones behind one address each rate once.
		for i := 0; i < 35; i++ {
			phone := phoneClient(t)
			citizenGet(t, phone, rateURL) // opening the page sets the device cookie
			status, body := citizenPost(t, phone, rateURL, url.Values{"rating": {"satisfied"}, "form_key": {fmt.Sprintf("%032x", i+1)}})
			if status != http.StatusOK {
				t.Fatalf("phone %d in the hall: %d\n%.400s", i, status, body)
			}
		}
		// This address's bucket for the code, 40 tokens, has 4 left (3 + 1 + 35
		// posts so far), whatever the device and although the address's own
		// bucket has tokens to spare.
		for i := 0; i < 5; i++ {
			phone := phoneClient(t)
			citizenGet(t, phone, rateURL)
			status, _ := citizenPost(t, phone, rateURL, url.Values{"rating": {"bogus"}})
			if limited := status == http.StatusTooManyRequests; limited != (i == 4) {
				t.Fatalf("post %d on a nearly spent code: status %d", i, status)
			}
		}
	})
}

func TestCitizenOneRatingPerDevicePerOfficer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{RatingPeriod: time.Hour})
		c := phoneClient(t)
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		_, page, _ := citizenGet(t, c, rateURL)
		if status, body := citizenPost(t, c, rateURL, url.Values{"rating": {"satisfied"}, "form_key": {citizenFormKey(t, page)}}); status != http.StatusOK {
			t.Fatalf("first rating: %d\n%.400s", status, body)
		}
		// A second code of the same officer does not reset the rule.
		second, _ := evaluate.Create(context.Background(), db, evaluate.NewCode{OwnerType: evaluate.OwnerOfficer, OwnerID: "o001"}, time.Now())
		status, body := citizenPost(t, c, e.srv.URL+"/c/"+second.ID+"/rate", url.Values{"rating": {"basic"}, "form_key": {strings.Repeat("a", 32)}})
		if status != http.StatusTooManyRequests || !strings.Contains(body, "已经评价过") {
			t.Fatalf("second rating within the period: %d", status)
		}
		e.clock.Add(61 * time.Minute)
		if status, _ := citizenPost(t, c, rateURL, url.Values{"rating": {"basic"}, "form_key": {strings.Repeat("b", 32)}}); status != http.StatusOK {
			t.Fatalf("rating after the period: %d", status)
		}
	})
}

func TestCitizenProgressFlowAndPhoneNeverShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		station, _ := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerUnit, OwnerID: "ps-dongguan"}, time.Now())
		c := phoneClient(t)
		phone := fakePhone()
		last4 := phone[len(phone)-4:]
		var pages []string
		formURL := e.srv.URL + "/c/" + station.ID + "/form"
		_, page, _ := citizenGet(t, c, formURL+"?kind=complaint")
		key := citizenFormKey(t, page)
		// An error round: the phone is kept, but only masked in the page.
		status, page := citizenPost(t, c, formURL, url.Values{"form_key": {key}, "kind": {"投诉"}, "body": {""}, "phone": {phone},
			"consent": {"1"}})
		pages = append(pages, page)
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, "请写下您要反映的事情") {
			t.Fatalf("empty body: %d", status)
		}
		sealed := regexp.MustCompile(`name="phone_sealed" value="([^"]+)"`).FindStringSubmatch(page)
		if sealed == nil || !strings.Contains(page, phone[:3]+"****"+last4) {
			t.Fatalf("kept phone missing:\n%.2000s", page)
		}
		status, page = citizenPost(t, c, formURL, url.Values{"form_key": {key}, "kind": {"投诉"}, "body": {"小区夜间噪音扰民"},
			"phone_sealed": {sealed[1]}, "consent": {"1"}})
		pages = append(pages, page)
		if status != http.StatusOK {
			t.Fatalf("submit: %d\n%.800s", status, page)
		}
		code := receiptCode(t, page)
		status, page = citizenPost(t, c, e.srv.URL+"/p", url.Values{"code": {code}, "last4": {"0000"}})
		if status != http.StatusNotFound || !strings.Contains(page, "不对") {
			t.Fatalf("wrong digits: %d", status)
		}
		status, page = citizenPost(t, c, e.srv.URL+"/p", url.Values{"code": {strings.ToLower(code)}, "last4": {last4}})
		pages = append(pages, page)
		if status != http.StatusOK || !strings.Contains(page, "已派至东关派出所") {
			t.Fatalf("progress: %d\n%.1500s", status, page)
		}
		d, _ := e.svc.ByTrackingCode(ctx, code)
		handleTicket(t, e, d.Ticket.ID, "已与施工方沟通，夜间停止施工。")
		proof := url.Values{"code": {code}, "last4": {last4}}
		_, page = citizenPost(t, c, e.srv.URL+"/p", proof)
		if !strings.Contains(page, "已与施工方沟通") || !strings.Contains(page, `id="rate-result"`) {
			t.Fatalf("reply or rating form missing:\n%.2500s", page)
		}
		act := url.Values{"code": {code}, "last4": {last4}, "action": {"rate"}, "outcome": {"unsatisfied"}, "comment": {"仍有噪音"}}
		status, page = citizenPost(t, c, e.srv.URL+"/p/act", act)
		pages = append(pages, page)
		if status != http.StatusOK || !strings.Contains(page, "重新办理") {
			t.Fatalf("unsatisfied rating: %d\n%.1500s", status, page)
		}
		d, _ = e.svc.ByTrackingCode(ctx, code)
		if d.Ticket.State != ticket.Dispatched || d.Ticket.ReopenCount != 1 {
			t.Fatalf("after 不满意: state %s, reopened %d", d.Ticket.State, d.Ticket.ReopenCount)
		}
		sup := url.Values{"code": {code}, "last4": {last4}, "action": {"supplement"}, "text": {"晚上十点后最吵"},
			"form_key": {citizenFormKey(t, page)}}
		for i := 0; i < 2; i++ { // a double tap adds the information once
			status, page = citizenPost(t, c, e.srv.URL+"/p/act", sup)
			if status != http.StatusOK || strings.Count(page, "您补充了情况") != 1 || !strings.Contains(page, "补充内容已送交") {
				t.Fatalf("supplement %d: %d\n%.2500s", i, status, page)
			}
		}
		sup.Set("text", "换了内容")
		if status, _ = citizenPost(t, c, e.srv.URL+"/p/act", sup); status != http.StatusConflict {
			t.Fatalf("same key, other text: %d", status)
		}
		wd := url.Values{"code": {code}, "last4": {last4}, "action": {"withdraw"}, "sure": {"1"}}
		if status, page = citizenPost(t, c, e.srv.URL+"/p/act", wd); status != http.StatusOK || !strings.Contains(page, "已撤回") {
			t.Fatalf("withdraw: %d", status)
		}
		pages = append(pages, page)
		for i, p := range pages {
			if strings.Contains(p, phone) || strings.Contains(p, phone[3:]) {
				t.Fatalf("page %d shows the phone number in full", i)
			}
		}
	})
}

// handleTicket drives a ticket through accept, reply and review as staff.
func handleTicket(t *testing.T, e *citizenEnv, id int64, reply string) {
	t.Helper()
	ctx := context.Background()
	actor := func(name string) ticket.Actor {
		a, err := org.AccountByName(ctx, e.db, name)
		if err != nil {
			t.Fatal(err)
		}
		return a.Actor()
	}
	d, _ := e.svc.Get(ctx, ticket.System, id, "test")
	handler := "dongguan"
	if d.Ticket.UnitID == "ducha" {
		handler = "ducha"
	}
	steps := []workflow.Command{
		{TicketID: id, Actor: actor(handler), Action: ticket.ActAccept},
		{TicketID: id, Actor: actor(handler), Action: ticket.ActReply, Input: ticket.Input{Reply: reply}},
		{TicketID: id, Actor: actor("centre1"), Action: ticket.ActApprove},
	}
	for _, s := range steps {
		if _, err := e.svc.Act(ctx, s); err != nil {
			t.Fatalf("%s: %v", s.Action, err)
		}
	}
}

func TestCitizenUnsatisfiedRatingBecomesConductComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		rateURL := e.srv.URL + "/c/" + e.code.ID + "/rate"
		_, page, _ := citizenGet(t, c, rateURL)
		status, page := citizenPost(t, c, rateURL, url.Values{"rating": {"unsatisfied"}, "comment": {"态度生硬"}, "form_key": {citizenFormKey(t, page)}})
		if status != http.StatusOK || !strings.Contains(page, `id="to-complaint"`) {
			t.Fatalf("unsatisfied rating: %d\n%.1500s", status, page)
		}
		action := regexp.MustCompile(`action="(/c/[^"]+/complaint)"`).FindStringSubmatch(page)
		if action == nil {
			t.Fatal("no complaintFields form")
		}
		// Another device cannot turn this rating into a complaint.
		other := phoneClient(t)
		if status, _ := citizenPost(t, other, e.srv.URL+action[1], url.Values{"form_key": {citizenFormKey(t, page)}, "body": {"x"}, "consent": {"1"}}); status != http.StatusNotFound {
			t.Fatalf("other device: %d", status)
		}
		status, page = citizenPost(t, c, e.srv.URL+action[1], url.Values{"form_key": {citizenFormKey(t, page)}, "body": {"态度生硬，不听解释"},
			"phone": {fakePhone()}, "consent": {"1"}})
		if status != http.StatusOK {
			t.Fatalf("complaint: %d\n%.1500s", status, page)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), receiptCode(t, page))
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.UnitID != e.prof.DisciplineUnit || d.Ticket.OfficerID != "o001" || d.Ticket.Kind != "投诉" {
			t.Fatalf("complaint went to %s about %q kind %q", d.Ticket.UnitID, d.Ticket.OfficerID, d.Ticket.Kind)
		}
		recent, err := evaluate.Recent(context.Background(), db, evaluate.Scope{OfficerID: "o001"}, evaluate.KindRating, 10)
		if err != nil || len(recent) != 1 || recent[0].Comment != "" {
			t.Fatalf("officer view of the rating = %+v, %v", recent, err)
		}
	})
}

func TestCitizenPagesSecurityHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		for _, path := range []string{"/c/" + e.code.ID, "/form", "/p", "/c/" + e.code.ID + "/rate"} {
			status, body, h := citizenGet(t, c, e.srv.URL+path)
			if status != http.StatusOK {
				t.Fatalf("%s: %d", path, status)
			}
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Fatalf("%s: CSP %q", path, csp)
			}
			if regexp.MustCompile(`<script>|<script [^>]*>[^<]|\son[a-z]+=`).MatchString(body) {
				t.Fatalf("%s has inline script", path)
			}
		}
		_, body, _ := citizenGet(t, c, e.srv.URL+"/c/"+e.code.ID)
		for _, want := range []string{"东关派出所 · 民警 郑波 · 警号 124153", "表扬", "评价服务", "投诉", "建议", "求助", `href="tel:110"`} {
			if !strings.Contains(body, want) {
				t.Fatalf("landing page lacks %q", want)
			}
		}
	})
}

func TestCodesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{PublicURL: "https://minyi.example.cn"})
		call := func(token, method, path, body string) (int, string) {
			req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		status, body := call(e.admin, "POST", "/api/codes", `{"owner_type":"place","owner_id":"东关大街路口","unit_id":"tb-qinghe"}`)
		if status != http.StatusCreated || !strings.Contains(body, `"url":"https://minyi.example.cn/c/`) {
			t.Fatalf("create: %d %s", status, body)
		}
		id := regexp.MustCompile(`"id":"([0-9A-Z]{12})"`).FindStringSubmatch(body)[1]
		if status, body = call(e.admin, "POST", "/api/codes", `{"owner_type":"window","owner_id":"ps-dongguan"}`); status != http.StatusBadRequest {
			t.Fatalf("station as window: %d %s", status, body)
		}
		if status, body = call(e.admin, "POST", "/api/codes/"+id+"/reissue", ""); status != http.StatusCreated {
			t.Fatalf("reissue: %d %s", status, body)
		}
		if status, body = call(e.admin, "GET", "/api/codes?owner_type=place", ""); status != http.StatusOK || !strings.Contains(body, `"count":1`) {
			t.Fatalf("list: %d %s", status, body)
		}
		if status, _ = call(e.admin, "POST", "/api/codes/"+id+"/revoke", ""); status != http.StatusOK {
			t.Fatalf("revoke: %d", status)
		}
		if status, _ = call(e.admin, "POST", "/api/codes/ZZZZZZZZZZZZ/revoke", ""); status != http.StatusNotFound {
			t.Fatalf("revoke unknown: %d", status)
		}
		tok, _ := org.IssueToken(context.Background(), db, "dongguan")
		if status, _ = call(tok, "GET", "/api/codes", ""); status != http.StatusForbidden {
			t.Fatalf("handler lists codes: %d", status)
		}
		c := phoneClient(t)
		status, svg, h := citizenGet(t, c, e.srv.URL+"/c/"+e.code.ID+"/qr.svg")
		if status != http.StatusOK || h.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(svg, "<svg") {
			t.Fatalf("svg: %d %s", status, h.Get("Content-Type"))
		}
		status, sheet, _ := citizenGet(t, c, e.srv.URL+"/c/"+e.code.ID+"/sheet")
		for _, want := range []string{"扫码评价 · 投诉 · 建议 · 求助", "民警 郑波", "警号 124153", "https://minyi.example.cn/c/" + e.code.ID} {
			if status != http.StatusOK || !strings.Contains(sheet, want) {
				t.Fatalf("sheet lacks %q (%d)", want, status)
			}
		}
	})
}

// orientedJPEG returns a 40×20 JPEG, red on the left and blue on the right. A
// non-zero orientation adds an APP1 Exif segment with that orientation tag
// and a GPS IFD pointer, as phone cameras write them.
func orientedJPEG(t testing.TB, orientation uint16) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			c := color.RGBA{220, 0, 0, 255}
			if x >= 20 {
				c = color.RGBA{0, 0, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if orientation == 0 {
		return buf.Bytes()
	}
	// TIFF, little endian: IFD0 with Orientation (0x0112) and GPSInfo (0x8825)
	// pointing to a GPS IFD with GPSLatitudeRef "N".
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0,
		2, 0,
		0x12, 0x01, 3, 0, 1, 0, 0, 0, byte(orientation), byte(orientation >> 8), 0, 0,
		0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0,
		0, 0, 0, 0,
		1, 0,
		0x01, 0x00, 2, 0, 2, 0, 0, 0, 'N', 0, 0, 0,
		0, 0, 0, 0}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	seg = append(seg, []byte("GPS")...)
	n := len(seg) + 2
	app1 := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, seg...)
	src := buf.Bytes()
	out := append([]byte{}, src[:2]...)
	out = append(out, app1...)
	return append(out, src[2:]...)
}

func redPixel(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0x9000 && g < 0x4000 && b < 0x4000
}

func bluePixel(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return b > 0x9000 && r < 0x4000 && g < 0x4000
}

func TestCitizenUrgentTextRepeats110(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		fields := complaintFields(citizenFormKey(t, page), "救命，楼下有人持刀", "")
		status, page := citizenPost(t, c, e.srv.URL+"/form", fields)
		if status != http.StatusOK || !strings.Contains(page, `id="urgent-notice"`) || !strings.Contains(page, `name="confirm_urgent" value="1"`) {
			t.Fatalf("urgent text: %d\n%.1500s", status, page)
		}
		if n := citizenTicketCount(t, db); n != 0 {
			t.Fatalf("tickets before confirming = %d", n)
		}
		fields.Set("confirm_urgent", "1")
		status, page = citizenPost(t, c, e.srv.URL+"/form", fields)
		if status != http.StatusOK {
			t.Fatalf("confirmed: %d", status)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), receiptCode(t, page))
		if err != nil {
			t.Fatal(err)
		}
		if !d.Ticket.Urgent || !strings.Contains(page, "tel:110") {
			t.Fatalf("urgent flag %v", d.Ticket.Urgent)
		}
	})
}

func TestCodeSheetNeedsManagePermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCitizenEnv(t, db, web.CitizenOptions{PublicURL: "https://minyi.example.cn"})
		// The sheet is a page, so it takes the signed-in administrator's session.
		ctx := context.Background()
		acct, err := org.AccountByName(ctx, db, "admin")
		if err != nil {
			t.Fatal(err)
		}
		session, err := org.CreateSession(ctx, db, acct.ID, "password", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/codes/sheet?type=officer", nil)
		req.AddCookie(&http.Cookie{Name: "minyi_session", Value: session})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "警号 124153") || strings.Count(string(b), `class="sheet"`) != 1 {
			t.Fatalf("admin sheet: %d\n%.500s", resp.StatusCode, b)
		}
		if status, _, _ := citizenGet(t, phoneClient(t), e.srv.URL+"/codes/sheet"); status == http.StatusOK {
			t.Fatal("anonymous visitor printed every code")
		}
		var out bytes.Buffer
		owners, _ := evaluate.Owners(context.Background(), db, evaluate.Filter{})
		if err := web.WriteCodeSheet(&out, "青川市公安局", owners, "https://minyi.example.cn"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "<style>") || !strings.Contains(out.String(), "<svg") {
			t.Fatal("standalone sheet lacks its inline style or QR image")
		}
	})
}

func TestPhotoAPIFollowsTicketScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		station, _ := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerUnit, OwnerID: "ps-dongguan"}, time.Now())
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/c/"+station.ID+"/form")
		status, page := citizenPost(t, c, e.srv.URL+"/c/"+station.ID+"/form", complaintFields(citizenFormKey(t, page), "夜间噪音", ""),
			photoUpload{"p.jpg", orientedJPEG(t, 0)})
		if status != http.StatusOK {
			t.Fatalf("submit: %d", status)
		}
		d, _ := e.svc.ByTrackingCode(ctx, receiptCode(t, page))
		photos, _ := e.svc.TicketPhotos(ctx, d.Ticket.ID)
		if len(photos) != 1 {
			t.Fatalf("photos = %d", len(photos))
		}
		path := fmt.Sprintf("/api/photos/%d", photos[0].ID)
		// Staff find the photo from the ticket itself.
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/tickets/%d", e.srv.URL, d.Ticket.ID), nil)
		tok, _ := org.IssueToken(ctx, db, "dongguan")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		detail, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(detail), `"url":"`+path+`"`) {
			t.Fatalf("the ticket's JSON does not link its photo %s:\n%.400s", path, detail)
		}
		for _, tc := range []struct {
			who  string
			want int
		}{{"dongguan", http.StatusOK}, {"binjiang", http.StatusNotFound}, {"", http.StatusUnauthorized}} {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			if tc.who != "" {
				tok, _ := org.IssueToken(ctx, db, tc.who)
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("%q: status %d, want %d", tc.who, resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusOK && (resp.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(b, []byte{0xFF, 0xD8})) {
				t.Fatalf("photo body: %s", resp.Header.Get("Content-Type"))
			}
		}
	})
}

func TestCitizenReopensClosedTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		station, _ := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerUnit, OwnerID: "ps-dongguan"}, time.Now())
		c := phoneClient(t)
		phone := fakePhone()
		_, page, _ := citizenGet(t, c, e.srv.URL+"/c/"+station.ID+"/form")
		_, page = citizenPost(t, c, e.srv.URL+"/c/"+station.ID+"/form", complaintFields(citizenFormKey(t, page), "夜间噪音", phone))
		code := receiptCode(t, page)
		d, _ := e.svc.ByTrackingCode(ctx, code)
		handleTicket(t, e, d.Ticket.ID, "已处理")
		proof := url.Values{"code": {code}, "last4": {phone[7:]}}
		rate := url.Values{"code": {code}, "last4": {phone[7:]}, "action": {"rate"}, "outcome": {"basic"}}
		if status, page := citizenPost(t, c, e.srv.URL+"/p/act", rate); status != http.StatusOK || !strings.Contains(page, `id="reopen"`) {
			t.Fatalf("basic rating: %d\n%.2000s", status, page)
		}
		d, _ = e.svc.ByTrackingCode(ctx, code)
		if d.Ticket.State != ticket.Closed || d.Ticket.CallbackResult != ticket.BasicSatisfied {
			t.Fatalf("after 基本满意: %s %s", d.Ticket.State, d.Ticket.CallbackResult)
		}
		_, page = citizenPost(t, c, e.srv.URL+"/p", proof)
		reopen := url.Values{"code": {code}, "last4": {phone[7:]}, "action": {"reopen"}, "comment": {"又开始吵了"},
			"form_key": {citizenFormKey(t, page)}}
		if status, page := citizenPost(t, c, e.srv.URL+"/p/act", reopen); status != http.StatusOK || !strings.Contains(page, "重新办理") {
			t.Fatalf("reopen: %d\n%.1500s", status, page)
		}
		d, _ = e.svc.ByTrackingCode(ctx, code)
		if d.Ticket.State != ticket.Dispatched || d.Ticket.ReopenCount != 1 || d.Ticket.UnitID != "ps-dongguan" {
			t.Fatalf("after reopen: %s, reopened %d, unit %s", d.Ticket.State, d.Ticket.ReopenCount, d.Ticket.UnitID)
		}
	})
}

func TestCitizenReopenAfterPeriodRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		station, _ := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerUnit, OwnerID: "ps-dongguan"}, time.Now())
		c := phoneClient(t)
		phone := fakePhone()
		_, page, _ := citizenGet(t, c, e.srv.URL+"/c/"+station.ID+"/form")
		_, page = citizenPost(t, c, e.srv.URL+"/c/"+station.ID+"/form", complaintFields(citizenFormKey(t, page), "夜间噪音", phone))
		code := receiptCode(t, page)
		d, _ := e.svc.ByTrackingCode(ctx, code)
		handleTicket(t, e, d.Ticket.ID, "已处理")
		rate := url.Values{"code": {code}, "last4": {phone[7:]}, "action": {"rate"}, "outcome": {"basic"}}
		if status, page := citizenPost(t, c, e.srv.URL+"/p/act", rate); status != http.StatusOK {
			t.Fatalf("basic rating: %d\n%.2000s", status, page)
		}
		// The citizen opens the page while the reopen form still shows.
		_, page = citizenPost(t, c, e.srv.URL+"/p", url.Values{"code": {code}, "last4": {phone[7:]}})
		if !strings.Contains(page, `id="reopen"`) {
			t.Fatalf("the progress page of a ticket closed just now offers no reopen form\n%.2000s", page)
		}
		// The window then passes before the form is sent: move the closing
		// back past it, because the service reads the real clock.
		window := time.Duration(e.prof.Callback.ReopenWindowDays * float64(24*time.Hour))
		closed := time.Now().Add(-window - time.Hour).UnixMilli()
		if _, err := db.ExecContext(ctx, `UPDATE tickets SET closed_at = ? WHERE id = ?`, closed, d.Ticket.ID); err != nil {
			t.Fatal(err)
		}
		reopen := url.Values{"code": {code}, "last4": {phone[7:]}, "action": {"reopen"}, "comment": {"又开始吵了"},
			"form_key": {citizenFormKey(t, page)}}
		status, page := citizenPost(t, c, e.srv.URL+"/p/act", reopen)
		if status != http.StatusOK {
			t.Fatalf("late reopen: status %d, want 200 with the reason\n%.1500s", status, page)
		}
		if !strings.Contains(page, "无法办理：已超过可以要求重新办理的期限。") {
			t.Errorf("the page does not say that the reopen period has passed\n%.1500s", page)
		}
		d, _ = e.svc.ByTrackingCode(ctx, code)
		if d.Ticket.State != ticket.Closed || d.Ticket.ReopenCount != 0 {
			t.Errorf("after a late reopen: %s, reopened %d, want closed and 0", d.Ticket.State, d.Ticket.ReopenCount)
		}
	})
}
