package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"minyi/evaluate"
)

// PermCodeManage lets administrators create, list, revoke and reissue QR
// codes and print code sheets.
const PermCodeManage Permission = "code:manage"

func (c *citizen) loadCodeImage(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := strings.ToUpper(r.PathValue("code"))
	code, err := evaluate.Get(r.Context(), c.s.db, id)
	if errors.Is(err, evaluate.ErrNotFound) || (err == nil && code.Revoked()) {
		http.Error(w, "二维码不存在或已停用", http.StatusNotFound)
		return "", false
	}
	if err != nil {
		writeError(w, r, c.s.log, err)
		return "", false
	}
	return evaluate.URL(c.publicURL(r), code.ID), true
}

// qrPNG serves a code as a PNG for download; ?size= sets the width in pixels.
func (c *citizen) qrPNG(w http.ResponseWriter, r *http.Request) {
	url, ok := c.loadCodeImage(w, r)
	if !ok {
		return
	}
	b, err := evaluate.PNG(url, qrImageSize(r, 1024))
	if err != nil {
		writeError(w, r, c.s.log, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", `attachment; filename="minyi-`+r.PathValue("code")+`.png"`)
	_, _ = w.Write(b)
}

// qrSVG serves a code as an SVG for download and printing.
func (c *citizen) qrSVG(w http.ResponseWriter, r *http.Request) {
	url, ok := c.loadCodeImage(w, r)
	if !ok {
		return
	}
	b, err := evaluate.SVG(url, qrImageSize(r, 512))
	if err != nil {
		writeError(w, r, c.s.log, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("download") != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="minyi-`+r.PathValue("code")+`.svg"`)
	}
	_, _ = w.Write(b)
}

func qrImageSize(r *http.Request, def int) int {
	var n int
	for _, ch := range r.URL.Query().Get("size") {
		if ch < '0' || ch > '9' || n > 10000 {
			return def
		}
		n = n*10 + int(ch-'0')
	}
	if n < 128 || n > 4096 {
		return def
	}
	return n
}

// sheetView is the A4 print page of one or more codes.
type sheetView struct {
	Site      string
	InlineCSS template.CSS
	Sheets    []sheetItem
}

type sheetItem struct {
	SVG   template.HTML
	Who   string
	Badge string
	Unit  string
	URL   string
}

// sheetItems renders the codes of owners for a sheet.
func sheetItems(owners []evaluate.Owner, base string) ([]sheetItem, error) {
	var out []sheetItem
	for _, o := range owners {
		url := evaluate.URL(base, o.Code.ID)
		svg, err := evaluate.SVG(url, 480)
		if err != nil {
			return nil, err
		}
		it := sheetItem{SVG: template.HTML(svg), Unit: o.UnitName, URL: url} // the SVG is generated here from an ASCII URL
		switch {
		case o.OfficerName != "":
			it.Who, it.Badge = "民警 "+o.OfficerName, o.Badge
		case o.Place != "":
			it.Who = o.Place
		default:
			it.Who, it.Unit = o.UnitName, ""
		}
		if o.Code.Label != "" {
			it.Who += " · " + o.Code.Label
		}
		out = append(out, it)
	}
	return out, nil
}

// codeSheet is the public print page of one code: it shows only what the
// code's own landing page shows.
func (c *citizen) codeSheet(w http.ResponseWriter, r *http.Request) (string, any, int) {
	o, ok, fail := c.loadCode(r)
	if !ok {
		return fail()
	}
	items, err := sheetItems([]evaluate.Owner{o}, c.publicURL(r))
	if err != nil {
		return c.failed(r, err)
	}
	return "sheet", sheetView{Site: c.base("").Site, Sheets: items}, http.StatusOK
}

// bulkSheet prints every working code of a unit (?unit=) or of an owner type
// (?type=officer|window|place|unit), or all of them.
func (c *citizen) bulkSheet(w http.ResponseWriter, r *http.Request) (string, any, int) {
	f := evaluate.Filter{UnitID: r.URL.Query().Get("unit"), OwnerType: evaluate.OwnerType(r.URL.Query().Get("type"))}
	owners, err := evaluate.Owners(r.Context(), c.s.db, f)
	if err != nil {
		return c.failed(r, err)
	}
	items, err := sheetItems(owners, c.publicURL(r))
	if err != nil {
		return c.failed(r, err)
	}
	return "sheet", sheetView{Site: c.base("").Site, Sheets: items}, http.StatusOK
}

// WriteCodeSheet writes a self-contained A4 print page of the codes of
// owners to w, for "minyi qr sheet". site is the heading of each sheet and
// base the public address the codes point to.
func WriteCodeSheet(w io.Writer, site string, owners []evaluate.Owner, base string) error {
	items, err := sheetItems(owners, base)
	if err != nil {
		return err
	}
	css, err := staticFiles.ReadFile("static/citizen.css")
	if err != nil {
		return err
	}
	return citizenTemplates["sheet"].ExecuteTemplate(w, "layout", sheetView{Site: site, InlineCSS: template.CSS(css),
		Sheets: items})
}

// codeRequest is the body of POST /api/codes.
type codeRequest struct {
	OwnerType string `json:"owner_type"`
	OwnerID   string `json:"owner_id"`
	UnitID    string `json:"unit_id"`
	Label     string `json:"label"`
}

// codeJSON is a code as the API returns it, with its address and images.
type codeJSON struct {
	evaluate.Code
	URL   string `json:"url"`
	PNG   string `json:"png"`
	SVG   string `json:"svg"`
	Sheet string `json:"sheet"`
}

func (c *citizen) codeOut(r *http.Request, code evaluate.Code) codeJSON {
	base := c.publicURL(r)
	u := evaluate.URL(base, code.ID)
	return codeJSON{Code: code, URL: u, PNG: u + "/qr.png", SVG: u + "/qr.svg", Sheet: u + "/sheet"}
}

func (c *citizen) apiListCodes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	codes, err := evaluate.List(r.Context(), c.s.db, evaluate.Filter{OwnerType: evaluate.OwnerType(q.Get("owner_type")),
		OwnerID: q.Get("owner_id"), UnitID: q.Get("unit_id"), IncludeRevoked: q.Get("revoked") == "1"})
	if err != nil {
		c.codeError(w, r, err)
		return
	}
	out := make([]codeJSON, 0, len(codes))
	for _, code := range codes {
		out = append(out, c.codeOut(r, code))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "codes": out})
}

func (c *citizen) apiCreateCode(w http.ResponseWriter, r *http.Request) {
	var req codeRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, c.s.log, err)
		return
	}
	code, err := evaluate.Create(r.Context(), c.s.db, evaluate.NewCode{OwnerType: evaluate.OwnerType(req.OwnerType),
		OwnerID: req.OwnerID, UnitID: req.UnitID, Label: req.Label}, time.Now())
	if err != nil {
		c.codeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c.codeOut(r, code))
}

func (c *citizen) apiRevokeCode(w http.ResponseWriter, r *http.Request) {
	code, err := evaluate.Revoke(r.Context(), c.s.db, strings.ToUpper(r.PathValue("id")), time.Now())
	if err != nil {
		c.codeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.codeOut(r, code))
}

func (c *citizen) apiReissueCode(w http.ResponseWriter, r *http.Request) {
	code, err := evaluate.Reissue(r.Context(), c.s.db, strings.ToUpper(r.PathValue("id")), time.Now())
	if err != nil {
		c.codeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c.codeOut(r, code))
}

// codeError writes the HTTP status for an error of the evaluate package and
// passes other errors to writeError.
func (c *citizen) codeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, evaluate.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]apiError{"error": {Code: "not_found", Message: "code not found"}})
	case errors.Is(err, evaluate.ErrInvalid):
		writeJSON(w, http.StatusBadRequest, map[string]apiError{"error": {Code: "invalid_input", Message: err.Error()}})
	default:
		writeError(w, r, c.s.log, err)
	}
}

// apiPhoto serves a photo attached to a ticket to staff who may read the
// ticket. The read goes through workflow's Get, so it is checked against the
// reader's units and recorded like any other read of the ticket.
func (c *citizen) apiPhoto(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, r, c.s.log, fmt.Errorf("%w: photo id %q is not a number", errBadRequest, r.PathValue("id")))
		return
	}
	p, err := c.s.svc.PhotoByID(r.Context(), id)
	if err != nil {
		writeError(w, r, c.s.log, err)
		return
	}
	if _, err := c.s.svc.Get(r.Context(), acct.Actor(), p.TicketID, "photo"); err != nil {
		writeError(w, r, c.s.log, err)
		return
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(p.Data)
}
