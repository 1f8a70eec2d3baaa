package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

// TestImportKeepsRowsWithBadPhone imports rows whose phone column is not a
// usable phone number, such as a number another system half-masked. Each row
// is created without the phone, and the summary lists its line.
func TestImportKeepsRowsWithBadPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		data := strings.Join([]string{
			"工单号,标题,诉求内容,受理时间,联系电话",
			"P1,路灯不亮,晚上很黑,2024-06-03,13800002222",
			"P2,噪声扰民,楼下施工,2024-06-03,12",
			"P3,违章停车,门口乱停,2024-06-03,2345678",
			"P4,信号灯,配时太短,2024-06-03,139****1234",
		}, "\n") + "\n"
		path := filepath.Join(t.TempDir(), "phones.csv")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}

		for _, dry := range []bool{true, false} {
			args := []string{"--channel", "12345", path}
			if dry {
				args = append([]string{"--dry-run"}, args...)
			}
			sum := runImportJSON(t, a, out, args...)
			if sum.Created != 4 {
				t.Errorf("dry run %v: created %d, want 4", dry, sum.Created)
			}
			if len(sum.Rejected) != 0 {
				t.Errorf("dry run %v: rejected %+v, want none", dry, sum.Rejected)
			}
			if len(sum.PhonesDropped) != 2 || sum.PhonesDropped[0] != 3 || sum.PhonesDropped[1] != 5 {
				t.Errorf("dry run %v: phones dropped on lines %v, want 3 and 5", dry, sum.PhonesDropped)
			}
		}
		if n := countTickets(t, db); n != 4 {
			t.Errorf("%d tickets, want 4", n)
		}
		var sealed int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM vault WHERE field = 'phone'`).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed != 2 {
			t.Errorf("%d phones in the vault, want 2 (lines 2 and 4)", sealed)
		}
	})
}
