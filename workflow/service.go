package workflow

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"minyi/dispatch"
	"minyi/place"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/ticket"
)

// Errors callers test for with errors.Is. Transition errors from the ticket
// package (ticket.ErrTransition, ticket.ErrForbidden, ticket.ErrInvalidInput)
// pass through unchanged.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("ticket changed concurrently, try again")
	ErrInvalid  = errors.New("invalid submission")
	// ErrIDReused is returned when a channel sends an external id again with
	// different text: the first ticket stands and the new text is not stored.
	ErrIDReused = errors.New("external id already used for a different item")
)

// Limits on submitted text, in characters.
const (
	MaxTitleChars = 200
	MaxBodyChars  = 50000
	MaxPlaceChars = 200
)

// Tagger predicts a label for a prediction head ("tag", "kind") of a text.
// ok is false when no model exists for the head.
type Tagger interface {
	Predict(ctx context.Context, head, text string) (p dispatch.Prediction, ok bool)
}

// Protector keeps personal data out of what staff see. Mask returns text with
// phone numbers, ID numbers and similar replaced; Seal encrypts a personal
// field of a ticket into the vault within tx; BlindIndex returns a keyed hash
// of a phone number ("" when it is not one); ProgressKey returns the keyed
// hash that lets a citizen open the progress page with the tracking code and
// the last four digits of the phone; PhoneHint decrypts a ticket's phone
// number and returns only its first and last digits (138****1111).
type Protector interface {
	Mask(text string) string
	Seal(ctx context.Context, tx *store.Tx, ticketID int64, field, value string) error
	BlindIndex(phone string) string
	ProgressKey(trackingCode, last4 string) string
	PhoneHint(ctx context.Context, q store.Querier, ticketID int64) (string, error)
}

// Access describes one access to data, for the audit log.
type Access struct {
	Actor    ticket.Actor
	Action   string // ticket.read, ticket.list, ticket.change, request.denied
	TicketID int64
	Fields   []string
	Purpose  string
	Result   string // ok, denied, error
	Filter   string
	Count    int
}

// AuditFunc records an access inside the caller's transaction. If it fails,
// the access fails with it.
type AuditFunc func(ctx context.Context, tx *store.Tx, a Access) error

// Options configures a Service.
type Options struct {
	DB        *store.DB
	Profile   *profile.Profile
	Protector Protector
	Tagger    Tagger                           // nil sends every item to triage
	Urgency   func(text string) (bool, string) // nil disables urgency detection
	Audit     AuditFunc                        // nil records nothing
	Now       func() time.Time                 // nil means time.Now
	Logger    *slog.Logger
	// Relay contacts citizens without showing staff their number; nil
	// means no provider is configured and Contact returns ErrNoRelay.
	Relay *privacy.Relay
	// SMSTrackingCode texts each new ticket's tracking code to the citizen
	// through Relay when the submission carries a phone number.
	SMSTrackingCode bool
	// OnCreated, if set, runs after each new ticket is committed, outside
	// the transaction, for work such as duplicate checking that must not
	// hold up or fail the submission.
	OnCreated func(ctx context.Context, t *ticket.Ticket)
	// OnEnded, if set, runs after an action leaves a ticket in an ended state
	// (closed, merged, invalid, withdrawn, transferred out).
	OnEnded func(id int64)
	// OnReopened, if set, runs after an action or Unmerge takes an ended
	// ticket back to an open state, so that what OnEnded undid is redone.
	OnReopened func(ctx context.Context, t *ticket.Ticket)
}

// Service runs the closed loop on one database.
type Service struct {
	db     *store.DB
	prof   *profile.Profile
	router *dispatch.Router
	opts   Options
	log    *slog.Logger
	// publicPhones holds the units' public service numbers, normalised,
	// which replies keep unmasked.
	publicPhones []string
}

