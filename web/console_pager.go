package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// consolePager is the page navigation of a console list shown a page at a
// time by offset, as the search and the access log pages are.
type consolePager struct {
	Page, Pages, Total int
	PrevURL, NextURL   string // "" on the first and the last page
}

// newConsolePager returns the navigation of page (from 1) of a list of total
// items shown size a page. Its links are path with the query of r and the
// page number.
func newConsolePager(r *http.Request, page, size, total int) consolePager {
	p := consolePager{Page: page, Total: total, Pages: (total + size - 1) / size}
	link := func(n int) string {
		q := r.URL.Query()
		q.Del("done") // the notice of an action belongs to the page it returned to
		q.Del("lang") // the language is kept in a cookie
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, max(p.Pages, 1)))
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}

// pageNumber returns the ?page= parameter of r, 1 when it is absent.
func pageNumber(r *http.Request) (int, error) {
	text := strings.TrimSpace(r.URL.Query().Get("page"))
	if text == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > maxPageNumber {
		return 0, newInputError(fmt.Sprintf("页码“%s”应为 1 到 %d 之间的整数。", text, maxPageNumber),
			fmt.Sprintf("page %q is not a number from 1 to %d", text, maxPageNumber))
	}
	return n, nil
}

// maxPageNumber bounds ?page= so that the offset it gives stays small.
const maxPageNumber = 100_000

// withPage returns path with ?page=N, or path alone for the first page.
func withPage(path string, page int) string {
	if page <= 1 {
		return path
	}
	return path + "?" + url.Values{"page": {strconv.Itoa(page)}}.Encode()
}

// pagerTexts are the console texts of the page navigation, Chinese first.
var pagerTexts = map[string][2]string{
	"pager.status": {"共 %d 件，第 %d / %d 页", "%d items, page %d of %d"},
	"pager.prev":   {"上一页", "Previous page"},
	"pager.next":   {"下一页", "Next page"},
}

func init() { addConsoleTexts("pager", pagerTexts) }

// addConsoleTexts adds texts to consoleTexts at start. A key that is already
// there stops the program, so that no text silently replaces another.
func addConsoleTexts(group string, texts map[string][2]string) {
	for k, v := range texts {
		if _, dup := consoleTexts[k]; dup {
			panic(fmt.Sprintf("web: %s text %q is also a console text", group, k))
		}
		consoleTexts[k] = v
	}
}
