package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// langGet requests path as who with the lang cookie set to lang when lang
// is not empty, and returns the status, the body and the lang cookie the
// response sets.
func (e *searchEnv) langGet(t *testing.T, who, path, lang string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "minyi_session", Value: e.sessions[who]})
	if lang != "" {
		req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	set := ""
	for _, c := range resp.Cookies() {
		if c.Name == "lang" {
			set = c.Value
		}
	}
	return resp.StatusCode, string(b), set
}

var headerNavRE = regexp.MustCompile(`(?s)<header class="top">.*?<nav>(.*?)</nav>`)

// headerNav returns the links of a page's navigation bar without the mark
// of the current page.
func headerNav(t *testing.T, page string) string {
	t.Helper()
	m := headerNavRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no console navigation bar in page:\n%.1500s", page)
	}
	return strings.ReplaceAll(m[1], ` class="active" aria-current="page"`, "")
}

// TestSearchDashboardLanguage checks that the search and dashboard pages
// follow the console's language setting, Chinese by default, and show the
// console's navigation bar.
func TestSearchDashboardLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		e.submit(t, "ps-dongguan", workflow.Submission{Title: "楼上噪音", Body: "夜里装修噪音扰民"})
		e.reindex(t)
		search := "/search?q=" + url.QueryEscape("噪音")

		_, console, _ := e.langGet(t, "centre1", "/console/triage", "")
		consoleNav := headerNav(t, console)

		zhPages := map[string][]string{
			"/dashboard": {`<html lang="zh-CN">`, "数据看板", "满意率", "单位排名（按满意率）", "分拣派单"},
			search:       {`<html lang="zh-CN">`, "工单搜索", "关键词", "状态", "已派单", "分拣派单"},
		}
		for path, want := range zhPages {
			status, page, _ := e.langGet(t, "centre1", path, "")
			if status != http.StatusOK {
				t.Fatalf("%s: status %d", path, status)
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("%s in Chinese lacks %q", path, w)
				}
			}
			if nav := headerNav(t, page); nav != consoleNav {
				t.Errorf("%s navigation bar differs from the console's:\n%s\nconsole:\n%s", path, nav, consoleNav)
			}
		}

		status, page, set := e.langGet(t, "centre1", "/dashboard?lang=en", "")
		if status != http.StatusOK {
			t.Fatalf("/dashboard?lang=en: status %d", status)
		}
		if set != "en" {
			t.Errorf("/dashboard?lang=en sets lang cookie %q, want en", set)
		}
		for _, w := range []string{`<html lang="en">`, "<h1>Dashboard</h1>", "Satisfaction rate", "Units ranked by satisfaction rate",
			"Triage", `"received":"Received"`} {
			if !strings.Contains(page, w) {
				t.Errorf("English dashboard lacks %q", w)
			}
		}
		for _, zh := range []string{"数据看板", "满意率", "指标", "今日", "单位排名", "热点问题", "工作台", "查看"} {
			if strings.Contains(page, zh) {
				t.Errorf("English dashboard shows %q", zh)
			}
		}

		// With the lang=en cookie, which /dashboard?lang=en sets, search is English too.
		status, page, _ = e.langGet(t, "centre1", search, "en")
		if status != http.StatusOK {
			t.Fatalf("search in English: status %d", status)
		}
		for _, w := range []string{`<html lang="en">`, "<h1>Ticket search</h1>", "Keywords", "Dispatched", "Triage",
			`<strong id="total">1</strong> tickets`} {
			if !strings.Contains(page, w) {
				t.Errorf("English search lacks %q", w)
			}
		}
		for _, zh := range []string{"工单搜索", "关键词", "状态", "已派单", "全部", "搜索</button>", "导出", "条"} {
			if strings.Contains(page, zh) {
				t.Errorf("English search shows %q", zh)
			}
		}
		if nav := headerNav(t, page); !strings.Contains(nav, `href="/console/triage">Triage<`) {
			t.Errorf("English search navigation bar: %s", nav)
		}
		if !strings.Contains(page, `class="lang" href="/search?lang=zh&amp;q=`) {
			t.Errorf("English search lacks the link to the same search in Chinese")
		}
	})
}