// New returns a Service. DB, Profile and Protector are required.
func New(o Options) (*Service, error) {
	if o.DB == nil || o.Profile == nil || o.Protector == nil {
		return nil, errors.New("workflow: DB, Profile and Protector are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Service{db: o.DB, prof: o.Profile, router: dispatch.NewRouter(o.Profile), opts: o, log: o.Logger}
	for _, u := range o.Profile.Units {
		if u.Phone == "" {
			continue
		}
		n, ok := privacy.NormalizePhone(u.Phone)
		if !ok {
			return nil, fmt.Errorf("workflow: unit %s: phone %q is not a phone number", u.ID, u.Phone)
		}
		s.publicPhones = append(s.publicPhones, n)
	}
	return s, nil
}

// maskReply masks a staff reply, keeping the units' public service numbers.
// A number written without its area code counts as public when a public
// number ends with it.
func (s *Service) maskReply(reply string) string {
	if len(s.publicPhones) == 0 {
		return s.opts.Protector.Mask(reply)
	}
	return privacy.MaskExcept(reply, func(f privacy.Finding) bool {
		if f.Kind != privacy.KindLandline && f.Kind != privacy.KindMobile {
			return false
		}
		for _, p := range s.publicPhones {
			if p == f.Normalized || (len(f.Normalized) >= 7 && strings.HasSuffix(p, f.Normalized)) {
				return true
			}
		}
		return false
	})
}

// Profile returns the service's profile.
func (s *Service) Profile() *profile.Profile { return s.prof }

// DB returns the service's database.
func (s *Service) DB() *store.DB { return s.db }

// Submission is one item as a channel delivers it, before masking.
type Submission struct {
	Channel    string
	ExternalID string // the channel's id; a second submission with the same id returns the first ticket
	Kind       string
	Title      string
	Body       string
	Place      string
	CodeID     string
	CodeUnit   string // unit of the QR code, resolved by the caller
	OfficerID  string
	Phone      string
	Name       string
	IDNumber   string
	ReceivedAt time.Time // zero means now

	// Lat and Lon give where the problem is, in the coordinate system named by
	// CoordSystem (wgs84 by default, gcj02 for Amap and Tencent, bd09 for Baidu).
	// Both zero means no point.
	Lat, Lon    float64
	CoordSystem string
}

// channelPattern is what a channel name may look like: it appears in URLs,
// filters and exports, so it is kept to lower-case letters, digits, - and _.
var channelPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Limits on the short fields of a submission, in characters.
const (
	maxShortChars = 128 // external id, code id, officer id
	maxPhoneChars = 40
	maxNameChars  = 50
)

// earliestReceived is the earliest receipt time accepted: older times are
// mistakes (a zero date, a wrong column), not history.
var earliestReceived = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// CheckChannel returns an error wrapping ErrInvalid unless name is a valid
// channel name.
func CheckChannel(name string) error {
	if !channelPattern.MatchString(name) {
		return fmt.Errorf("%w: channel %q must be 1 to 32 lower-case letters, digits, - or _", ErrInvalid, name)
	}
	return nil
}

func (sub *Submission) validate() error {
	sub.Channel = strings.TrimSpace(sub.Channel)
	// A channel that pads its ids, or sends one of blanks, means the same id
	// or none, as an import treats a blank id cell.
	sub.ExternalID = strings.TrimSpace(sub.ExternalID)
	if err := CheckChannel(sub.Channel); err != nil {
		return err
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"title", sub.Title, MaxTitleChars}, {"body", sub.Body, MaxBodyChars}, {"place", sub.Place, MaxPlaceChars},
		{"external id", sub.ExternalID, maxShortChars}, {"code id", sub.CodeID, maxShortChars},
		{"officer id", sub.OfficerID, maxShortChars}, {"kind", sub.Kind, maxShortChars},
		{"phone", sub.Phone, maxPhoneChars}, {"name", sub.Name, maxNameChars}, {"ID number", sub.IDNumber, maxPhoneChars},
	} {
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, f.name)
		}
		// PostgreSQL text cannot hold NUL, and no citizen types one.
		if strings.ContainsRune(f.value, 0) {
			return fmt.Errorf("%w: %s contains a NUL character", ErrInvalid, f.name)
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return fmt.Errorf("%w: %s has %d characters, the limit is %d", ErrInvalid, f.name, n, f.max)
		}
	}
	if blank(sub.Title) && blank(sub.Body) {
		return fmt.Errorf("%w: title and body are both empty", ErrInvalid)
	}
	if !HasWords(sub.Title) && !HasWords(sub.Body) {
		return fmt.Errorf("%w: title and body contain no letter or digit, only punctuation, symbols or emoji. "+
			"Describe the matter in words", ErrInvalid)
	}
	if err := ValidatePhone(sub.Phone); err != nil {
		return err
	}
	sys, err := place.ParseSystem(sub.CoordSystem)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if sub.Lat != 0 || sub.Lon != 0 {
		if _, err := place.ToWGS84(place.Point{Lat: sub.Lat, Lon: sub.Lon}, sys); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	return nil
}

