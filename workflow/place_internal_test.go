package workflow

import (
	"context"
	"testing"

	"minyi/dispatch"
	"minyi/org"
	"minyi/place"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
)

func TestSavePlace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, err := profile.Load("police")
		if err != nil {
			t.Fatal(err)
		}
		if err := org.Sync(ctx, db, p); err != nil {
			t.Fatal(err)
		}
		gcj := place.WGS84ToGCJ02(place.Point{Lat: 28.195, Lon: 112.975})
		d := dispatch.NewRouter(p).Route(dispatch.Item{Text: "锦绣花园小区门口烧烤摊油烟扰民", Lat: gcj.Lat, Lon: gcj.Lon,
			CoordSystem: "gcj02"})
		err = db.InTx(ctx, func(tx *store.Tx) error {
			id, err := store.InsertID(ctx, tx, `INSERT INTO tickets (tracking_code, channel, state, received_at,
				created_at, updated_at) VALUES ('T1', 'qr', 'received', 0, 0, 0)`)
			if err != nil {
				return err
			}
			return savePlace(ctx, tx, id, d)
		})
		if err != nil {
			t.Fatal(err)
		}
		var lat, lon float64
		var system, places string
		if err := db.QueryRowContext(ctx, `SELECT lat, lon, coord_system, places FROM tickets`).Scan(&lat, &lon,
			&system, &places); err != nil {
			t.Fatal(err)
		}
		if got := place.Distance(place.Point{Lat: lat, Lon: lon}, place.Point{Lat: 28.195, Lon: 112.975}); got > 0.05 {
			t.Errorf("stored point is %.3f m from the WGS-84 point", got)
		}
		if system != "gcj02" {
			t.Errorf("coord_system = %q, want gcj02", system)
		}
		if places != `[{"kind":"estate","name":"锦绣花园小区"}]` {
			t.Errorf("places = %s", places)
		}
	})
}
