package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

func TestReplyAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		lead := e.actor(t, "dongguan")
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音扰民", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		e.act(t, tk.ID, lead, ticket.ActAccept, ticket.Input{})
		photo := workflow.Attachment{Name: "现场.jpg", ContentType: "image/jpeg", Data: []byte("\xff\xd8\xff jpeg bytes")}
		pdf := workflow.Attachment{Name: "整改报告.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 report")}

		bad := []struct {
			name   string
			action ticket.Action
			files  []workflow.Attachment
		}{
			{"on accept", ticket.ActAccept, []workflow.Attachment{photo}},
			{"six files", ticket.ActReply, []workflow.Attachment{photo, photo, photo, photo, photo, photo}},
			{"html", ticket.ActReply, []workflow.Attachment{{Name: "a.html", ContentType: "text/html", Data: []byte("<p>")}}},
			{"empty", ticket.ActReply, []workflow.Attachment{{Name: "a.pdf", ContentType: "application/pdf"}}},
			{"too large", ticket.ActReply, []workflow.Attachment{{Name: "a.pdf", ContentType: "application/pdf",
				Data: make([]byte, workflow.MaxAttachmentBytes+1)}}},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: lead, Action: tc.action,
					Input: ticket.Input{Reply: "已处理"}, Attachments: tc.files})
				if !errors.Is(err, ticket.ErrInvalidInput) {
					t.Fatalf("err = %v, want ErrInvalidInput", err)
				}
			})
		}

		_, err = e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: lead, Action: ticket.ActReply,
			Input: ticket.Input{Reply: "已上门处理"}, Attachments: []workflow.Attachment{photo, pdf}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Get(ctx, lead, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if last := d.Events[len(d.Events)-1]; last.Action != ticket.ActReply || last.Details["attachments"] != "2" {
			t.Fatalf("reply event = %+v", last)
		}
		if len(d.Attachments) != 2 {
			t.Fatalf("attachments = %+v", d.Attachments)
		}
		a := d.Attachments[1]
		if a.Name != "整改报告.pdf" || a.ContentType != "application/pdf" || a.Size != int64(len(pdf.Data)) ||
			a.ActorName != lead.Name || a.UnitID != "ps-dongguan" || len(a.Data) != 0 || len(a.SHA256) != 64 {
			t.Fatalf("listed attachment = %+v", a)
		}

		var accesses []workflow.Access
		audited, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot,
			Audit: func(_ context.Context, _ *store.Tx, a workflow.Access) error {
				accesses = append(accesses, a)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audited.AttachmentFile(ctx, lead, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := audited.AttachmentFile(ctx, e.actor(t, "binjiang"), a.ID); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("other station download: %v, want ErrNotFound", err)
		}
		if len(accesses) != 2 {
			t.Fatalf("audit records = %+v, want a read and a denial", accesses)
		}
		if r := accesses[0]; r.Action != "ticket.read" || r.TicketID != tk.ID || r.Purpose != "attachment" ||
			r.Result != "ok" || r.Actor.ID != lead.ID {
			t.Errorf("read record = %+v", r)
		}
		if r := accesses[1]; r.Action != "request.denied" || r.TicketID != tk.ID || r.Result != "denied" {
			t.Errorf("denial record = %+v", r)
		}

		for _, name := range []string{"dongguan", "centre1", "qinghe-leader"} {
			got, err := e.svc.AttachmentFile(ctx, e.actor(t, name), a.ID)
			if err != nil {
				t.Fatalf("%s download: %v", name, err)
			}
			if !bytes.Equal(got.Data, pdf.Data) {
				t.Fatalf("%s download returned other bytes", name)
			}
		}
		if _, err := e.svc.AttachmentFile(ctx, e.actor(t, "binjiang"), a.ID); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("other station download: %v, want ErrNotFound", err)
		}
		if _, err := e.svc.AttachmentFile(ctx, lead, a.ID+100); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("unknown attachment: %v, want ErrNotFound", err)
		}
	})
}

func TestAttachmentNameMaskedAndClipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		lead := e.actor(t, "dongguan")
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音扰民", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		e.act(t, tk.ID, lead, ticket.ActAccept, ticket.Input{})
		long := strings.Repeat("长", 150) + "13912345678.pdf"
		_, err = e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: lead, Action: ticket.ActReply,
			Input: ticket.Input{Reply: "已处理"}, Attachments: []workflow.Attachment{
				{Name: long, ContentType: "application/pdf", Data: []byte("%PDF-1.7")}}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Get(ctx, lead, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		name := d.Attachments[0].Name
		if strings.Contains(name, "13912345678") {
			t.Errorf("stored name %q keeps a phone number", name)
		}
		if n := len([]rune(name)); n > workflow.MaxAttachmentNameLen || !strings.HasSuffix(name, ".pdf") {
			t.Errorf("stored name %q has %d characters or lost its extension", name, n)
		}
	})
}