// HasWords reports whether s contains a letter or a digit in any script. Han
// characters are letters (Unicode category Lo), so a Chinese text has words,
// while a text of only punctuation, symbols or emoji has none. A form whose
// content is a recording or a photo carries words in its title instead (see
// VoiceTitle).
func HasWords(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// ValidatePhone returns an error matching ErrInvalid when phone is neither
// empty (white space only counts as empty) nor a number privacy.ParsePhone
// accepts: an 11-digit mobile number, a fixed-line number with area code, or
// a 7- or 8-digit local number without one. The citizen form accepts the same
// numbers. The message leaves the number out, so that it can be logged.
func ValidatePhone(phone string) error {
	if strings.TrimSpace(phone) == "" {
		return nil
	}
	if _, ok := privacy.ParsePhone(phone); !ok {
		return fmt.Errorf("%w: phone is not an 11-digit mobile number, a landline with area code "+
			"or a 7- or 8-digit local number; leave it empty when there is none", ErrInvalid)
	}
	return nil
}

// invisibleFillers are letters and symbols that render as empty space: the
// Hangul fillers, which Other_Default_Ignorable_Code_Point also contains in
// Go's unicode tables, and the blank braille pattern U+2800, which it does not.
var invisibleFillers = []rune{'\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800'}

// blank reports whether s shows nothing: it has only white space, control
// characters, format characters such as the zero-width space, combining marks
// with no base character, variation selectors, the other default-ignorable
// code points of Unicode and the invisibleFillers.
func blank(s string) bool {
	for _, r := range s {
		if !invisible(r) {
			return false
		}
	}
	return true
}

func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) ||
		unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) ||
		slices.Contains(invisibleFillers, r)
}

// validate checks a submission against the profile and the clock; see Validate.
func (s *Service) validate(sub *Submission) error {
	return Validate(s.prof, s.opts.Now(), sub)
}

// Validate checks a submission as Submit does, without a database: its own
// fields, that the kind is one of the profile's kinds, and that the receipt
// time lies between 2000 and one day ahead of now. It trims the channel.
func Validate(p *profile.Profile, now time.Time, sub *Submission) error {
	if err := sub.validate(); err != nil {
		return err
	}
	if sub.Kind != "" && !slices.Contains(p.Kinds, sub.Kind) {
		return fmt.Errorf("%w: kind %q is not one of %s", ErrInvalid, sub.Kind, strings.Join(p.Kinds, ", "))
	}
	if !sub.ReceivedAt.IsZero() {
		if sub.ReceivedAt.Before(earliestReceived) || sub.ReceivedAt.After(now.Add(24*time.Hour)) {
			return fmt.Errorf("%w: received time %s is before 2000 or more than a day ahead",
				ErrInvalid, sub.ReceivedAt.In(p.Location).Format("2006-01-02 15:04:05"))
		}
	}
	return nil
}

// Submit records a new item, tags it and dispatches it or sends it to triage,
// all in one transaction. It returns the ticket and whether it was created; an
// item whose channel and external id were seen before returns the existing
// ticket with created false, and ErrIDReused when that ticket carries other
// text. That holds when a concurrent Submit inserts the id first, too.
func (s *Service) Submit(ctx context.Context, sub Submission) (*ticket.Ticket, bool, error) {
	if t, err := s.admitSubmission(ctx, &sub); t != nil || err != nil {
		return t, false, err
	}
	prep := s.prepare(ctx, sub)
	var p *prepared // the written copy of prep
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		written, err := s.writePrepared(ctx, tx, []*prepared{prep})
		if err == nil {
			p = written[0]
		}
		return err
	})
	if errors.Is(err, errDuplicate) {
		existing, lookupErr := s.byExternalID(ctx, sub.Channel, sub.ExternalID)
		if lookupErr != nil {
			return nil, false, lookupErr
		}
		return existing, false, s.sameItem(existing, sub)
	}
	if err != nil {
		return nil, false, err
	}
	s.announceCreated(ctx, p.t, sub.Phone)
	return p.t, true, nil
}

