package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/dispatch"
	"minyi/privacy"
	"minyi/store"
	"minyi/ticket"
)

// ActTranscribe records that a member of the centre typed the words of a
// voice recording into a ticket that had none. The tagging and dispatch
// that follow are events of their own.
const ActTranscribe ticket.Action = "transcribe"

// NeedsTranscriptionReason is the triage reason of a ticket that arrived
// with a recording and no text.
const NeedsTranscriptionReason = "needs transcription: voice recording without text"

// VoiceTitle is the title of a ticket sent with a recording and no text, so
// that lists show what it is until staff transcribe it.
const VoiceTitle = "语音留言（待转写）"

// VoiceSealer encrypts voice recordings bound to their form key or ticket.
// *privacy.Protector implements it; the Protector given to New must too for
// the voice operations to work.
type VoiceSealer interface {
	SealBlob(o privacy.BlobOwner, data []byte) (privacy.SealedBlob, error)
	OpenBlob(o privacy.BlobOwner, b privacy.SealedBlob) ([]byte, error)
	ReownBlob(from, to privacy.BlobOwner, b privacy.SealedBlob) (privacy.SealedBlob, error)
}

// ErrNoVoice is returned for a ticket that has no recording. It matches
// ErrNotFound too.
var ErrNoVoice = fmt.Errorf("no voice recording: %w", ErrNotFound)

// Voice describes a stored recording, without its sound.
type Voice struct {
	TicketID   int64 // zero while staged
	Duration   time.Duration
	Recognised bool // a recogniser produced text from it
	CreatedAt  time.Time
}

func (s *Service) voiceSealer() (VoiceSealer, error) {
	vs, ok := s.opts.Protector.(VoiceSealer)
	if !ok {
		return nil, errors.New("workflow: the protector cannot seal voice recordings")
	}
	return vs, nil
}

func formOwner(key string) privacy.BlobOwner {
	return privacy.BlobOwner{FormKey: key, Kind: privacy.BlobKindVoice}
}

func ticketOwner(id int64) privacy.BlobOwner {
	return privacy.BlobOwner{TicketID: id, Kind: privacy.BlobKindVoice}
}

// StageVoice keeps a validated recording, encrypted, under a form key before
// the form is sent, replacing an earlier one of the same form. recognised
// records whether a recogniser turned it into text. A form already sent returns
// ErrFormReused.
func (s *Service) StageVoice(ctx context.Context, formKey string, wav []byte, d time.Duration, recognised bool) error {
	if formKey == "" || len(wav) == 0 {
		return fmt.Errorf("%w: a recording needs a form key and sound", ErrInvalid)
	}
	vs, err := s.voiceSealer()
	if err != nil {
		return err
	}
	sealed, err := vs.SealBlob(formOwner(formKey), wav)
	if err != nil {
		return fmt.Errorf("workflow: stage voice: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO voice_recordings (form_key, key_id, ciphertext, duration_ms, recognised,
		created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (form_key) DO UPDATE SET key_id = excluded.key_id, ciphertext = excluded.ciphertext,
		duration_ms = excluded.duration_ms, recognised = excluded.recognised, created_at = excluded.created_at
		WHERE voice_recordings.ticket_id IS NULL`,
		formKey, sealed.KeyID, sealed.Ciphertext, d.Milliseconds(), store.Bool(recognised), s.opts.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("workflow: stage voice: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: the form was already sent", ErrFormReused)
	}
	return nil
}

// UnstageVoice removes the staged recording of a form the citizen discarded.
func (s *Service) UnstageVoice(ctx context.Context, formKey string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM voice_recordings WHERE form_key = ? AND ticket_id IS NULL`,
		formKey); err != nil {
		return fmt.Errorf("workflow: unstage voice: %w", err)
	}
	return nil
}

const voiceColumns = `COALESCE(ticket_id, 0), duration_ms, recognised, created_at`

func scanVoice(row *sql.Row) (Voice, error) {
	var v Voice
	var ms, created int64
	var recognised int
	if err := row.Scan(&v.TicketID, &ms, &recognised, &created); err != nil {
		return v, err
	}
	v.Duration, v.Recognised = time.Duration(ms)*time.Millisecond, recognised != 0
	v.CreatedAt = store.Time(sql.NullInt64{Int64: created, Valid: true})
	return v, nil
}

// FormVoice returns the recording kept under a form key, staged or sent, or
// ErrNotFound.
func (s *Service) FormVoice(ctx context.Context, formKey string) (Voice, error) {
	v, err := scanVoice(s.db.QueryRowContext(ctx, `SELECT `+voiceColumns+` FROM voice_recordings WHERE form_key = ?`, formKey))
	if isNoRows(err) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("workflow: voice of form: %w", err)
	}
	return v, nil
}

