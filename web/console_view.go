package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"minyi/org"
	"minyi/ticket"
	"minyi/workflow"
)

// consoleView is what every console page renders: the account, the
// navigation, the alerts and the page's own Data. Its methods are the
// template's vocabulary for texts, times and names.
type consoleView struct {
	s            *Server
	now          time.Time
	Lang         string
	Account      org.Account
	CSRF         string
	Path         string // for the language switch
	Back         string // path that an action form returns to
	TitleKey     string
	Nav          []navItem
	RequestID    string
	Done         string // the action a redirect reports as done
	Error        string // the class of error, in the page's language
	ErrorDetail  string // the cause in Chinese, when known
	ErrorEnglish string // the class of error in English, on a Chinese page
	ErrorCause   string // the cause as the Go error states it, in English
	AlertsOn     bool
	Alerts       []alertView
	// AlertsNext is the address the sign-in page returns to when the alert
	// poll finds that the session ended: this page without ?done=.
	AlertsNext string
	Data       any
}

// T returns the text of key in the page's language.
func (v *consoleView) T(key string) string { return consoleText(v.Lang, key) }

// State returns the name of a state.
func (v *consoleView) State(st ticket.State) string { return stateText(v.Lang, st) }

// Act returns the name of an action.
func (v *consoleView) Act(a ticket.Action) string { return actionText(v.Lang, a) }

// Role returns the name of a role.
func (v *consoleView) Role(r ticket.Role) string { return consoleText(v.Lang, "role."+string(r)) }

// Outcome returns the name of a call-back outcome.
func (v *consoleView) Outcome(o ticket.Outcome) string {
	if o == "" {
		return ""
	}
	return consoleText(v.Lang, "outcome."+string(o))
}

// UnitName returns the name of a unit, or the id when the profile lacks it.
func (v *consoleView) UnitName(id string) string {
	if id == "" {
		return v.T("unit.none")
	}
	if u, ok := v.s.prof.Unit(id); ok {
		return u.Name
	}
	return id
}

// When formats a time in the profile's zone, "—" for none.
func (v *consoleView) When(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(v.s.prof.Location).Format("2006-01-02 15:04")
}

// Late reports whether a deadline has passed.
func (v *consoleView) Late(t time.Time) bool { return !t.IsZero() && v.now.After(t) }

