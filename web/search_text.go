package web

import (
	"net/http"
	"net/url"

	"minyi/org"
	"minyi/ticket"
)

// searchTexts holds the texts of the search and dashboard pages, Simplified
// Chinese first and English second. A key missing here is looked up in
// consoleTexts, which also provides the shared navigation bar.
var searchTexts = map[string][2]string{
	"title.search":    {"工单搜索", "Ticket search"},
	"title.dashboard": {"数据看板", "Dashboard"},
	"any":             {"全部", "All"},
	"range_to":        {" 至 ", " to "},
	"prev_page":       {"上一页", "Previous page"},
	"next_page":       {"下一页", "Next page"},

	"search.text":        {"关键词", "Keywords"},
	"search.placeholder": {"如：噪音、红灯或查询码", "e.g. 噪音, 红灯 or a tracking code"},
	"search.from":        {"受理日期从", "Received from"},
	"search.to":          {"至", "to"},
	"search.submit":      {"搜索", "Search"},
	"search.total":       {"共 ", ""},
	"search.total_after": {" 条", " tickets"},
	"search.page":        {"，第 ", ", page "},
	"search.page_after":  {" 页", ""},
	"search.export":      {"导出 Excel", "Export to Excel"},
	"search.none":        {"没有符合条件的工单。", "No ticket matches."},
	"search.invalid":     {"搜索条件有误。", "The search is invalid."},

	"dash.unit":          {"单位", "Unit"},
	"dash.show":          {"查看", "Show"},
	"dash.scope":         {"范围：", "Scope: "},
	"dash.range":         {"，所选区间 ", ", selected range "},
	"dash.metric":        {"指标", "Figure"},
	"dash.chart.trend":   {"每日受理与结案", "Received and closed per day"},
	"dash.chart.units":   {"各单位受理量", "Received by unit"},
	"dash.chart.channel": {"渠道分布", "By channel"},
	"dash.chart.tags":    {"标签分布", "By tag"},
	"dash.ranks":         {"单位排名（按满意率）", "Units ranked by satisfaction rate"},
	"dash.subtree":       {"（含下级单位）", " (with the units below)"},
	"dash.no_ranks":      {"区间内没有已派单的工单。", "No ticket was dispatched in the range."},
	"dash.rising":        {"上升的标签", "Rising tags"},
	"dash.prev":          {"与前一区间（", "Compared with the previous range ("},
	"dash.prev_after":    {"）相比", ")"},
	"dash.no_rising":     {"没有明显上升的标签。", "No tag is clearly rising."},
	"dash.hot":           {"热点问题", "Hot issues"},
	"dash.hot_note":      {"多位群众反映的同一问题，按人数和增长排序", "One problem reported by several citizens, ordered by citizens and growth"},
	"dash.no_hot":        {"区间内没有多人反映的同一问题。", "No problem was reported by several citizens in the range."},
	"dash.all_units":     {"全部单位", "All units"},
	"dash.new_tag":       {"新出现", "new"},
	"dash.untagged":      {"未分类", "Untagged"},
	"dash.received":      {"受理", "Received"},
	"dash.closed":        {"结案", "Closed"},

	"col.rank":     {"名次", "Rank"},
	"col.response": {"按时签收率", "On-time sign-for"},
	"col.daily":    {"日办结率", "Same-day completion"},
	"col.callback": {"回访率", "Call-back rate"},
	"col.current":  {"本区间", "This range"},
	"col.previous": {"前一区间", "Previous range"},
	"col.change":   {"变化", "Change"},
	"col.issue":    {"问题", "Issue"},
	"col.place":    {"地点", "Place"},
	"col.items":    {"件数", "Items"},
	"col.citizens": {"人数", "Citizens"},
	"col.recent":   {"近期新增", "New lately"},

	"period.today": {"今日", "Today"},
	"period.week":  {"本周", "This week"},
	"period.range": {"所选区间", "Selected range"},

	"kpi.satisfaction_rate":     {"满意率", "Satisfaction rate"},
	"kpi.callback_rate":         {"回访率", "Call-back rate"},
	"kpi.rectification_rate":    {"整改率", "Rectification rate"},
	"kpi.response_rate":         {"按时签收率", "On-time sign-for rate"},
	"kpi.daily_completion_rate": {"日办结率", "Same-day completion rate"},
	"kpi.counts.received":       {"受理量", "Received"},
	"kpi.counts.closed":         {"结案量", "Closed"},
	"kpi.counts.open":           {"未结", "Open"},
	"kpi.counts.overdue":        {"超期", "Overdue"},
	"kpi.cycle_hours.mean":      {"平均办理时长（小时）", "Mean cycle time (hours)"},
	"kpi.cycle_hours.p90":       {"办理时长 P90（小时）", "Cycle time P90 (hours)"},

	"err.from_date":  {"起始日期应为 2000 至 2999 年间的日期，格式 YYYY-MM-DD", "The start date must be a day YYYY-MM-DD from 2000 to 2999"},
	"err.to_date":    {"截止日期应为 2000 至 2999 年间的日期，格式 YYYY-MM-DD", "The end date must be a day YYYY-MM-DD from 2000 to 2999"},
	"err.range":      {"截止日期早于起始日期", "The end date is before the start date"},
	"err.unit_scope": {"所选单位不存在或不在您的权限范围内", "The unit does not exist or is outside your scope"},
}

// pageText returns the text of key in lang ("zh" or "en") for the search and
// dashboard pages, falling back to the console's texts.
func pageText(lang, key string) string {
	v, ok := searchTexts[key]
	if !ok {
		return consoleText(lang, key)
	}
	if lang == "en" {
		return v[1]
	}
	return v[0]
}

// frameData is the content of the page frame of the search and dashboard
// pages: the console's navigation bar, the account and the page's title.
type frameData struct {
	Lang     string
	Title    string
	Account  org.Account
	UnitName string // the name of the account's unit
	Nav      string // the current page: search or dashboard
	NavItems []navItem
	LangURL  string // this page in the other language
	CSRF     string // for the sign-out form
	Error    string
}

// T returns the text of key in the page's language.
func (f frameData) T(key string) string { return pageText(f.Lang, key) }

// Role returns the name of a role in the page's language.
func (f frameData) Role(r ticket.Role) string { return consoleText(f.Lang, "role."+string(r)) }

// pageFrame starts the frame of a search or dashboard page. It picks the
// language as the console does: ?lang= (remembered in a cookie), the
// cookie, or Simplified Chinese.
func (s *Server) pageFrame(w http.ResponseWriter, r *http.Request, acct org.Account, nav string) frameData {
	f := frameData{Lang: s.lang(w, r), Account: acct, Nav: nav, NavItems: navFor(acct.Role, r.URL.Path),
		CSRF: CSRFToken(r.Context())}
	f.Title = f.T("title." + nav)
	f.UnitName = f.T("unit.none")
	if u, ok := s.prof.Unit(acct.UnitID); ok {
		f.UnitName = u.Name
	}
	q := r.URL.Query()
	q.Set("lang", f.T("other_code"))
	f.LangURL = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	return f
}