// TicketVoice returns the recording of a ticket, or ErrNoVoice. It reads no
// sound and records nothing.
func (s *Service) TicketVoice(ctx context.Context, ticketID int64) (Voice, error) {
	v, err := scanVoice(s.db.QueryRowContext(ctx, `SELECT `+voiceColumns+` FROM voice_recordings WHERE ticket_id = ?`, ticketID))
	if isNoRows(err) {
		return v, fmt.Errorf("ticket %d: %w", ticketID, ErrNoVoice)
	}
	if err != nil {
		return v, fmt.Errorf("workflow: voice of ticket %d: %w", ticketID, err)
	}
	return v, nil
}

// NeedsTranscription reports whether a ticket waits for staff to type the
// words of its recording.
func (s *Service) NeedsTranscription(ctx context.Context, ticketID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT needs_transcription FROM tickets WHERE id = ?`, ticketID).Scan(&n)
	if isNoRows(err) {
		return false, fmt.Errorf("ticket %d: %w", ticketID, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("workflow: ticket %d: %w", ticketID, err)
	}
	return n != 0, nil
}

// VoiceRecording decrypts the recording of a ticket for a member of staff
// who may read the ticket, and records the read with its purpose in the
// audit log. A ticket outside the actor's units returns ErrNotFound, and one
// without a recording ErrNoVoice.
func (s *Service) VoiceRecording(ctx context.Context, actor ticket.Actor, ticketID int64, purpose string) ([]byte, error) {
	vs, err := s.voiceSealer()
	if err != nil {
		return nil, err
	}
	var wav []byte
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := loadTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if !actor.CanRead(t) {
			return errDenied
		}
		var b privacy.SealedBlob
		err = tx.QueryRowContext(ctx, `SELECT key_id, ciphertext FROM voice_recordings WHERE ticket_id = ?`, ticketID).
			Scan(&b.KeyID, &b.Ciphertext)
		if isNoRows(err) {
			return fmt.Errorf("ticket %d: %w", ticketID, ErrNoVoice)
		}
		if err != nil {
			return fmt.Errorf("workflow: voice of ticket %d: %w", ticketID, err)
		}
		if wav, err = vs.OpenBlob(ticketOwner(ticketID), b); err != nil {
			return fmt.Errorf("workflow: voice of ticket %d: %w", ticketID, err)
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.read", TicketID: ticketID,
			Fields: []string{"voice"}, Purpose: purpose, Result: "ok"})
	})
	if errors.Is(err, errDenied) {
		// The denial is recorded in a transaction of its own, since the read's was rolled back.
		if aerr := s.db.InTx(ctx, func(tx *store.Tx) error {
			return s.audit(ctx, tx, Access{Actor: actor, Action: "request.denied", TicketID: ticketID,
				Fields: []string{"voice"}, Purpose: purpose, Result: "denied"})
		}); aerr != nil {
			return nil, aerr
		}
		return nil, fmt.Errorf("ticket %d: %w", ticketID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return wav, nil
}

var errDenied = errors.New("workflow: denied")

// attachVoice moves the recording staged under formKey to its ticket,
// sealing it again for the ticket. It does nothing when no recording is
// staged or the recording is attached already.
func (s *Service) attachVoice(ctx context.Context, tx *store.Tx, vs VoiceSealer, formKey string, ticketID int64) error {
	var b privacy.SealedBlob
	var attached int64
	err := tx.QueryRowContext(ctx, `SELECT key_id, ciphertext, COALESCE(ticket_id, 0) FROM voice_recordings WHERE form_key = ?`,
		formKey).Scan(&b.KeyID, &b.Ciphertext, &attached)
	if isNoRows(err) || (err == nil && attached == ticketID) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("workflow: attach voice: %w", err)
	}
	if attached != 0 {
		return fmt.Errorf("%w: the recording belongs to another ticket", ErrFormReused)
	}
	moved, err := vs.ReownBlob(formOwner(formKey), ticketOwner(ticketID), b)
	if err != nil {
		return fmt.Errorf("workflow: attach voice to ticket %d: %w", ticketID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE voice_recordings SET ticket_id = ?, key_id = ?, ciphertext = ? WHERE form_key = ?`,
		ticketID, moved.KeyID, moved.Ciphertext, formKey); err != nil {
		return fmt.Errorf("workflow: attach voice to ticket %d: %w", ticketID, err)
	}
	return nil
}

