package workflow

import (
	"context"
	"encoding/json"
	"fmt"

	"minyi/dispatch"
	"minyi/store"
)

// savePlace stores where the router found the item: the point in WGS-84 with
// the system it arrived in, and the place mentions of the text.
func savePlace(ctx context.Context, tx *store.Tx, id int64, d dispatch.Decision) error {
	type mention struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	}
	places := make([]mention, 0, len(d.Places))
	for _, m := range d.Places {
		places = append(places, mention{Kind: string(m.Kind), Name: m.Name})
	}
	b, err := json.Marshal(places)
	if err != nil {
		return fmt.Errorf("workflow: places of ticket %d: %w", id, err)
	}
	var lat, lon any
	if d.Point != nil {
		lat, lon = d.Point.Lat, d.Point.Lon
	}
	_, err = tx.ExecContext(ctx, `UPDATE tickets SET lat = ?, lon = ?, coord_system = ?, places = ? WHERE id = ?`,
		lat, lon, string(d.PointSystem), string(b), id)
	if err != nil {
		return fmt.Errorf("workflow: place of ticket %d: %w", id, err)
	}
	return nil
}
