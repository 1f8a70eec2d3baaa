package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// postMultipart posts a multipart form with files in the field "file".
func (b *browser) postMultipart(path string, fields url.Values, files []upload) reply {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("file", f.name)
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var attachmentLinkRE = regexp.MustCompile(`href="(/api/attachments/\d+)"`)

func TestConsoleCoHandlingAndAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		acct, err := org.AccountByName(ctx, db, "dongguan")
		if err != nil {
			t.Fatal(err)
		}
		id := s.dongguan.ID
		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: id, Actor: acct.Actor(), Action: ticket.ActAccept}); err != nil {
			t.Fatal(err)
		}
		path := "/console/tickets/" + itoa(id)

		lead := e.browser(t)
		lead.signIn("dongguan")
		page := lead.get(path).body
		invite := regexp.MustCompile(`(?s)id="f-invite_cohandler-\d+".*?</form>`).FindString(page)
		if !strings.Contains(invite, `value="ps-binjiang"`) {
			t.Fatalf("the invitation form does not offer Binjiang:\n%s", invite)
		}
		for _, unit := range []string{"ps-dongguan", "br-qinghe", "ducha", "centre"} {
			if strings.Contains(invite, `value="`+unit+`"`) {
				t.Errorf("the invitation form offers %s", unit)
			}
		}
		if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `type="file" name="file"`) {
			t.Error("the reply form takes no files")
		}
		csrf := formToken(t, page)
		r := lead.post(path+"/invite_cohandler", url.Values{"csrf_token": {csrf}, "back": {path}, "unit": {"ps-binjiang"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("invite: %d %s", r.status, r.body)
		}

		co := e.browser(t)
		co.signIn("binjiang")
		page = co.get(path).body
		if !strings.Contains(page, `id="f-note-`+itoa(id)+`"`) {
			t.Error("the co-handler's ticket page has no note form")
		}
		for _, form := range []string{"f-reply-", "f-return-", "f-invite_cohandler-", `id="contact"`} {
			if strings.Contains(page, form) {
				t.Errorf("the co-handler's ticket page shows %s", form)
			}
		}
		if !strings.Contains(page, `id="cohandlers"`) {
			t.Error("the ticket page does not list the co-handling units")
		}
		inbox := co.get("/console/inbox").body
		section := inbox[strings.Index(inbox, `id="cohandling"`):]
		if !strings.Contains(section, `id="t`+itoa(id)+`"`) {
			t.Error("the co-handler's inbox does not list the ticket under co-handling")
		}
		r = co.post(path+"/note", url.Values{"csrf_token": {formToken(t, page)}, "back": {path}, "text": {"协办备注：已走访商户"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("note: %d %s", r.status, r.body)
		}
		r = co.post(path+"/reply", url.Values{"csrf_token": {formToken(t, page)}, "back": {path}, "reply": {"越权答复"}})
		if r.status != http.StatusForbidden {
			t.Errorf("co-handler reply: %d, want 403", r.status)
		}

		fields := url.Values{"csrf_token": {csrf}, "back": {path}, "reply": {"已处理，见照片"}}
		r = lead.postMultipart(path+"/reply", fields, []upload{{"a.txt", []byte("not evidence")}})
		if r.status != http.StatusBadRequest {
			t.Errorf("reply with a text file: %d, want 400", r.status)
		}
		huge := append([]byte("%PDF-1.4\n"), make([]byte, 33<<20)...)
		r = lead.postMultipart(path+"/reply", fields, []upload{{"huge.pdf", huge}})
		if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "32 MB") {
			t.Errorf("reply over the upload limit: %d, want 413 with the limit named", r.status)
		}
		r = lead.postMultipart(path+"/reply", fields, []upload{{"现场.jpg", exifJPEG(t)}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("reply with a photo: %d %s", r.status, r.body)
		}
		page = lead.get(path).body
		if !strings.Contains(page, "协办备注：已走访商户") {
			t.Error("the timeline lacks the co-handler's note")
		}
		link := attachmentLinkRE.FindStringSubmatch(page)
		if link == nil || !strings.Contains(page, "现场.jpg") {
			t.Fatal("the ticket page does not list the attachment")
		}
		for name, b := range map[string]*browser{"lead": lead, "co-handler": co} {
			r = b.get(link[1])
			if r.status != 200 || strings.Contains(r.body, "Exif") {
				t.Errorf("%s download: %d, EXIF kept %v", name, r.status, strings.Contains(r.body, "Exif"))
			}
		}
	})
}