// Left returns the time left until a deadline, or how late it is.
func (v *consoleView) Left(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(v.now)
	key := "left"
	if d < 0 {
		key, d = "late", -d
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var b strings.Builder
	b.WriteString(v.T(key))
	b.WriteByte(' ')
	if days > 0 {
		fmt.Fprintf(&b, "%d%s", days, v.T("days"))
	}
	if days > 0 || hours > 0 {
		fmt.Fprintf(&b, "%d%s", hours, v.T("hours"))
	}
	if days == 0 {
		fmt.Fprintf(&b, "%d%s", mins, v.T("minutes"))
	}
	return b.String()
}

// Deadline returns the deadline that matters in the ticket's state now.
func (v *consoleView) Deadline(t *ticket.Ticket) time.Time {
	switch t.State {
	case ticket.Dispatched:
		if !t.AcceptDue.IsZero() {
			return t.AcceptDue
		}
		return t.ReplyDue
	case ticket.Accepted, ticket.Reopened:
		return t.ReplyDue
	case ticket.Replied, ticket.Reviewed:
		return t.CallbackDue
	}
	return time.Time{}
}

// Pct formats a share as a percentage with one decimal.
func (v *consoleView) Pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

// Conf formats a tag confidence.
func (v *consoleView) Conf(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// Snippet cuts text to n characters.
func (v *consoleView) Snippet(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return string(r[:n]) + "…"
}

// TriageReason returns a ticket's triage reason in the page's language. The
// router stores its reasons in both languages (see Bilingual). Workflow's
// transcription reason and the "returned: " prefix of a unit's return are
// English, and the reason a unit gives for a return is shown as typed.
func (v *consoleView) TriageReason(reason string) string {
	if reason == workflow.NeedsTranscriptionReason {
		return v.T("triage.needs_transcription")
	}
	if note, ok := strings.CutPrefix(reason, "returned: "); ok {
		if v.Lang == "en" {
			return v.T("returned_by") + ": " + note
		}
		return v.T("returned_by") + "：" + note
	}
	return v.Bilingual(reason)
}

// EventReason returns the reason of a timeline event. The router's reasons
// (events of the system actor) show in the page's language, and a reason
// that staff or a citizen typed shows as typed.
func (v *consoleView) EventReason(ev ticket.Event) string {
	if ev.ActorRole == ticket.RoleSystem {
		return v.Bilingual(ev.Reason)
	}
	return ev.Reason
}

// Bilingual returns the page's language of a text that the router stores in
// both languages, such as a triage reason or its explanation. The router
// writes each sentence as 中文（English）, joins the sentences of one reason
// with "; " and the steps of an explanation with newlines. The English is
// every bracketed part, at the top level of the full-width brackets, whose
// text has a space and an ASCII letter. A bracketed unit id such as
// （ps-dongguan） or a number such as （0.80） stays in the Chinese. A line
// without an English part shows as it is in both languages.
//
// NOTE: a triage reason that centre staff typed is stored in the same field
// as the router's, so a typed reason with an English sentence in full-width
// brackets loses that sentence on the Chinese page.
func (v *consoleView) Bilingual(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		zh, en := splitBilingual(line)
		switch {
		case en == "":
			// no English part: the line shows as it is
		case v.Lang == "en":
			lines[i] = en
		default:
			lines[i] = zh
		}
	}
	return strings.Join(lines, "\n")
}

// splitBilingual splits one line of router text into its Chinese (the line
// without its English brackets) and its English (the English brackets'
// text, joined with "; "). en is "" when the line has no English bracket.
func splitBilingual(line string) (zh, en string) {
	const openBracket, closeBracket = "（", "）"
	var chinese strings.Builder
	var english []string
	depth, start := 0, 0 // start is the byte offset of the current top-level "（"
	last := 0            // the end of the text already copied to chinese
	for i := 0; i < len(line); {
		switch {
		case strings.HasPrefix(line[i:], openBracket):
			if depth == 0 {
				start = i
			}
			depth++
			i += len(openBracket)
		case strings.HasPrefix(line[i:], closeBracket) && depth > 0:
			depth--
			i += len(closeBracket)
			if depth == 0 {
				inner := line[start+len(openBracket) : i-len(closeBracket)]
				if isEnglishSentence(inner) {
					chinese.WriteString(line[last:start])
					english = append(english, inner)
					last = i
				}
			}
		default:
			i++
		}
	}
	if len(english) == 0 {
		return line, ""
	}
	chinese.WriteString(line[last:])
	zh = strings.ReplaceAll(strings.TrimSpace(chinese.String()), "; ", "；")
	return zh, strings.Join(english, "; ")
}

// isEnglishSentence reports whether a bracketed part of router text is its
// English: words, so at least one space and one ASCII letter.
func isEnglishSentence(s string) bool {
	return strings.Contains(s, " ") && strings.IndexFunc(s, func(r rune) bool {
		return r < utf8.RuneSelf && unicode.IsLetter(r)
	}) >= 0
}

// Title returns what a list shows for a ticket: its title, or the start of its body.
func (v *consoleView) Title(t *ticket.Ticket) string {
	if t.Title != "" {
		return v.Snippet(t.Title, 40)
	}
	return v.Snippet(t.Body, 40)
}

// selectOption is one entry of a select list.
type selectOption struct {
	Value, Label string
	Selected     bool
}

// consoleRow is one ticket in a console list with the forms offered beside it.
type consoleRow struct {
	V       *consoleView
	T       *ticket.Ticket
	NoteKey string   // a text key shown under the title, such as "rejected"
	Note    string   // free text beside NoteKey: a reason
	Explain string   // the router's explanation, for the triage queue
	Hints   []string // reply-review hints that fired, for the review queue
	Forms   []actionForm
}

// actionForm is the form of one action on one ticket.
type actionForm struct {
	V           *consoleView
	T           *ticket.Ticket
	Action      ticket.Action
	Back        string
	Units       []selectOption
	Tags        []selectOption
	Kinds       []selectOption // the kind to confirm or correct on dispatch; centre staff only
	Suggested   string         // suggested unit id
	DefaultDue  string         // datetime-local value
	Destination string
	Inline      bool // shown open, not folded in a <details>
}

// Name returns the action's name as a string, for template comparisons.
func (f actionForm) Name() string { return string(f.Action) }

// formsFor returns the forms of the actions the account may take on t now,
// limited to only when given: the console shows these and no others.
func (v *consoleView) formsFor(t *ticket.Ticket, only ...ticket.Action) []actionForm {
	var out []actionForm
	offered := consoleActions()
	for _, act := range ticket.Available(t, readerOf(v.Account.Actor(), t)) {
		if !containsAction(offered, act) || (len(only) > 0 && !containsAction(only, act)) || !fits(t, act) {
			continue
		}
		f := actionForm{V: v, T: t, Action: act, Back: v.Back}
		switch act {
		case ticket.ActDispatch:
			f.Suggested = v.s.suggestedUnit(t.Tag)
			if f.Suggested == "" {
				f.Suggested = t.UnitID
			}
			f.Units = v.s.dispatchUnitOptions(f.Suggested)
			f.Tags = v.s.dispatchTagOptions(t.Tag)
			f.Kinds = v.kindOptions(t)
			if f.Kinds != nil && t.Kind == "" {
				// Without this choice the browser would send the first kind,
				// recorded as a staff correction that no one made.
				f.Kinds = append([]selectOption{{Value: "", Label: v.T("in.kind_none"), Selected: true}}, f.Kinds...)
			}
		case ticket.ActSupervise:
			f.DefaultDue = v.now.Add(48 * time.Hour).In(v.s.prof.Location).Format("2006-01-02T15:04")
		case ticket.ActGrantExtension:
			base := t.ReplyDue
			if base.Before(v.now) {
				base = v.now
			}
			f.DefaultDue = base.Add(3 * 24 * time.Hour).In(v.s.prof.Location).Format("2006-01-02T15:04")
		case ticket.ActTransferOut:
			if tag, ok := v.s.prof.Tag(t.Tag); ok {
				f.Destination = tag.TransferTo
			}
		case ticket.ActInviteCohandler:
			if v.s.svc.ConductComplaint(t) {
				continue // a complaint about an officer's conduct is never co-handled
			}
			f.Units = v.s.inviteUnitOptions(t)
		case ticket.ActAccept, ticket.ActApprove, ticket.ActClose:
			f.Inline = true
		}
		out = append(out, f)
	}
	return out
}

// fits reports whether the ticket's extension state lets act succeed, which
// ticket.Available leaves to the action's own input check.
func fits(t *ticket.Ticket, act ticket.Action) bool {
	switch act {
	case ticket.ActGrantExtension, ticket.ActDenyExtension:
		return t.Extension == "requested"
	case ticket.ActRequestExtension:
		return t.Extension != "requested" && t.Extension != "granted"
	}
	return true
}

func containsAction(list []ticket.Action, a ticket.Action) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// suggestedUnit returns the fixed unit of the highest-priority routing rule
// for tag that needs no keyword, or "".
func (s *Server) suggestedUnit(tag string) string {
	best, prio := "", -1<<31
	for _, r := range s.prof.Rules {
		if r.Tag == tag && r.Unit != "" && len(r.Keywords) == 0 && r.Priority > prio {
			best, prio = r.Unit, r.Priority
		}
	}
	return best
}

// dispatchUnitOptions lists every unit below the root, for the dispatch form.
func (s *Server) dispatchUnitOptions(selected string) []selectOption {
	var out []selectOption
	for _, u := range s.prof.Units {
		if u.Parent == "" {
			continue
		}
		out = append(out, selectOption{Value: u.ID, Label: u.Name, Selected: u.ID == selected})
	}
	return out
}

// dispatchTagOptions lists the leaf tags, for the tag correction on dispatch.
func (s *Server) dispatchTagOptions(selected string) []selectOption {
	parents := map[string]bool{}
	for _, t := range s.prof.Tags {
		parents[t.Parent] = true
	}
	var out []selectOption
	for _, t := range s.prof.Tags {
		if parents[t.Name] {
			continue
		}
		label := t.Name
		if t.Parent != "" {
			label = t.Parent + " / " + t.Name
		}
		out = append(out, selectOption{Value: t.Name, Label: label, Selected: t.Name == selected})
	}
	return out
}

// Officer returns an officer's name and badge, or the id when unknown.
func (v *consoleView) Officer(id string) string {
	if n := v.s.officerName(id); n != "" {
		return n
	}
	return id
}

// due is one deadline of a ticket with the text key of its name.
type due struct {
	Key string
	At  time.Time
}

// Dues returns the ticket's deadlines that are set and still matter, in the
// order of the closed loop.
func (v *consoleView) Dues(t *ticket.Ticket) []due {
	var out []due
	add := func(key string, at time.Time) {
		if !at.IsZero() {
			out = append(out, due{key, at})
		}
	}
	if t.State == ticket.Dispatched {
		add("f.accept_due", t.AcceptDue)
	}
	if !t.State.Ended() {
		add("f.reply_due", t.ReplyDue)
		add("f.callback_due", t.CallbackDue)
	}
	if t.Supervised {
		add("f.supervise_due", t.SuperviseDue)
	}
	return out
}

// Detail returns the name of a timeline detail key.
func (v *consoleView) Detail(key string) string {
	if _, ok := consoleTexts["detail."+key]; ok {
		return v.T("detail." + key)
	}
	return key
}

// DetailValue returns a timeline detail value for display: yes or no for
// booleans, the name of a call-back outcome, a time in the profile's zone.
func (v *consoleView) DetailValue(key, value string) string {
	switch {
	case value == "true":
		return v.T("yes")
	case value == "false":
		return v.T("no")
	case key == "outcome":
		return v.Outcome(ticket.Outcome(value))
	case key == "cohandler":
		return v.UnitName(value)
	case key == "due" || key == "reply_due" || key == "binding_expires":
		if at, err := time.Parse(time.RFC3339, value); err == nil {
			return v.When(at)
		}
	case key == "route":
		return v.RouteName(value)
	case key == "channel":
		return channelName(v.Lang, value)
	case key == "contact_channel" || key == "contact_status":
		if _, ok := consoleTexts["value."+value]; ok {
			return v.T("value." + value)
		}
	}
	return value
}

// RouteName returns the name of what routed a ticket: a dispatch event's
// "route" (rule:NAME, area, place, manual, …) or a row key of the routing
// quality report. An unknown value comes back as it is.
func (v *consoleView) RouteName(route string) string {
	if name, ok := strings.CutPrefix(route, "rule:"); ok {
		if v.Lang == "en" {
			return route
		}
		return "规则“" + name + "”"
	}
	if _, ok := consoleTexts["route."+route]; ok {
		return v.T("route." + route)
	}
	return route
}

// Size formats a file size in KB or MB.
func (v *consoleView) Size(n int64) string {
	if n < 1<<20 {
		return strconv.FormatInt((n+1023)/1024, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}
