package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// Limits on the evidence of one reply. The caller checks the content of each
// file, and these bounds hold whatever the caller does.
const (
	MaxAttachments       = 5
	MaxAttachmentBytes   = 10 << 20
	MaxAttachmentNameLen = 100 // characters
)

// attachmentTypes lists the content types a reply may carry.
var attachmentTypes = map[string]bool{"image/jpeg": true, "image/png": true, "application/pdf": true}

// Attachment is a file of evidence that came with a unit's reply: a photo
// re-encoded without metadata, or a PDF document.
type Attachment struct {
	ID          int64
	TicketID    int64
	RepliedAt   time.Time // of the reply event the file came with
	Index       int
	Name        string // file name as uploaded, masked
	ContentType string
	Size        int64
	SHA256      string // of Data
	ActorName   string
	UnitID      string
	Data        []byte // empty in lists
}

func checkAttachments(files []Attachment) error {
	if len(files) > MaxAttachments {
		return fmt.Errorf("%w: a reply carries at most %d files, got %d", ticket.ErrInvalidInput, MaxAttachments, len(files))
	}
	for i, f := range files {
		if !attachmentTypes[f.ContentType] {
			return fmt.Errorf("%w: file %d has type %q, not JPEG, PNG or PDF", ticket.ErrInvalidInput, i+1, f.ContentType)
		}
		if len(f.Data) == 0 || len(f.Data) > MaxAttachmentBytes {
			return fmt.Errorf("%w: file %d has %d bytes, not 1 to %d", ticket.ErrInvalidInput, i+1, len(f.Data), MaxAttachmentBytes)
		}
	}
	return nil
}

// saveAttachments stores the files of a reply that actor made on t at at.
func (s *Service) saveAttachments(ctx context.Context, tx *store.Tx, t *ticket.Ticket, actor ticket.Actor,
	files []Attachment, at time.Time) error {
	for i, f := range files {
		name := []rune(s.opts.Protector.Mask(f.Name))
		if len(name) > MaxAttachmentNameLen {
			name = name[len(name)-MaxAttachmentNameLen:] // keep the extension
		}
		sum := sha256.Sum256(f.Data)
		var by any
		if actor.ID != 0 {
			by = actor.ID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ticket_attachments (ticket_id, replied_at, idx, filename,
			content_type, size, sha256, data, account_id, actor_name, unit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, at.UnixMilli(), i, string(name), f.ContentType, len(f.Data), hex.EncodeToString(sum[:]), f.Data,
			by, actor.Name, nullString(t.UnitID))
		if err != nil {
			return fmt.Errorf("workflow: attachment %d of ticket %d: %w", i+1, t.ID, err)
		}
	}
	return nil
}

const attachmentColumns = `id, ticket_id, replied_at, idx, filename, content_type, size, sha256, actor_name,
	COALESCE(unit_id, '')`

func scanAttachment(row interface{ Scan(...any) error }, data *[]byte) (Attachment, error) {
	var a Attachment
	var at int64
	dest := []any{&a.ID, &a.TicketID, &at, &a.Index, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.ActorName, &a.UnitID}
	if data != nil {
		dest = append(dest, data)
	}
	if err := row.Scan(dest...); err != nil {
		return a, err
	}
	a.RepliedAt = time.UnixMilli(at).UTC()
	return a, nil
}

func loadAttachments(ctx context.Context, q store.Querier, ticketID int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM ticket_attachments
		WHERE ticket_id = ? ORDER BY replied_at, idx`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("workflow: attachments of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("workflow: attachments of ticket %d: %w", ticketID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentFile returns one reply attachment with its data to an actor who
// may read its ticket, and records the read. An attachment that does not
// exist or whose ticket lies outside the actor's units returns ErrNotFound.
func (s *Service) AttachmentFile(ctx context.Context, actor ticket.Actor, id int64) (Attachment, error) {
	var out Attachment
	found := false
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		out, found = Attachment{}, false // InTx may run this again
		var data []byte
		a, err := scanAttachment(tx.QueryRowContext(ctx, `SELECT `+attachmentColumns+`, data
			FROM ticket_attachments WHERE id = ?`, id), &data)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("workflow: attachment %d: %w", id, err)
		}
		t, err := loadTicket(ctx, tx, a.TicketID)
		if err != nil {
			return err
		}
		reader, err := s.admit(ctx, tx, actor, t)
		if err != nil {
			return err
		}
		if !reader.CanRead(t) {
			return s.audit(ctx, tx, Access{Actor: actor, Action: "request.denied", TicketID: t.ID,
				Purpose: "attachment", Result: "denied"})
		}
		a.Data = data
		out, found = a, true
		return s.audit(ctx, tx, Access{Actor: reader, Action: "ticket.read", TicketID: t.ID,
			Fields: []string{"attachment:" + strconv.FormatInt(id, 10)}, Purpose: "attachment", Result: "ok"})
	})
	if err != nil {
		return Attachment{}, err
	}
	if !found {
		return Attachment{}, fmt.Errorf("attachment %d: %w", id, ErrNotFound)
	}
	return out, nil
}
