package privacy

import (
	"context"
	"errors"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

func TestVerifyKeysEmptyDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		used, err := KeysInUse(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if used {
			t.Fatal("KeysInUse on a new database = true, want false")
		}
		first := testKeys(t)
		if err := VerifyKeys(ctx, db, first); err != nil {
			t.Fatalf("first keys on an empty database: %v", err)
		}
		if used, err := KeysInUse(ctx, db); err != nil || !used {
			t.Fatalf("KeysInUse after VerifyKeys = %v, %v; want true", used, err)
		}
		if err := VerifyKeys(ctx, db, first.Clone()); err != nil {
			t.Fatalf("same keys again: %v", err)
		}
		err = VerifyKeys(ctx, db, testKeys(t))
		if !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("other keys: err = %v, want ErrKeyMismatch", err)
		}
	})
}

// TestVerifyKeysEachKey checks that a key file that shares some keys with
// the database's but differs in one is rejected.
func TestVerifyKeysEachKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first := testKeys(t)
		if err := VerifyKeys(ctx, db, first); err != nil {
			t.Fatal(err)
		}
		other := testKeys(t)
		for name, change := range map[string]func(k *Keys){
			"aead":        func(k *Keys) { k.AEAD[0].Key = other.AEAD[0].Key },
			"blind_index": func(k *Keys) { k.BlindIndex = other.BlindIndex },
			"progress":    func(k *Keys) { k.Progress = other.Progress },
		} {
			k := first.Clone()
			change(k)
			if err := VerifyKeys(ctx, db, k); !errors.Is(err, ErrKeyMismatch) {
				t.Errorf("%s key changed: err = %v, want ErrKeyMismatch", name, err)
			}
		}
	})
}

// TestVerifyKeysOlderDatabase checks a database with sealed values but no
// key check values, as written before the key_checks table existed.
func TestVerifyKeysOlderDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first := testKeys(t)
		if err := testVault(t, first).Put(ctx, db, newTicket(t, db), FieldPhone, "13912345678"); err != nil {
			t.Fatal(err)
		}
		if used, err := KeysInUse(ctx, db); err != nil || !used {
			t.Fatalf("KeysInUse with a vault row = %v, %v; want true", used, err)
		}

		// A new key file reuses the id k1 but its key does not open the row.
		err := VerifyKeys(ctx, db, testKeys(t))
		if !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("other keys: err = %v, want ErrKeyMismatch", err)
		}
		if checks, err := readKeyChecks(ctx, db); err != nil || len(checks) != 0 {
			t.Fatalf("rejected keys stored %d check values (err %v), want 0", len(checks), err)
		}

		if err := VerifyKeys(ctx, db, first); err != nil {
			t.Fatalf("the keys that sealed the row: %v", err)
		}
		if checks, err := readKeyChecks(ctx, db); err != nil || len(checks) != 3 {
			t.Fatalf("stored %d check values (err %v), want 3", len(checks), err)
		}
		if err := VerifyKeys(ctx, db, testKeys(t)); !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("other keys after the checks were stored: err = %v, want ErrKeyMismatch", err)
		}
	})
}

// TestVerifyKeysOlderDatabaseSecrets checks that a TOTP secret, the only
// sealed value, is enough to reject a foreign key file.
func TestVerifyKeysOlderDatabaseSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first := testKeys(t)
		if _, err := db.ExecContext(ctx, `INSERT INTO units (id, path, name, kind) VALUES ('u1', 'u1', '测试单位', 'centre')`); err != nil {
			t.Fatal(err)
		}
		id, err := store.InsertID(ctx, db, `INSERT INTO accounts (name, display_name, role, unit_id, created_at)
VALUES ('keycheck1', '测试账号', 'centre', 'u1', 0)`)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := testVault(t, first).SealTOTP(id, "JBSWY3DPEHPK3PXP")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE accounts SET totp_secret = ?, totp_key_id = ? WHERE id = ?`,
			stored.Text(), stored.KeyID(), id); err != nil {
			t.Fatal(err)
		}
		if err := VerifyKeys(ctx, db, testKeys(t)); !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("other keys: err = %v, want ErrKeyMismatch", err)
		}
		if err := VerifyKeys(ctx, db, first); err != nil {
			t.Fatalf("the keys that sealed the secret: %v", err)
		}
	})
}

// TestVerifyKeysRotation checks that a key that a rotation added is
// accepted, before and after it sealed values.
func TestVerifyKeysRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k := testKeys(t)
		if err := VerifyKeys(ctx, db, k); err != nil {
			t.Fatal(err)
		}
		if _, err := k.AddKey(); err != nil {
			t.Fatal(err)
		}
		if err := testVault(t, k).Put(ctx, db, newTicket(t, db), FieldName, "测试人"); err != nil {
			t.Fatal(err)
		}
		if err := VerifyKeys(ctx, db, k); err != nil {
			t.Fatalf("after adding k2: %v", err)
		}
		if err := k.RemoveKey("k1"); err != nil {
			t.Fatal(err)
		}
		if err := VerifyKeys(ctx, db, k); err != nil {
			t.Fatalf("after retiring k1: %v", err)
		}
	})
}
