package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"minyi/ticket"
	"minyi/workflow"
)

// Limits of a reply with evidence files. A photo keeps the citizen photo
// limit of 5 MB, a PDF may have up to workflow.MaxAttachmentBytes (10 MB),
// and the whole request maxUploadBytes. So five photos of 5 MB fit, but four
// PDFs of 9 MB do not.
const (
	maxUploadBytes      = 32 << 20
	uploadMemoryBytes   = 4 << 20 // parts beyond this go to temporary files
	attachmentFieldName = "file"
	pdfMagic            = "%PDF-"
)

// isMultipart reports whether the request body is multipart/form-data.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// limitUpload bounds a multipart body before anything parses it: the CSRF
// check reads the token from the form, and parsing a multipart form writes
// large parts to temporary files. It returns an error for a body that is
// too large or malformed.
func limitUpload(w http.ResponseWriter, r *http.Request) error {
	if !isMultipart(r) || r.MultipartForm != nil {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	if err := r.ParseMultipartForm(uploadMemoryBytes); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("%w: the upload exceeds %d MB in total", errUploadTooLarge, maxUploadBytes>>20)
		}
		return fmt.Errorf("%w: unreadable multipart form: %v", errBadRequest, err)
	}
	return nil
}

var errUploadTooLarge = fmt.Errorf("%w: upload too large", errBadRequest)

// readReplyFiles reads the evidence files of a reply form, checks each by its
// content and re-encodes photos without metadata. An empty file input (a
// browser sends one part without a name) is skipped.
func readReplyFiles(r *http.Request) ([]workflow.Attachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []workflow.Attachment
	for _, fh := range r.MultipartForm.File[attachmentFieldName] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		if len(out) == workflow.MaxAttachments {
			return nil, newInputError(fmt.Sprintf("答复最多带 %d 个附件。", workflow.MaxAttachments),
				fmt.Sprintf("a reply carries at most %d files", workflow.MaxAttachments))
		}
		a, err := readAttachment(fh)
		if ae, ok := errors.AsType[*attachmentError](err); ok {
			return nil, newInputError(fmt.Sprintf("附件“%s”：%s。", fh.Filename, ae.zh),
				fmt.Sprintf("file %q: %s", fh.Filename, ae.en))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: file %q: %v", ticket.ErrInvalidInput, fh.Filename, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// attachmentError is a rejected evidence file, with the cause in Chinese for
// the console and in English for the API.
type attachmentError struct{ zh, en string }

func (e *attachmentError) Error() string { return e.en }

// errAttachmentTooLarge rejects a file over workflow.MaxAttachmentBytes.
var errAttachmentTooLarge = &attachmentError{fmt.Sprintf("文件超过 %d MB", workflow.MaxAttachmentBytes>>20),
	fmt.Sprintf("the file exceeds %d MB", workflow.MaxAttachmentBytes>>20)}

// photoAttachmentErrors gives the citizen photo errors, which are in Chinese
// only, their English for the API.
var photoAttachmentErrors = map[photoError]string{
	errPhotoTooLarge: fmt.Sprintf("the photo exceeds %d MB", maxPhotoBytes>>20),
	errPhotoType:     "the file is not a JPEG or PNG photo or a PDF file",
	errPhotoBroken:   "the photo is damaged or cannot be decoded",
	errPhotoPixels:   fmt.Sprintf("the photo has more than %d pixels", maxPhotoPixels),
	errPhotoBusy:     "the server is processing too many photos; try again shortly",
}

func readAttachment(fh *multipart.FileHeader) (workflow.Attachment, error) {
	if fh.Size > workflow.MaxAttachmentBytes {
		return workflow.Attachment{}, errAttachmentTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return workflow.Attachment{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, workflow.MaxAttachmentBytes+1))
	if err != nil {
		return workflow.Attachment{}, err
	}
	name := attachmentName(fh.Filename)
	if bytes.HasPrefix(data, []byte(pdfMagic)) {
		if len(data) > workflow.MaxAttachmentBytes {
			return workflow.Attachment{}, errAttachmentTooLarge
		}
		return workflow.Attachment{Name: name, ContentType: "application/pdf", Data: data}, nil
	}
	p, err := processPhoto(data)
	if errors.Is(err, errPhotoType) {
		return workflow.Attachment{}, &attachmentError{"只能上传 JPEG、PNG 照片或 PDF 文件", photoAttachmentErrors[errPhotoType]}
	}
	if pe, ok := errors.AsType[photoError](err); ok && photoAttachmentErrors[pe] != "" {
		return workflow.Attachment{}, &attachmentError{pe.msg, photoAttachmentErrors[pe]}
	}
	if err != nil {
		return workflow.Attachment{}, err
	}
	return workflow.Attachment{Name: name, ContentType: p.ContentType, Data: p.Data}, nil
}

// attachmentName keeps the base name of an uploaded file, without control
// characters, for the list on the ticket page.
func attachmentName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		return "file"
	}
	return name
}

// apiAttachment serves a reply attachment to an account that may read its
// ticket. workflow.AttachmentFile checks the scope and records the read, and
// an attachment of a ticket out of scope gets 404 like a missing one.
func (s *Server) apiAttachment(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, r, s.log, fmt.Errorf("attachment %q: %w", r.PathValue("id"), workflow.ErrNotFound))
		return
	}
	a, err := s.svc.AttachmentFile(r.Context(), acct.Actor(), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	disposition := "inline"
	if a.ContentType == "application/pdf" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	_, _ = w.Write(a.Data)
}

// replyForm reads a reply sent as multipart/form-data, which the console's
// reply form and API clients with evidence files use. Its fields are those
// of the JSON body (reply, needs_rectification, rectified, the last two "1"
// or "true") and up to five parts named "file".
func replyForm(w http.ResponseWriter, r *http.Request) (actionRequest, []workflow.Attachment, error) {
	if err := limitUpload(w, r); err != nil {
		return actionRequest{}, nil, err
	}
	flag := func(name string) bool {
		v := strings.TrimSpace(r.PostFormValue(name))
		return v == "1" || v == "true"
	}
	req := actionRequest{Reply: strings.TrimSpace(r.PostFormValue("reply")),
		NeedsRectification: flag("needs_rectification"), Rectified: flag("rectified")}
	files, err := readReplyFiles(r)
	return req, files, err
}
