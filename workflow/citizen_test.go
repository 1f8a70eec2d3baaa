package workflow_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

func citizenService(t *testing.T, db *store.DB, now func() time.Time) *workflow.Service {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := privacy.GenerateKeys()
	prot, _ := privacy.NewProtector(keys)
	svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestSubmitFormOncePerKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
		svc := citizenService(t, db, func() time.Time { return now })
		photo := workflow.Photo{Index: 0, ContentType: "image/jpeg", Width: 1, Height: 1, SHA256: "ab", Data: []byte{1, 2}}
		if err := svc.StagePhoto(ctx, "key-1", photo); err != nil {
			t.Fatal(err)
		}
		form := workflow.Form{Key: "key-1", BodyHash: "h1", Submission: workflow.Submission{Channel: "web", Body: "路灯坏了"}}
		first, created, err := svc.SubmitForm(ctx, form)
		if err != nil || !created {
			t.Fatalf("first: %v %v", created, err)
		}
		again, created, err := svc.SubmitForm(ctx, form)
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("retry: ticket %d created %v, %v", again.ID, created, err)
		}
		form.BodyHash = "h2"
		if _, _, err := svc.SubmitForm(ctx, form); !errors.Is(err, workflow.ErrFormReused) {
			t.Fatalf("other body: %v", err)
		}
		if photos, _ := svc.TicketPhotos(ctx, first.ID); len(photos) != 1 {
			t.Fatalf("attached photos = %d", len(photos))
		}
		if err := svc.StagePhoto(ctx, "key-1", photo); !errors.Is(err, workflow.ErrFormReused) {
			t.Fatalf("staging after sending: %v", err)
		}
		if err := svc.StagePhoto(ctx, "key-2", photo); err != nil {
			t.Fatal(err)
		}
		n, err := svc.PurgeAbandonedForms(ctx, now.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want the one abandoned photo", n, err)
		}
		if photos, _ := svc.TicketPhotos(ctx, first.ID); len(photos) != 1 {
			t.Fatal("purge removed an attached photo")
		}
	})
}