// SubmitVoiceForm submits a citizen form that may carry a recording staged
// under its key with StageVoice. Without a recording it is SubmitForm. With
// a recording and text, the form is submitted as usual and the recording
// joins the ticket. With a recording and no text, the ticket goes to triage
// marked as needing transcription (NeedsTranscriptionReason); Transcribe
// tags and dispatches it once staff have typed the words. Retries behave as
// in SubmitForm.
func (s *Service) SubmitVoiceForm(ctx context.Context, f Form) (*ticket.Ticket, bool, error) {
	if _, err := s.FormVoice(ctx, f.Key); errors.Is(err, ErrNotFound) {
		return s.SubmitForm(ctx, f)
	} else if err != nil {
		return nil, false, err
	}
	vs, err := s.voiceSealer()
	if err != nil {
		return nil, false, err
	}
	sub := f.Submission
	if strings.TrimSpace(sub.Title) != "" || strings.TrimSpace(sub.Body) != "" {
		t, created, err := s.SubmitForm(ctx, f)
		if err != nil {
			return nil, false, err
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error { return s.attachVoice(ctx, tx, vs, f.Key, t.ID) })
		if err != nil {
			return nil, false, err
		}
		return t, created, nil
	}
	return s.submitVoiceOnly(ctx, vs, f)
}

// submitVoiceOnly records a form whose only content is its recording.
// NOTE: without text, emergency detection cannot run until staff transcribe
// the recording; the form's fixed 110 notice is the only safeguard meanwhile.
func (s *Service) submitVoiceOnly(ctx context.Context, vs VoiceSealer, f Form) (*ticket.Ticket, bool, error) {
	if f.Key == "" || f.BodyHash == "" {
		return nil, false, fmt.Errorf("%w: the form key is missing", ErrInvalid)
	}
	sub := f.Submission
	sub.Title, sub.ExternalID = VoiceTitle, f.Key
	if err := s.validate(&sub); err != nil {
		return nil, false, err
	}
	at := s.opts.Now().UTC().Truncate(time.Millisecond)
	var lat, lon any
	if f.Latitude != nil && f.Longitude != nil {
		lat, lon = *f.Latitude, *f.Longitude
	}
	var out *ticket.Ticket
	created := false
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		out, created = nil, false // InTx may run this again
		if _, err := tx.ExecContext(ctx, `INSERT INTO citizen_forms (form_key, body_hash, latitude, longitude, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (form_key) DO NOTHING`, f.Key, f.BodyHash, lat, lon, at.UnixMilli()); err != nil {
			return fmt.Errorf("workflow: reserve form: %w", err)
		}
		var hash string
		var sent sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT body_hash, ticket_id FROM citizen_forms WHERE form_key = ?`, f.Key).
			Scan(&hash, &sent); err != nil {
			return fmt.Errorf("workflow: reserve form: %w", err)
		}
		if hash != f.BodyHash {
			return ErrFormReused
		}
		if sent.Valid {
			t, err := loadTicket(ctx, tx, sent.Int64)
			out = t
			return err
		}

		t := &ticket.Ticket{Channel: sub.Channel, ExternalID: sub.ExternalID, Kind: sub.Kind, Title: VoiceTitle,
			Place: s.opts.Protector.Mask(sub.Place), CodeID: sub.CodeID, OfficerID: sub.OfficerID,
			CitizenKey: s.opts.Protector.BlindIndex(sub.Phone), State: ticket.Received, Priority: "normal", ReceivedAt: at}
		t.TrackingCode = newTrackingCode()
		id, err := insertTicket(ctx, tx, t, at.UnixMilli())
		if err != nil {
			return fmt.Errorf("workflow: insert ticket: %w", err)
		}
		t.ID = id
		if last4 := lastDigits(sub.Phone, 4); last4 != "" {
			key := s.opts.Protector.ProgressKey(t.TrackingCode, last4)
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET progress_key = ?, needs_transcription = 1 WHERE id = ?`,
				key, t.ID); err != nil {
				return fmt.Errorf("workflow: progress key of ticket %d: %w", t.ID, err)
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE tickets SET needs_transcription = 1 WHERE id = ?`, t.ID); err != nil {
			return fmt.Errorf("workflow: mark ticket %d: %w", t.ID, err)
		}

		if err := insertEvent(ctx, tx, ticket.Event{TicketID: t.ID, At: at, ActorName: "system",
			ActorRole: ticket.RoleSystem, Action: ticket.ActCreate, To: ticket.Received,
			Details: map[string]string{"channel": t.Channel, "voice": "1"}}); err != nil {
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

		if err := s.apply(ctx, tx, t, ticket.System, ticket.ActTriage,
			ticket.Input{Reason: NeedsTranscriptionReason}, at); err != nil {
			return err
		}
		if err := s.attachVoice(ctx, tx, vs, f.Key, t.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE citizen_photos SET ticket_id = ? WHERE form_key = ? AND ticket_id IS NULL`,
			t.ID, f.Key); err != nil {
			return fmt.Errorf("workflow: attach photos: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE citizen_forms SET ticket_id = ? WHERE form_key = ?`, t.ID, f.Key); err != nil {
			return fmt.Errorf("workflow: link form: %w", err)
		}
		out, created = t, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		s.log.Debug("voice ticket created", "ticket_id", out.ID, "state", out.State)
	}
	return out, created, nil
}

