package intake

import (
	"errors"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2024-06-03T18:05:00+08:00", newYork, utc("2024-06-03T10:05:00Z")},
		{"2024-06-03T10:05:00Z", shanghai, utc("2024-06-03T10:05:00Z")},
		{"2024-06-03T18:05:00.250+08:00", shanghai, utc("2024-06-03T10:05:00.25Z")},
		{"2024-06-03 18:05:00+08:00", newYork, utc("2024-06-03T10:05:00Z")},
		{"2024-06-03 18:05:00", shanghai, utc("2024-06-03T10:05:00Z")},
		{"2024-06-03 18:05:00", time.UTC, utc("2024-06-03T18:05:00Z")},
		{"2024-06-03 18:05:00", newYork, utc("2024-06-03T22:05:00Z")},
		{"2024-06-03 18:05:00.5", shanghai, utc("2024-06-03T10:05:00.5Z")},
		{" 2024-06-03 18:05 ", shanghai, utc("2024-06-03T10:05:00Z")},
		{"2024-06-03T18:05:00", shanghai, utc("2024-06-03T10:05:00Z")},
		{"2024/6/3 18:05", shanghai, utc("2024-06-03T10:05:00Z")},
		{"2024/6/3 8:05", shanghai, utc("2024-06-03T00:05:00Z")},
		{"2024/06/03 18:05:09", shanghai, utc("2024-06-03T10:05:09Z")},
		{"2024-06-03", shanghai, utc("2024-06-02T16:00:00Z")},
		{"2024/6/3", shanghai, utc("2024-06-02T16:00:00Z")},
		{"2024.6.3", shanghai, utc("2024-06-02T16:00:00Z")},
		{"2024年6月3日 18:05", shanghai, utc("2024-06-03T10:05:00Z")},
		{"2024年6月3日", shanghai, utc("2024-06-02T16:00:00Z")},
		{"20240603180500", shanghai, utc("2024-06-03T10:05:00Z")},
		{"20240603", shanghai, utc("2024-06-02T16:00:00Z")},
		// Excel serial dates in the 1900 system.
		{"45446", shanghai, utc("2024-06-02T16:00:00Z")},
		{"45446.75347222222", shanghai, utc("2024-06-03T10:05:00Z")},
		{"45446.75347222222", newYork, utc("2024-06-03T22:05:00Z")},
		{"61", time.UTC, utc("1900-03-01T00:00:00Z")},
		{"59", time.UTC, utc("1900-02-28T00:00:00Z")},
		{"1", time.UTC, utc("1900-01-01T00:00:00Z")},
		// Midnight on the day New York leaves daylight saving time.
		{"2024-11-03 00:30:00", newYork, utc("2024-11-03T04:30:00Z")},
		{"45599.0208333333", newYork, utc("2024-11-03T04:30:00Z")},
	}
	for _, tt := range tests {
		t.Run(tt.in+" in "+tt.loc.String(), func(t *testing.T) {
			got, err := ParseTime(tt.in, tt.loc)
			if err != nil {
				t.Fatalf("ParseTime: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %s, want %s", got.UTC().Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
			}
		})
	}
}

func TestParseTimeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		loc  *time.Location
	}{
		{"empty", "", time.UTC},
		{"nil zone", "2024-06-03 18:05:00", nil},
		{"words", "昨天下午", time.UTC},
		{"bad month", "2024-13-03 18:05:00", time.UTC},
		{"serial of 1900-02-29", "60", time.UTC},
		{"serial past 9999", "2958466", time.UTC},
		{"negative", "-5", time.UTC},
		{"unix seconds", "1717408800", time.UTC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime(tt.in, tt.loc)
			if !errors.Is(err, ErrTime) {
				t.Errorf("ParseTime(%q) = %v, %v; want ErrTime", tt.in, got, err)
			}
		})
	}
}
