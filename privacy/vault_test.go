package privacy

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

var ticketSeq atomic.Int64

// newTicket inserts a minimal ticket and returns its id.
func newTicket(t testing.TB, q store.Querier) int64 {
	t.Helper()
	id, err := insertTicket(context.Background(), q)
	if err != nil {
		t.Fatalf("insert ticket: %v", err)
	}
	return id
}

func insertTicket(ctx context.Context, q store.Querier) (int64, error) {
	code := fmt.Sprintf("T%08d", ticketSeq.Add(1))
	return store.InsertID(ctx, q, `INSERT INTO tickets (tracking_code, channel, state, received_at, created_at, updated_at)
VALUES (?, 'web', 'received', 0, 0, 0)`, code)
}

func testKeys(t testing.TB) *Keys {
	t.Helper()
	k, err := GenerateKeys()
	if err != nil {
		t.Fatalf("generate keys: %v", err)
	}
	return k
}

func testVault(t testing.TB, k *Keys) *Vault {
	t.Helper()
	v, err := NewVault(k)
	if err != nil {
		t.Fatalf("new vault: %v", err)
	}
	return v
}

func TestVaultPutGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVault(t, testKeys(t))
		id := newTicket(t, db)
		values := map[string]string{
			FieldPhone:    "13912345678",
			FieldName:     "测试人😀𠀀",
			FieldIDNumber: "11010519491231002X",
			FieldAddress:  "某市某区某街道1号",
		}
		for field, value := range values {
			if err := v.Put(ctx, db, id, field, value); err != nil {
				t.Fatalf("put %s: %v", field, err)
			}
		}
		for field, want := range values {
			got, err := v.Get(ctx, db, id, field)
			if err != nil {
				t.Fatalf("get %s: %v", field, err)
			}
			if got != want {
				t.Errorf("get %s = %q, want %q", field, got, want)
			}
		}
		if err := v.Put(ctx, db, id, FieldPhone, "13700000000"); err != nil {
			t.Fatalf("replace phone: %v", err)
		}
		if got, _ := v.Get(ctx, db, id, FieldPhone); got != "13700000000" {
			t.Errorf("replaced phone = %q", got)
		}
		if err := v.Put(ctx, db, id, "email", "x"); err == nil {
			t.Error("put unknown field: no error")
		}
		other := newTicket(t, db)
		if _, err := v.Get(ctx, db, other, FieldPhone); !errors.Is(err, ErrNotFound) {
			t.Errorf("get missing: err = %v, want ErrNotFound", err)
		}
		if _, err := v.Get(ctx, db, other, FieldPhone); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("get missing: err = %v, want store.ErrNotFound", err)
		}
	})
}

func TestVaultInTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVault(t, testKeys(t))
		var id int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if id, err = insertTicket(ctx, tx); err != nil {
				return err
			}
			return v.Put(ctx, tx, id, FieldPhone, "13912345678")
		})
		if err != nil {
			t.Fatalf("tx: %v", err)
		}
		if got, err := v.Get(ctx, db, id, FieldPhone); err != nil || got != "13912345678" {
			t.Errorf("get = %q, %v", got, err)
		}
	})
}

func TestVaultCopiedCiphertext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVault(t, testKeys(t))
		a, b := newTicket(t, db), newTicket(t, db)
		if err := v.Put(ctx, db, a, FieldPhone, "13912345678"); err != nil {
			t.Fatal(err)
		}
		if err := v.Put(ctx, db, b, FieldPhone, "13800000000"); err != nil {
			t.Fatal(err)
		}
		if err := v.Put(ctx, db, a, FieldName, "测试"); err != nil {
			t.Fatal(err)
		}
		// Copy a's phone ciphertext onto b's phone row, and onto a's name row.
		copies := []struct {
			name   string
			ticket int64
			field  string
		}{
			{"other ticket", b, FieldPhone},
			{"other field", a, FieldName},
		}
		for _, c := range copies {
			t.Run(c.name, func(t *testing.T) {
				_, err := db.ExecContext(ctx, `UPDATE vault SET ciphertext =
(SELECT ciphertext FROM vault WHERE ticket_id = ? AND field = 'phone')
WHERE ticket_id = ? AND field = ?`, a, c.ticket, c.field)
				if err != nil {
					t.Fatalf("copy: %v", err)
				}
				got, err := v.Get(ctx, db, c.ticket, c.field)
				if !errors.Is(err, ErrDecrypt) {
					t.Errorf("get copied value = %q, %v; want ErrDecrypt", got, err)
				}
			})
		}
		if got, err := v.Get(ctx, db, a, FieldPhone); err != nil || got != "13912345678" {
			t.Errorf("original = %q, %v", got, err)
		}
	})
}

func TestProtectorPhoneHint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, err := NewProtector(testKeys(t))
		if err != nil {
			t.Fatal(err)
		}
		mobile := genMobile("138")
		withMobile, withLandline, withJunk, without := newTicket(t, db), newTicket(t, db), newTicket(t, db), newTicket(t, db)
		for id, value := range map[int64]string{withMobile: mobile, withLandline: "0731-88880000", withJunk: "12345"} {
			if err := p.vault.Put(ctx, db, id, FieldPhone, value); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			id   int64
			want string
		}{{withMobile, mobile[:3] + "****" + mobile[7:]}, {withLandline, "0731-******00"}, {withJunk, ""}} {
			got, err := p.PhoneHint(ctx, db, tc.id)
			if err != nil {
				t.Fatalf("ticket %d: %v", tc.id, err)
			}
			if got != tc.want {
				t.Errorf("ticket %d: hint %q, want %q", tc.id, got, tc.want)
			}
		}
		if _, err := p.PhoneHint(ctx, db, without); !errors.Is(err, ErrNotFound) {
			t.Errorf("ticket without a number: error %v, want ErrNotFound", err)
		}
	})
}