// Transcribe puts the words of a ticket's recording, typed by a member of the
// centre, into its body, then tags it and dispatches it or leaves it in
// triage with the router's reason, as Submit does for typed text. It
// records an ActTranscribe event and the change in the audit log. Only
// centre staff may transcribe (ticket.ErrForbidden); a ticket that does not
// need transcription returns ticket.ErrInvalidInput, an ended one a
// *ticket.TransitionError, and one transcribed concurrently ErrConflict.
func (s *Service) Transcribe(ctx context.Context, actor ticket.Actor, id int64, text string) (*ticket.Ticket, error) {
	if actor.Role != ticket.RoleCentre {
		return nil, fmt.Errorf("ticket %d: role %s may not transcribe: %w", id, actor.Role, ticket.ErrForbidden)
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(text) || n == 0:
		return nil, fmt.Errorf("%w: the transcript is empty or not valid UTF-8", ticket.ErrInvalidInput)
	case n > MaxBodyChars:
		return nil, fmt.Errorf("%w: the transcript has %d characters, the limit is %d", ticket.ErrInvalidInput, n, MaxBodyChars)
	}
	at := s.opts.Now().UTC().Truncate(time.Millisecond)
	var out *ticket.Ticket
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.State.Ended() {
			return &ticket.TransitionError{Action: ActTranscribe, State: t.State}
		}
		if t.Title == VoiceTitle {
			t.Title = ""
		}
		t.Body = s.opts.Protector.Mask(text)
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET title = ?, body = ?, needs_transcription = 0, updated_at = ?
			WHERE id = ? AND needs_transcription = 1`, t.Title, t.Body, at.UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("workflow: transcribe ticket %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if pending, err := needsTranscription(ctx, tx, id); err == nil && !pending {
				return fmt.Errorf("%w: ticket %d does not need transcription", ticket.ErrInvalidInput, id)
			}
			return fmt.Errorf("ticket %d: %w", id, ErrConflict)
		}
		route, err := s.routeTranscribed(ctx, tx, t)
		if err != nil {
			return err
		}
		details := map[string]string{"chars": strconv.Itoa(utf8.RuneCountInString(text))}
		maps.Copy(details, route.undispatchedDetails(t))
		if err := insertEvent(ctx, tx, ticket.Event{TicketID: id, At: at, ActorID: actor.ID, ActorName: actor.Name,
			ActorRole: actor.Role, Action: ActTranscribe, From: t.State, To: t.State, UnitID: t.UnitID,
			Details: details}); err != nil {
			return err
		}
		if err := indexForSearch(ctx, tx, t); err != nil {
			return err
		}
		if err := s.applyTranscribedRoute(ctx, tx, t, route, at); err != nil {
			return err
		}
		out = t
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.change", TicketID: id,
			Fields: []string{"body"}, Purpose: string(ActTranscribe), Result: "ok"})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func needsTranscription(ctx context.Context, q store.Querier, id int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT needs_transcription FROM tickets WHERE id = ?`, id).Scan(&n)
	return n != 0, err
}

// transcribedRoute is the tagging, urgency and routing of a transcribed
// ticket. routeTranscribed computes it before the transcribe event is
// written, so that the event can record why the model chose the tag.
type transcribedRoute struct {
	tagPred   dispatch.Prediction
	decision  dispatch.Decision
	urgentWhy string // empty unless the words read like an emergency
}

