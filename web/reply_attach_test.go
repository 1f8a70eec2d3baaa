package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// exifMarker is text planted in the test photo's EXIF segment, standing in
// for GPS coordinates and a camera serial number.
const exifMarker = "GPS-TEST-MARKER-31.2304N"

// exifJPEG returns a 3×2 JPEG with an APP1 Exif segment that sets
// orientation 6 (turn 90° clockwise) and carries exifMarker.
func exifJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			img.Set(x, y, color.RGBA{uint8(80 * x), uint8(120 * y), 9, 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	// TIFF header, IFD0 with one entry: tag 0x0112 SHORT count 1 value 6.
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	payload := append(append([]byte("Exif\x00\x00"), tiff...), exifMarker...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	data := plain.Bytes()
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

type upload struct {
	name string
	data []byte
}

// postReply sends a multipart reply with files as who and returns the status
// and the decoded body.
func (e *apiEnv) postReply(t *testing.T, who string, id int64, reply string, files []upload) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("reply", reply)
	_ = mw.WriteField("needs_rectification", "1")
	_ = mw.WriteField("rectified", "true")
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/tickets/"+itoa(id)+"/reply", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// download fetches path as who and returns the status, the content type and the body.
func (e *apiEnv) download(t *testing.T, who, path string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// acceptedAtDongguan submits an item through Dongguan's code and signs for it there.
func acceptedAtDongguan(t *testing.T, e *apiEnv) int64 {
	t.Helper()
	tk, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", CodeUnit: "ps-dongguan",
		Body: "夜间噪音扰民"})
	if err != nil {
		t.Fatal(err)
	}
	if st, body := e.do(t, "dongguan", "POST", "/api/tickets/"+itoa(tk.ID)+"/accept", nil); st != 200 {
		t.Fatalf("accept: %d %v", st, body)
	}
	return tk.ID
}

func TestReplyAttachmentRejections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		id := acceptedAtDongguan(t, e)
		photo := upload{"a.jpg", exifJPEG(t)}
		big := func(prefix string, n int) []byte { return append([]byte(prefix), make([]byte, n)...) }
		tests := []struct {
			name   string
			files  []upload
			status int
		}{
			{"text file", []upload{{"a.txt", []byte("plain text, not evidence")}}, 400},
			{"html named jpg", []upload{{"a.jpg", []byte("<html><script>alert(1)</script>")}}, 400},
			{"broken jpeg", []upload{{"a.jpg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}}}, 400},
			{"six files", []upload{photo, photo, photo, photo, photo, photo}, 400},
			{"photo over 5 MB", []upload{{"a.jpg", big("\xff\xd8\xff", 5<<20)}}, 400},
			{"pdf over 10 MB", []upload{{"a.pdf", big("%PDF-1.4\n", 10<<20)}}, 400},
			{"over 32 MB in total", []upload{{"a.pdf", big("%PDF-1.4\n", 9<<20)}, {"b.pdf", big("%PDF-1.4\n", 9<<20)},
				{"c.pdf", big("%PDF-1.4\n", 9<<20)}, {"d.pdf", big("%PDF-1.4\n", 9<<20)}}, 413},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				st, body := e.postReply(t, "dongguan", id, "已处理", tc.files)
				if st != tc.status {
					t.Fatalf("status %d, want %d: %v", st, tc.status, body)
				}
			})
		}
		st, body := e.do(t, "dongguan", "GET", "/api/tickets/"+itoa(id), nil)
		if st != 200 || body["state"] != "accepted" {
			t.Fatalf("after rejected replies: %d state %v", st, body["state"])
		}
		if files := body["attachments"].([]any); len(files) != 0 {
			t.Fatalf("rejected replies stored %d attachments", len(files))
		}
	})
}

func TestReplyAttachmentsStoredAndScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		id := acceptedAtDongguan(t, e)
		pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
		st, body := e.postReply(t, "dongguan", id, "已上门处理，附现场照片", []upload{
			{"现场照片.jpg", exifJPEG(t)}, {`C:\报告\整改报告.pdf`, pdf}})
		if st != 200 || body["state"] != "replied" || body["rectified"] != true {
			t.Fatalf("reply: %d %v", st, body)
		}
		_, got := e.do(t, "dongguan", "GET", "/api/tickets/"+itoa(id), nil)
		files := got["attachments"].([]any)
		if len(files) != 2 {
			t.Fatalf("attachments = %v", files)
		}
		photo, doc := files[0].(map[string]any), files[1].(map[string]any)
		if photo["name"] != "现场照片.jpg" || photo["content_type"] != "image/jpeg" {
			t.Errorf("photo = %v", photo)
		}
		if doc["name"] != "整改报告.pdf" || doc["content_type"] != "application/pdf" {
			t.Errorf("pdf = %v", doc)
		}
		tl := got["timeline"].([]any)
		last := tl[len(tl)-1].(map[string]any)
		if last["action"] != "reply" || last["details"].(map[string]any)["attachments"] != "2" {
			t.Errorf("reply event = %v", last)
		}

		st, ctype, data := e.download(t, "dongguan", photo["url"].(string))
		if st != 200 || ctype != "image/jpeg" {
			t.Fatalf("photo download: %d %q", st, ctype)
		}
		if bytes.Contains(data, []byte("Exif")) || bytes.Contains(data, []byte(exifMarker)) {
			t.Error("the stored photo keeps its EXIF segment")
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 2 || b.Dy() != 3 {
			t.Errorf("photo is %dx%d, want 2x3 after turning it upright", b.Dx(), b.Dy())
		}
		st, ctype, data = e.download(t, "centre1", doc["url"].(string))
		if st != 200 || ctype != "application/pdf" || !bytes.Equal(data, pdf) {
			t.Errorf("centre pdf download: %d %q %d bytes", st, ctype, len(data))
		}
		for _, who := range []string{"binjiang", "auditor"} {
			if st, _, _ := e.download(t, who, doc["url"].(string)); st != 404 && st != 403 {
				t.Errorf("%s download: %d, want 404 or 403", who, st)
			}
		}
		if st, _, _ := e.download(t, "binjiang", doc["url"].(string)); st != 404 {
			t.Errorf("other station download: %d, want 404", st)
		}
		if st, _, _ := e.download(t, "dongguan", "/api/attachments/999999"); st != 404 {
			t.Errorf("unknown attachment: %d, want 404", st)
		}
	})
}

func TestCoHandlingAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		tok, err := org.IssueToken(context.Background(), db, "songlin")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens["songlin"] = tok
		id := acceptedAtDongguan(t, e)
		path := "/api/tickets/" + itoa(id)
		if st, _ := e.do(t, "binjiang", "GET", path, nil); st != 404 {
			t.Fatalf("read before the invitation: %d, want 404", st)
		}
		if st, body := e.do(t, "dongguan", "POST", path+"/invite_cohandler", map[string]string{"unit": "ps-binjiang"}); st != 200 {
			t.Fatalf("invite: %d %v", st, body)
		}
		st, got := e.do(t, "binjiang", "GET", path, nil)
		if st != 200 {
			t.Fatalf("co-handler read: %d", st)
		}
		if acts, _ := json.Marshal(got["actions"]); string(acts) != `["note"]` {
			t.Errorf("co-handler actions = %s, want [\"note\"]", acts)
		}
		if co, _ := json.Marshal(got["cohandlers"]); string(co) != `["ps-binjiang"]` {
			t.Errorf("cohandlers = %s", co)
		}
		if st, body := e.do(t, "binjiang", "POST", path+"/note", map[string]string{"text": "已协助核实商户营业时间"}); st != 200 {
			t.Fatalf("note: %d %v", st, body)
		}
		if st, _ := e.do(t, "binjiang", "POST", path+"/reply", map[string]string{"reply": "已处理"}); st != 403 {
			t.Errorf("co-handler reply: %d, want 403", st)
		}
		if st, _ := e.postReply(t, "binjiang", id, "已处理", []upload{{"a.jpg", exifJPEG(t)}}); st != 403 {
			t.Errorf("co-handler reply with a file: %d, want 403", st)
		}
		_, got = e.do(t, "dongguan", "GET", path, nil)
		tl := got["timeline"].([]any)
		last := tl[len(tl)-1].(map[string]any)
		if last["action"] != "note" || last["details"].(map[string]any)["text"] != "已协助核实商户营业时间" {
			t.Errorf("last event = %v, want the co-handler's note", last)
		}
		_, list := e.do(t, "binjiang", "GET", "/api/tickets", nil)
		if !strings.Contains(mustJSON(t, list), `"id":`+itoa(id)+`,`) {
			t.Error("co-handler's list lacks the ticket")
		}

		// A third station sees nothing of it.
		if st, _ := e.do(t, "songlin", "GET", path, nil); st != 404 {
			t.Errorf("third station read: %d, want 404", st)
		}
		if st, _ := e.do(t, "songlin", "POST", path+"/note", map[string]string{"text": "x"}); st != 404 {
			t.Errorf("third station note: %d, want 404", st)
		}
		_, list = e.do(t, "songlin", "GET", "/api/tickets", nil)
		if strings.Contains(mustJSON(t, list), `"id":`+itoa(id)+`,`) {
			t.Error("third station's list holds the ticket")
		}
		if st, _ := e.do(t, "binjiang", "POST", path+"/invite_cohandler", map[string]string{"unit": "ps-songlin"}); st != 403 {
			t.Errorf("co-handler invitation: %d, want 403", st)
		}

		conduct, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "12389", Kind: "投诉",
			OfficerID: "QC0001", Body: "民警执法态度恶劣"})
		if err != nil {
			t.Fatal(err)
		}
		st, body := e.do(t, "centre1", "POST", "/api/tickets/"+itoa(conduct.ID)+"/invite_cohandler",
			map[string]string{"unit": "ps-binjiang"})
		if st != 400 {
			t.Errorf("invitation to a conduct complaint: %d %v, want 400", st, body)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