// admitSubmission validates sub, trimming it in place, and returns the
// ticket already created under its channel and external id, if any, with
// ErrIDReused when that ticket carries other text. A nil ticket and nil
// error mean the submission is new.
func (s *Service) admitSubmission(ctx context.Context, sub *Submission) (*ticket.Ticket, error) {
	if err := s.validate(sub); err != nil {
		return nil, err
	}
	if sub.ExternalID == "" {
		return nil, nil
	}
	t, err := s.byExternalID(ctx, sub.Channel, sub.ExternalID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return t, s.sameItem(t, *sub)
}

// announceCreated runs what follows a committed new ticket: the tracking
// code text to the citizen and the OnCreated hook.
func (s *Service) announceCreated(ctx context.Context, t *ticket.Ticket, phone string) {
	s.log.Debug("ticket created", "ticket_id", t.ID, "state", t.State, "unit_id", t.UnitID)
	s.sendTrackingCode(ctx, t, phone)
	s.created(ctx, t)
}

// writePrepared inserts and indexes copies of ps within tx and returns the
// copies, which hold the ids and states. It writes copies because
// store.DB.InTx runs its function again when SQLite reports the database
// busy: a second attempt must start from the prepared tickets, not from what
// the rolled-back attempt left in them.
func (s *Service) writePrepared(ctx context.Context, tx *store.Tx, ps []*prepared) ([]*prepared, error) {
	written := make([]*prepared, len(ps))
	for i, p := range ps {
		q := *p
		t := *p.t
		q.t = &t
		if err := s.insertPrepared(ctx, tx, &q); err != nil {
			return nil, err
		}
		written[i] = &q
	}
	return written, indexCreated(ctx, tx, written)
}

// prepared is a validated submission with everything computed that needs no
// database: the masked ticket, the predictions, the routing decision.
type prepared struct {
	sub       Submission
	t         *ticket.Ticket
	at        time.Time
	kindPred  dispatch.Prediction
	kindOK    bool
	tagPred   dispatch.Prediction
	decision  dispatch.Decision
	urgentWhy string
}

// prepare masks, tags and routes a validated submission. It runs outside any
// transaction, so the CPU work never holds the database's write lock.
// maxAlertAge is how long after its receipt an urgent item still alerts the
// centre. An emergency a day old, such as a row of an imported history, has
// been handled by 110 or has not, and its alert would only hide current ones.
// Such an item is flagged urgent and acknowledged by the system at once.
const maxAlertAge = 24 * time.Hour

func (s *Service) prepare(ctx context.Context, sub Submission) *prepared {
	at := sub.ReceivedAt
	if at.IsZero() {
		at = s.opts.Now()
	}
	at = at.UTC().Truncate(time.Millisecond)
	p := &prepared{sub: sub, at: at}
	p.t = &ticket.Ticket{
		Channel: sub.Channel, ExternalID: sub.ExternalID, Kind: sub.Kind,
		Title: s.opts.Protector.Mask(sub.Title), Body: s.opts.Protector.Mask(sub.Body),
		Place: s.opts.Protector.Mask(sub.Place), CodeID: sub.CodeID, OfficerID: sub.OfficerID,
		CitizenKey: s.opts.Protector.BlindIndex(sub.Phone), State: ticket.Received,
		Priority: "normal", ReceivedAt: at,
	}
	text := joinText(p.t.Title, p.t.Body)
	var kindRejected, tagRejected string
	if p.t.Kind == "" {
		p.kindPred, p.kindOK, kindRejected = s.predictInProfile(ctx, "kind", text)
		if p.kindOK {
			p.t.Kind = p.kindPred.Label
		}
	}
	item := dispatch.Item{Text: text, Kind: p.t.Kind, CodeUnit: sub.CodeUnit, OfficerID: sub.OfficerID,
		Place: p.t.Place, Lat: sub.Lat, Lon: sub.Lon, CoordSystem: sub.CoordSystem}
	item.Tag, item.HasTag, tagRejected = s.predictInProfile(ctx, "tag", text)
	p.tagPred = item.Tag
	p.decision = s.router.Route(item)
	noteRejectedLabels(&p.decision, kindRejected, tagRejected)
	if s.opts.Urgency != nil {
		if urgent, why := s.opts.Urgency(sub.Title + "\n" + sub.Body); urgent {
			p.urgentWhy = why
			p.t.Priority = "urgent"
		}
	}
	return p
}

// insertPrepared writes a prepared submission: the ticket, its creation event,
// the sealed personal data, its tags, and the dispatch or triage step, but not
// its search terms, which the caller writes with indexCreated. It
// returns errDuplicate when another ticket already has the external id.
func (s *Service) insertPrepared(ctx context.Context, tx *store.Tx, p *prepared) error {
	t, sub, at := p.t, p.sub, p.at
	for attempt := 0; ; attempt++ {
		t.TrackingCode = newTrackingCode()
		id, err := insertTicket(ctx, tx, t, at.UnixMilli())
		if err == nil {
			t.ID = id
			break
		}
		if !store.IsUniqueViolation(err) || attempt > 3 {
			return fmt.Errorf("workflow: insert ticket: %w", err)
		}
		if sub.ExternalID != "" {
			return errDuplicate // another submission with this external id won the race
		}
	}
	if last4 := lastDigits(sub.Phone, 4); last4 != "" {
		key := s.opts.Protector.ProgressKey(t.TrackingCode, last4)
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET progress_key = ? WHERE id = ?`, key, t.ID); err != nil {
			return fmt.Errorf("workflow: progress key of ticket %d: %w", t.ID, err)
		}
	}
	if err := insertEvent(ctx, tx, ticket.Event{TicketID: t.ID, At: at, ActorName: "system",
		ActorRole: ticket.RoleSystem, Action: ticket.ActCreate, To: ticket.Received,
		Details: map[string]string{"channel": t.Channel}}); err != nil {
		return err
	}
	for field, value := range map[string]string{"phone": sub.Phone, "name": sub.Name, "id_number": sub.IDNumber} {
		if strings.TrimSpace(value) == "" {
			continue
		}
		if err := s.opts.Protector.Seal(ctx, tx, t.ID, field, value); err != nil {
			return fmt.Errorf("workflow: seal %s of ticket %d: %w", field, t.ID, err)
		}
	}
	if p.kindOK {
		if err := saveTags(ctx, tx, t.ID, "kind", p.kindPred.Label, p.kindPred.Confidence, p.kindPred.Source); err != nil {
			return err
		}
	}
	if err := s.applyDecisionWith(ctx, tx, t, p.decision, at, explainFeaturesDetails(p.tagPred, p.decision)); err != nil {
		return err
	}
	if p.urgentWhy != "" {
		in := ticket.Input{Reason: p.urgentWhy}
		if err := s.apply(ctx, tx, t, ticket.System, ticket.ActFlagUrgent, in, at); err != nil {
			return err
		}
		if at.Before(s.opts.Now().Add(-maxAlertAge)) {
			return acknowledgeOld(ctx, tx, t, at)
		}
	}
	return nil
}

// acknowledgeOld acknowledges the urgent flag of t, received more than
// maxAlertAge ago, as the system, so that it raises no alert. The
// acknowledgement carries the receipt time at, the time of the flag, so the
// timeline stays in order when history is imported.
func acknowledgeOld(ctx context.Context, tx *store.Tx, t *ticket.Ticket, at time.Time) error {
	_, err := acknowledge(ctx, tx, t, ticket.System, at.UTC().Truncate(time.Millisecond),
		"received more than a day ago: no alert")
	return err
}

// BatchResult is the outcome of one submission of a batch.
type BatchResult struct {
	Ticket  *ticket.Ticket
	Created bool
	Err     error // a validation error of this submission alone
}

// SubmitBatch records many submissions in one transaction, so that an import
// pays for one durable commit instead of one per row. Submissions that fail
// validation get their own error and do not stop the others. If the batch
// transaction fails (for example because a concurrent import inserted one of
// the same external ids), each submission is retried on its own with Submit.
func (s *Service) SubmitBatch(ctx context.Context, subs []Submission) ([]BatchResult, error) {
	results := make([]BatchResult, len(subs))
	valid := make([]Submission, len(subs)) // the submissions as validation trimmed them
	var todo []*prepared
	var todoIdx []int
	seen := map[[2]string]int{} // channel and external id → index of the first submission
	for i := range subs {
		sub := subs[i]
		if err := s.validate(&sub); err != nil {
			results[i].Err = err
			continue
		}
		valid[i] = sub
		if sub.ExternalID != "" {
			key := [2]string{sub.Channel, sub.ExternalID}
			if first, dup := seen[key]; dup {
				results[i].Err = errSameBatch(first)
				continue
			}
			seen[key] = i
			t, err := s.byExternalID(ctx, sub.Channel, sub.ExternalID)
			if err == nil {
				results[i].Ticket, results[i].Err = t, s.sameItem(t, sub)
				continue
			}
			if !errors.Is(err, ErrNotFound) {
				return nil, err
			}
		}
		todo = append(todo, s.prepare(ctx, sub))
		todoIdx = append(todoIdx, i)
	}
	var written []*prepared
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		written, err = s.writePrepared(ctx, tx, todo)
		return err
	})
	if err != nil {
		s.log.Warn("batch submit failed, retrying one by one", "rows", len(todo), "error", err)
		for _, i := range todoIdx {
			t, created, err := s.Submit(ctx, subs[i])
			if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrIDReused) {
				return nil, err
			}
			results[i] = BatchResult{Ticket: t, Created: created, Err: err}
		}
	} else {
		for k, i := range todoIdx {
			results[i] = BatchResult{Ticket: written[k].t, Created: true}
			s.created(ctx, written[k].t)
		}
	}
	// A repeat inside the batch reports the ticket of its first occurrence,
	// and ErrIDReused when its text differs from that ticket's.
	for i := range results {
		var same sameBatchError
		if !errors.As(results[i].Err, &same) {
			continue
		}
		first := results[int(same)]
		if first.Ticket == nil {
			results[i] = BatchResult{Err: fmt.Errorf("%w: channel %s, id %q: its first row in the batch was not saved: %v",
				ErrIDReused, valid[i].Channel, valid[i].ExternalID, first.Err)}
			continue
		}
		results[i] = BatchResult{Ticket: first.Ticket, Err: s.sameItem(first.Ticket, valid[i])}
	}
	return results, nil
}

func (s *Service) created(ctx context.Context, t *ticket.Ticket) {
	if s.opts.OnCreated != nil {
		s.opts.OnCreated(ctx, t)
	}
}

type sameBatchError int

func (e sameBatchError) Error() string {
	return fmt.Sprintf("same external id as submission %d", int(e))
}

func errSameBatch(first int) error { return sameBatchError(first) }

var errDuplicate = errors.New("duplicate external id")

// sameItem returns ErrIDReused unless sub carries the same text as t, the
// ticket created earlier under its external id. Text is compared masked,
// because that is what the ticket keeps.
func (s *Service) sameItem(t *ticket.Ticket, sub Submission) error {
	if SameText(t.Title, s.opts.Protector.Mask(sub.Title)) && SameText(t.Body, s.opts.Protector.Mask(sub.Body)) {
		return nil
	}
	return fmt.Errorf("%w: channel %s, id %q (ticket %d)", ErrIDReused, sub.Channel, sub.ExternalID, t.ID)
}

// SameText reports whether a and b are the same item text but for white
// space at either end and Windows line ends, which a channel's resend may
// change. A resent external id with the same text is the same item.
func SameText(a, b string) bool {
	clean := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return clean(a) == clean(b)
}

// applyDecisionWith records the tag and moves a received ticket to a unit or
// to triage, with extra added to the details of the dispatch or triage event.
func (s *Service) applyDecisionWith(ctx context.Context, tx *store.Tx, t *ticket.Ticket, d dispatch.Decision,
	at time.Time, extra map[string]string) error {
	details := explainDetails(d)
	for k, v := range extra {
		details[k] = v
	}
	t.Tag, t.TagConfidence, t.TagSource = d.Tag, d.Confidence, d.TagSource
	if d.Tag != "" {
		if err := saveTags(ctx, tx, t.ID, "tag", d.Tag, d.Confidence, d.TagSource); err != nil {
			return err
		}
	}
	if d.Triage {
		in := ticket.Input{Reason: d.Reason}
		return s.applyWithDetails(ctx, tx, t, ticket.System, ticket.ActTriage, in, at, details)
	}
	in, err := s.dispatchInput(d.UnitID, t.Tag, t.Priority, at)
	if err != nil {
		return err
	}
	in.RouteSource = d.Source
	return s.applyWithDetails(ctx, tx, t, ticket.System, ticket.ActDispatch, in, at, details)
}

func explainDetails(d dispatch.Decision) map[string]string {
	m := map[string]string{"explain": strings.Join(d.Steps, "\n")}
	if d.TagSource != "" {
		m["tag_source"] = d.TagSource
	}
	if d.TransferTo != "" {
		m["transfer_to"] = d.TransferTo
	}
	return m
}

// dispatchInput resolves a unit and computes its deadlines from the SLA policy.
func (s *Service) dispatchInput(unitID, tag, priority string, at time.Time) (ticket.Input, error) {
	if _, ok := s.prof.Unit(unitID); !ok {
		return ticket.Input{}, fmt.Errorf("%w: unit %q not found", ticket.ErrInvalidInput, unitID)
	}
	accept, reply, callback := s.prof.Deadlines(tag, priority, at)
	return ticket.Input{UnitID: unitID, UnitPath: s.prof.UnitPath(unitID), AcceptDue: accept, ReplyDue: reply,
		CallbackDue: callback}, nil
}

func (s *Service) apply(ctx context.Context, tx *store.Tx, t *ticket.Ticket, a ticket.Actor, act ticket.Action,
	in ticket.Input, at time.Time) error {
	return s.applyWithDetails(ctx, tx, t, a, act, in, at, nil)
}

// applyWithDetails runs one domain transition and persists the ticket and its event.
func (s *Service) applyWithDetails(ctx context.Context, tx *store.Tx, t *ticket.Ticket, a ticket.Actor,
	act ticket.Action, in ticket.Input, at time.Time, details map[string]string) error {
	loaded := t.Version
	ev, err := ticket.Apply(t, a, act, in, at)
	if err != nil {
		return err
	}
	for k, v := range details {
		ev.Details[k] = v
	}
	if err := saveTicket(ctx, tx, t, loaded, at.UnixMilli()); err != nil {
		return err
	}
	return insertEvent(ctx, tx, ev)
}

func (s *Service) byExternalID(ctx context.Context, channel, externalID string) (*ticket.Ticket, error) {
	t, err := scanTicket(s.db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE channel = ? AND external_id = ?`,
		channel, externalID))
	if err != nil {
		if isNoRows(err) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("workflow: ticket %s/%s: %w", channel, externalID, err)
	}
	return t, nil
}

