package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"minyi/asr"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// testRecording returns 1.5 s of a generated tone as a 16 kHz mono WAV.
func testRecording() []byte {
	s := make([]int16, 24000)
	for i := range s {
		s[i] = int16(6000 * math.Sin(2*math.Pi*300*float64(i)/16000))
	}
	return asr.EncodeWAV(s, 16000, 1)
}

func voiceForm(key, body string) workflow.Form {
	return workflow.Form{Key: key, BodyHash: "hash-" + key + body,
		Submission: workflow.Submission{Channel: "web", Kind: "投诉", Body: body, Phone: "13900001234"}}
}

func TestVoiceOnlyFormNeedsTranscription(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		wav := testRecording()
		key := "00000000000000000000000000000001"
		if err := e.svc.StageVoice(ctx, key, wav, 1500*time.Millisecond, false); err != nil {
			t.Fatal(err)
		}
		tk, created, err := e.svc.SubmitVoiceForm(ctx, voiceForm(key, ""))
		if err != nil || !created {
			t.Fatalf("SubmitVoiceForm = %v, created %v", err, created)
		}
		if tk.State != ticket.Triage || tk.TriageReason != workflow.NeedsTranscriptionReason || tk.Title != workflow.VoiceTitle {
			t.Fatalf("voice-only ticket: state %s, reason %q, title %q", tk.State, tk.TriageReason, tk.Title)
		}
		if need, err := e.svc.NeedsTranscription(ctx, tk.ID); err != nil || !need {
			t.Fatalf("NeedsTranscription = %v, %v", need, err)
		}
		again, created, err := e.svc.SubmitVoiceForm(ctx, voiceForm(key, ""))
		if err != nil || created || again.ID != tk.ID {
			t.Fatalf("retry = ticket %v, created %v, %v; want ticket %d again", again, created, err, tk.ID)
		}
		if err := e.svc.StageVoice(ctx, key, wav, time.Second, false); !errors.Is(err, workflow.ErrFormReused) {
			t.Fatalf("StageVoice after sending = %v, want ErrFormReused", err)
		}

		var ct []byte
		if err := db.QueryRowContext(ctx, `SELECT ciphertext FROM voice_recordings WHERE ticket_id = ?`, tk.ID).Scan(&ct); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(ct, []byte("RIFF")) || bytes.Contains(ct, wav[44:1044]) {
			t.Fatal("the stored recording is not encrypted")
		}
		centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")
		got, err := e.svc.VoiceRecording(ctx, centre, tk.ID, "transcribe")
		if err != nil || !bytes.Equal(got, wav) {
			t.Fatalf("VoiceRecording by centre: %d bytes, %v", len(got), err)
		}
		if _, err := e.svc.VoiceRecording(ctx, handler, tk.ID, "transcribe"); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("VoiceRecording by a handler outside the ticket's unit = %v, want ErrNotFound", err)
		}
	})
}

func TestVoiceWithTextIsDispatchedAndKeepsRecording(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		key := "00000000000000000000000000000002"
		if err := e.svc.StageVoice(ctx, key, testRecording(), 1500*time.Millisecond, true); err != nil {
			t.Fatal(err)
		}
		f := voiceForm(key, "早高峰路口拥堵严重")
		f.Submission.CodeUnit = "tb-qinghe"
		tk, _, err := e.svc.SubmitVoiceForm(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if tk.State != ticket.Dispatched || tk.UnitID != "tb-qinghe" {
			t.Fatalf("state %s unit %s, want dispatched to tb-qinghe", tk.State, tk.UnitID)
		}
		v, err := e.svc.TicketVoice(ctx, tk.ID)
		if err != nil || !v.Recognised || v.Duration != 1500*time.Millisecond {
			t.Fatalf("TicketVoice = %+v, %v", v, err)
		}
		if need, _ := e.svc.NeedsTranscription(ctx, tk.ID); need {
			t.Fatal("a ticket with text is marked as needing transcription")
		}
		if _, err := e.svc.Transcribe(ctx, e.actor(t, "centre1"), tk.ID, "重复"); !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("Transcribe of a ticket with text = %v, want ErrInvalidInput", err)
		}
	})
}

func TestTranscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		submit := func(key string) *ticket.Ticket {
			t.Helper()
			if err := e.svc.StageVoice(ctx, key, testRecording(), time.Second, false); err != nil {
				t.Fatal(err)
			}
			tk, _, err := e.svc.SubmitVoiceForm(ctx, voiceForm(key, ""))
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")
		placed := submit("00000000000000000000000000000003")
		unplaced := submit("00000000000000000000000000000004")
		withdrawn := submit("00000000000000000000000000000005")
		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: withdrawn.ID, Actor: ticket.Citizen,
			Action: ticket.ActWithdraw}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name      string
			actor     ticket.Actor
			id        int64
			text      string
			wantErr   error
			wantState ticket.State
		}{
			{"handler may not", handler, placed.ID, "小区门口夜间噪音", ticket.ErrForbidden, ""},
			{"empty text", centre, placed.ID, "  \n ", ticket.ErrInvalidInput, ""},
			{"ended ticket", centre, withdrawn.ID, "小区门口夜间噪音", ticket.ErrTransition, ""},
			{"unknown ticket", centre, 999999, "小区门口夜间噪音", workflow.ErrNotFound, ""},
			{"low confidence stays in triage", centre, unplaced.ID, "说不清是什么事", nil, ticket.Triage},
			{"placed text is tagged", centre, placed.ID, "幸福路夜间噪音，电话13900001234", nil, ticket.Triage},
			{"second time", centre, placed.ID, "再来一次", ticket.ErrInvalidInput, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := e.svc.Transcribe(ctx, c.actor, c.id, c.text)
				if c.wantErr != nil {
					if !errors.Is(err, c.wantErr) {
						t.Fatalf("Transcribe = %v, want %v", err, c.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.State != c.wantState || got.Title != "" {
					t.Fatalf("state %s title %q, want %s and no title", got.State, got.Title, c.wantState)
				}
				if got.TriageReason == workflow.NeedsTranscriptionReason {
					t.Fatal("the triage reason still says the ticket needs transcription")
				}
				if need, _ := e.svc.NeedsTranscription(ctx, c.id); need {
					t.Fatal("still marked as needing transcription")
				}
				d, err := e.svc.Get(ctx, centre, c.id, "test")
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains([]byte(d.Ticket.Body), []byte("13900001234")) {
					t.Fatalf("transcribed body keeps a phone number: %q", d.Ticket.Body)
				}
				var ev *ticket.Event
				for i := range d.Events {
					if d.Events[i].Action == workflow.ActTranscribe {
						ev = &d.Events[i]
					}
				}
				if ev == nil || ev.ActorName != centre.Name || ev.ActorRole != ticket.RoleCentre {
					t.Fatalf("no transcribe event by %s in %+v", centre.Name, d.Events)
				}
			})
		}
		d, _ := e.svc.Get(ctx, centre, placed.ID, "test")
		if d.Ticket.Tag != "噪声扰民" {
			t.Fatalf("transcribed ticket tag %q, want 噪声扰民", d.Ticket.Tag)
		}
	})
}

// A transcribed ticket that the router places is dispatched at once.
func TestTranscribeDispatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		key := "00000000000000000000000000000006"
		if err := e.svc.StageVoice(ctx, key, testRecording(), time.Second, false); err != nil {
			t.Fatal(err)
		}
		f := voiceForm(key, "")
		f.Submission.Channel = "qr"
		tk, _, err := e.svc.SubmitVoiceForm(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Transcribe(ctx, e.actor(t, "centre1"), tk.ID, "早高峰路口拥堵严重")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != ticket.Dispatched || got.UnitID == "" || got.Tag != "交通拥堵" {
			t.Fatalf("after transcription: state %s unit %q tag %q", got.State, got.UnitID, got.Tag)
		}
	})
}

func TestPurgeRemovesAbandonedRecordings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		if err := e.svc.StageVoice(ctx, "abandoned-form", testRecording(), time.Second, false); err != nil {
			t.Fatal(err)
		}
		n, err := e.svc.PurgeAbandonedForms(ctx, e.now.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("purged %d, err %v; want the one staged recording", n, err)
		}
		var left int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM voice_recordings`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("%d recordings left (err %v)", left, err)
		}
	})
}
