package workflow_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"minyi/privacy"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// TestRotationUnderLoad rotates the vault to a new key while tickets are
// submitted and their citizens messaged through the relay, which decrypts
// the phone numbers. No request may fail, and afterwards no value is left on
// the old key.
func TestRotationUnderLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newRelayEnv(t, db, false)
		e.now = time.Now()
		centre := e.actor(t, "centre1")
		var mu sync.Mutex
		var ids []int64
		submit := func(n int) error {
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音扰民",
				CodeUnit: "ps-dongguan", Phone: fmt.Sprintf("139%08d", n), Name: "测试" + fmt.Sprint(n)})
			if err != nil {
				return err
			}
			mu.Lock()
			ids = append(ids, tk.ID)
			mu.Unlock()
			return nil
		}
		const seeded = 120
		for i := range seeded {
			if err := submit(i); err != nil {
				t.Fatal(err)
			}
		}
		oldKey := e.keys.Primary

		stop := make(chan struct{})
		var wg sync.WaitGroup
		var requests, failures atomic.Int64
		var firstErr atomic.Value
		fail := func(err error) {
			failures.Add(1)
			firstErr.CompareAndSwap(nil, err)
		}
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					requests.Add(1)
					if w == 0 {
						if err := submit(seeded + n); err != nil {
							fail(err)
						}
						continue
					}
					mu.Lock()
					id := ids[rand.IntN(len(ids))]
					mu.Unlock()
					out, err := e.svc.Contact(ctx, centre, id, workflow.ContactRequest{Channel: "message", Text: "进度通知"})
					if err != nil || out.Status != privacy.OutcomeSent {
						fail(fmt.Errorf("contact ticket %d: %s: %v", id, out.Status, err))
					}
				}
			}()
		}

		time.Sleep(100 * time.Millisecond)
		newKeys := e.keys.Clone()
		newKey, err := newKeys.AddKey()
		if err != nil {
			t.Fatal(err)
		}
		vault := e.prot.Vault()
		if err := vault.SetKeys(newKeys); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // lets submissions sealed just before the switch commit
		batches := 0
		moved, err := vault.RotateProgress(ctx, db, 25, func(string, int) { batches++ })
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		close(stop)
		wg.Wait()

		if n := failures.Load(); n > 0 {
			t.Fatalf("%d of %d requests failed during the rotation, first: %v", n, requests.Load(), firstErr.Load())
		}
		if moved < seeded*2 || batches < 2 {
			t.Fatalf("rotation moved %d values in %d batches, want at least %d in several", moved, batches, seeded*2)
		}
		if n, err := privacy.KeyUsage(ctx, db, oldKey); err != nil || n != 0 {
			t.Fatalf("%d values left on the old key %s (%v)", n, oldKey, err)
		}
		if n, err := privacy.KeyUsage(ctx, db, newKey); err != nil || n < seeded*2 {
			t.Fatalf("%d values on the new key %s (%v)", n, newKey, err)
		}
		t.Logf("%d requests during the rotation of %d values", requests.Load(), moved)

		// With the old key retired every value still decrypts.
		if err := newKeys.RemoveKey(oldKey); err != nil {
			t.Fatal(err)
		}
		if err := vault.SetKeys(newKeys); err != nil {
			t.Fatal(err)
		}
		a, b := ids[0], ids[1]
		for _, id := range []int64{a, b} {
			if out, err := e.svc.Contact(ctx, centre, id, workflow.ContactRequest{Channel: "message", Text: "x"}); err != nil {
				t.Fatalf("contact ticket %d after retiring the old key: %s %v", id, out.Status, err)
			}
		}

		// A ciphertext copied to another row in SQL does not decrypt there.
		if _, err := db.ExecContext(ctx, `UPDATE vault SET ciphertext = (SELECT v.ciphertext FROM vault v
			WHERE v.ticket_id = ? AND v.field = 'phone') WHERE ticket_id = ? AND field = 'phone'`, a, b); err != nil {
			t.Fatal(err)
		}
		out, err := e.svc.Contact(ctx, centre, b, workflow.ContactRequest{Channel: "message", Text: "x"})
		if out.Status != privacy.OutcomeFailed || err == nil {
			t.Fatalf("a copied ciphertext gave status %q, err %v; want failed", out.Status, err)
		}
	})
}
