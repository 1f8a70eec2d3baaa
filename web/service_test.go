package web_test

import (
	"context"
	"testing"

	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/workflow"
)

// newPoliceService loads the police profile into db and returns a workflow
// service over it with fresh personal-data keys. Fields already set in o
// (a tagger, urgency detection, a clock) are kept.
func newPoliceService(t *testing.T, db *store.DB, o workflow.Options) (*workflow.Service, *profile.Profile) {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(context.Background(), db, p); err != nil {
		t.Fatal(err)
	}
	keys, err := privacy.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	o.DB, o.Profile, o.Protector = db, p, prot
	svc, err := workflow.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return svc, p
}
