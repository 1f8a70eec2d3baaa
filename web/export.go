package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"minyi/search"
)

// exportColumns are the columns of an export, in order, with their widths in
// characters.
var exportColumns = []struct {
	name  string
	width float64
}{
	{"编号", 14}, {"受理时间", 18}, {"渠道", 12}, {"类型", 8}, {"标签", 16}, {"承办单位", 20}, {"状态", 14},
	{"办结时间", 18}, {"满意度", 10},
}

// exportSheet is the name of the one sheet of an export.
const exportSheet = "工单"

// exportXLSX serves the current search or list as a spreadsheet. The
// workflow records the export with its filter and row count. A rejected
// export is shown on the search page to a browser, and as JSON to a script.
func (s *Server) exportXLSX(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	f, q, err := s.parseSearchForm(r)
	var res search.Result
	if err == nil {
		res, err = s.svc.Export(r.Context(), acct.Actor(), f.Unit, q)
	}
	if err != nil && acceptsHTML(r) {
		s.searchFailed(w, r, s.newSearchPageData(w, r, acct, f), err)
		return
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	now := s.now()
	name := "工单导出-" + now.In(s.prof.Location).Format("20060102-150405") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+
		url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := s.writeExport(w, f, res, now); err != nil {
		// The header is sent; the client gets a cut file and the log the cause.
		s.log.Error("export failed", "request_id", RequestID(r.Context()), "error", err)
	}
}

// acceptsHTML reports whether the client asked for HTML, as a browser
// following a link does. Scripts that send no Accept header get JSON.
func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			mediaType, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mediaType), "text/html") {
				return true
			}
		}
	}
	return false
}

// writeExport writes rows as an .xlsx workbook: a row with the filter, a row
// with the export time and count, the column names, then one row a ticket.
// Times are in the profile's zone with a date number format.
func (s *Server) writeExport(out io.Writer, f searchForm, res search.Result, now time.Time) error {
	widths := make([]float64, len(exportColumns))
	for i, c := range exportColumns {
		widths[i] = c.width
	}
	x, err := newXLSXSheet(exportSheet, "yyyy-mm-dd hh:mm", widths)
	if err != nil {
		return fmt.Errorf("web: export: %w", err)
	}
	defer x.Close()
	header := [][]any{
		{"筛选条件", s.filterText(f)},
		{"导出时间", excelize.Cell{StyleID: x.Date, Value: s.wallClock(now)}, "共", len(res.Rows)},
	}
	if res.Total > len(res.Rows) {
		header[1] = append(header[1], fmt.Sprintf("仅导出前 %d 条，符合条件的共 %d 条，请缩小范围", len(res.Rows), res.Total))
	}
	names := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		names[i] = excelize.Cell{StyleID: x.Bold, Value: c.name}
	}
	header = append(header, names)
	for _, row := range header {
		if err := x.AddRow(row); err != nil {
			return fmt.Errorf("web: export: %w", err)
		}
	}
	date := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: x.Date, Value: s.wallClock(t)}
	}
	for _, row := range res.Rows {
		cells := []any{row.TrackingCode, date(row.ReceivedAt), channelLabel(row.Channel), row.Kind, row.Tag,
			s.searchUnitName(row.UnitID), row.State.Label(), date(row.RepliedAt), satisfactionText(row.CallbackResult)}
		if err := x.AddRow(cells); err != nil {
			return fmt.Errorf("web: export: %w", err)
		}
	}
	if err := x.Write(out); err != nil {
		return fmt.Errorf("web: export: %w", err)
	}
	return nil
}

// wallClock returns t's wall-clock time in the profile's zone as a UTC time,
// because a spreadsheet cell holds a date without a zone and excelize
// converts the instant.
func (s *Server) wallClock(t time.Time) time.Time {
	l := t.In(s.prof.Location)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// filterText describes a search's filter in words, for the header row.
func (s *Server) filterText(f searchForm) string {
	var parts []string
	add := func(label, value string) {
		if value != "" {
			parts = append(parts, label+"："+value)
		}
	}
	add("关键词", f.Text)
	var states []string
	for _, st := range f.States {
		states = append(states, st.Label())
	}
	add("状态", strings.Join(states, "、"))
	add("标签", f.Tag)
	if f.Channel != "" {
		add("渠道", channelLabel(f.Channel))
	}
	if f.Unit != "" {
		add("承办单位", s.searchUnitName(f.Unit))
	}
	if f.From != "" || f.To != "" {
		add("受理日期", strings.TrimSpace(f.From+" 至 "+f.To))
	}
	var flags []string
	for _, fl := range []struct {
		on    bool
		label string
	}{{f.Urgent, "紧急"}, {f.Overdue, "超期"}, {f.Supervised, "督办"}} {
		if fl.on {
			flags = append(flags, fl.label)
		}
	}
	add("标记", strings.Join(flags, "、"))
	if len(parts) == 0 {
		return "全部（本账号可见范围内）"
	}
	return strings.Join(parts, "；")
}
