package audit

import (
	"context"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

// BenchmarkAppend measures Append alone: 100 appends per transaction, so the
// commit's fsync does not dominate.
func BenchmarkAppend(b *testing.B) {
	for _, open := range []struct {
		name string
		db   func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(open.name, func(b *testing.B) {
			db := open.db(b)
			l, err := New(Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			r := sampleRecord(0, testStart)
			b.ResetTimer()
			for i := 0; i < b.N; i += 100 {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					for j := i; j < min(i+100, b.N); j++ {
						if _, err := l.Append(ctx, tx, r); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