// dispatches reports whether applying the route moves t out of triage with
// a dispatch event of the system.
func (r transcribedRoute) dispatches(t *ticket.Ticket) bool {
	return t.State == ticket.Triage && !r.decision.Triage
}

// undispatchedDetails returns the details that the transcribe event of t
// carries when the route writes no dispatch event: the features that weighed
// most for the model's tag and that tag's source, as TagExplanation reads
// them. It returns nil when the route dispatches, because the dispatch event
// records them, and when a rule set the tag or no model ran.
func (r transcribedRoute) undispatchedDetails(t *ticket.Ticket) map[string]string {
	if r.dispatches(t) {
		return nil
	}
	details := explainFeaturesDetails(r.tagPred, r.decision)
	if details != nil {
		details["tag_source"] = r.decision.TagSource
	}
	return details
}

// routeTranscribed tags a freshly transcribed ticket and decides whether it
// is urgent and where it goes. It stores a predicted kind, and leaves the
// rest to applyTranscribedRoute.
func (s *Service) routeTranscribed(ctx context.Context, tx *store.Tx, t *ticket.Ticket) (transcribedRoute, error) {
	var r transcribedRoute
	text := joinText(t.Title, t.Body)
	var kindRejected, tagRejected string
	if t.Kind == "" {
		var p dispatch.Prediction
		var ok bool
		if p, ok, kindRejected = s.predictInProfile(ctx, "kind", text); ok {
			t.Kind = p.Label
			if err := saveTags(ctx, tx, t.ID, "kind", p.Label, p.Confidence, p.Source); err != nil {
				return r, err
			}
		}
	}

	item := dispatch.Item{Text: text, Kind: t.Kind, OfficerID: t.OfficerID}
	if t.CodeID != "" {
		var unit sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT unit_id FROM codes WHERE id = ?`, t.CodeID).Scan(&unit); err != nil &&
			!isNoRows(err) {
			return r, fmt.Errorf("workflow: code of ticket %d: %w", t.ID, err)
		}
		item.CodeUnit = unit.String
	}
	item.Tag, item.HasTag, tagRejected = s.predictInProfile(ctx, "tag", text)
	r.tagPred = item.Tag
	if s.opts.Urgency != nil && !t.Urgent {
		if urgent, why := s.opts.Urgency(text); urgent {
			r.urgentWhy = why
		}
	}
	r.decision = s.router.Route(item)
	noteRejectedLabels(&r.decision, kindRejected, tagRejected)
	return r, nil
}

// applyTranscribedRoute flags the ticket urgent when routeTranscribed found
// its words urgent, and dispatches it when the router places it from triage, with the model's
// features in the dispatch event. A ticket the router cannot place waits in
// triage with the router's reason.
func (s *Service) applyTranscribedRoute(ctx context.Context, tx *store.Tx, t *ticket.Ticket, r transcribedRoute,
	at time.Time) error {
	if r.urgentWhy != "" {
		t.Priority = "urgent"
		if err := s.apply(ctx, tx, t, ticket.System, ticket.ActFlagUrgent, ticket.Input{Reason: r.urgentWhy}, at); err != nil {
			return err
		}
	}

	d := r.decision
	if r.dispatches(t) {
		return s.applyDecisionWith(ctx, tx, t, d, at, explainFeaturesDetails(r.tagPred, d))
	}
	// Left in triage, or already dispatched by hand: record the tag, and in
	// triage replace the transcription reason with the router's.
	loaded := t.Version
	t.Tag, t.TagConfidence, t.TagSource = d.Tag, d.Confidence, d.TagSource
	if t.State == ticket.Triage {
		t.TriageReason = d.Reason
	}
	t.Version++
	if d.Tag != "" {
		if err := saveTags(ctx, tx, t.ID, "tag", d.Tag, d.Confidence, d.TagSource); err != nil {
			return err
		}
	}
	return saveTicket(ctx, tx, t, loaded, at.UnixMilli())
}

// MarkVoiceRecognised records that a recogniser turned the recording staged
// under a form key into text.
func (s *Service) MarkVoiceRecognised(ctx context.Context, formKey string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE voice_recordings SET recognised = 1 WHERE form_key = ?`, formKey); err != nil {
		return fmt.Errorf("workflow: mark voice recognised: %w", err)
	}
	return nil
}