func joinText(title, body string) string {
	switch {
	case title == "":
		return body
	case body == "":
		return title
	}
	return title + "\n" + body
}

// lastDigits returns the last n ASCII or full-width digits of s, or "" when s
// has fewer.
func lastDigits(s string, n int) string {
	var digits []rune
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, r)
		case r >= '０' && r <= '９':
			digits = append(digits, r-'０'+'0')
		}
	}
	if len(digits) < n {
		return ""
	}
	return string(digits[len(digits)-n:])
}

// CheckProgress returns the ticket with the tracking code if last4 matches the
// last four digits of the phone given at submission. Any mismatch, including
// an unknown code or a ticket without a phone, returns ErrNotFound, so the
// page reveals nothing about which part was wrong.
func (s *Service) CheckProgress(ctx context.Context, trackingCode, last4 string) (*Detail, error) {
	code := strings.ToUpper(strings.TrimSpace(trackingCode))
	want := s.opts.Protector.ProgressKey(code, lastDigits(last4, 4))
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM tickets WHERE tracking_code = ? AND progress_key = ?`, code, want).Scan(&id)
	if isNoRows(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("workflow: progress: %w", err)
	}
	return s.ByTrackingCode(ctx, code)
}

const trackingAlphabet = ticket.TrackingAlphabet

// newTrackingCode returns 10 characters from a 31-letter alphabet, about 49
// bits, which rate limits on the progress page make impractical to guess.
func newTrackingCode() string {
	b := make([]byte, ticket.TrackingCodeLength)
	out := make([]byte, 0, len(b))
	for len(out) < len(b) {
		_, _ = rand.Read(b)
		for _, c := range b {
			// 248 is the largest multiple of 31 below 256; rejecting the rest keeps letters uniform.
			if c < 248 && len(out) < len(b) {
				out = append(out, trackingAlphabet[int(c)%len(trackingAlphabet)])
			}
		}
	}
	return string(out)
}
