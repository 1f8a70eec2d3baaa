package evaluate_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"minyi/evaluate"
	"minyi/store"
	"minyi/store/storetest"
)

func TestAddressCapConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		setup(t, db)
		now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
		c, _ := evaluate.Create(ctx, db, evaluate.NewCode{OwnerType: evaluate.OwnerOfficer, OwnerID: "o001"}, now)
		o, _ := evaluate.ResolveCode(ctx, db, c)
		const capacity, posts = 5, 16
		opts := evaluate.RecordOptions{Period: 24 * time.Hour, AddressCap: capacity, Now: now}
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted, limited, failed := 0, 0, []error{}
		for i := 0; i < posts; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				// Every post claims a device of its own, as a script would.
				_, err := evaluate.Record(ctx, db, evaluate.Evaluation{Kind: evaluate.KindRating, CodeID: c.ID,
					OfficerID: o.OfficerID, UnitID: o.UnitID, UnitPath: o.UnitPath, Rating: evaluate.Satisfied,
					DeviceHash: evaluate.HashDevice(fmt.Sprint("dev-", i)), AddressHash: "addr-1"}, opts)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, evaluate.ErrAddressLimit):
					limited++
				default:
					failed = append(failed, err)
				}
			}(i)
		}
		wg.Wait()
		if len(failed) > 0 {
			t.Fatalf("%d posts failed, first: %v", len(failed), failed[0])
		}
		if accepted != capacity || limited != posts-capacity {
			t.Errorf("%d accepted and %d limited, want %d and %d", accepted, limited, capacity, posts-capacity)
		}

		other := evaluate.Evaluation{Kind: evaluate.KindRating, CodeID: c.ID, OfficerID: o.OfficerID, UnitID: o.UnitID,
			UnitPath: o.UnitPath, Rating: evaluate.Satisfied, DeviceHash: evaluate.HashDevice("dev-other"), AddressHash: "addr-2"}
		if _, err := evaluate.Record(ctx, db, other, opts); err != nil {
			t.Errorf("another address: %v, want it recorded", err)
		}
		next := opts
		next.Now = now.Add(24 * time.Hour)
		late := other
		late.AddressHash, late.DeviceHash = "addr-1", evaluate.HashDevice("dev-late")
		if _, err := evaluate.Record(ctx, db, late, next); err != nil {
			t.Errorf("the capped address in the next window: %v, want it recorded", err)
		}
	})
}
