package profile

import (
	"testing"
	"time"
)

// shanghai parses a wall-clock time in Asia/Shanghai.
func shanghai(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func loadPolice(t *testing.T) *Profile {
	t.Helper()
	// The host zone must not matter: every computation uses the profile's zone.
	t.Setenv("TZ", "UTC")
	p, err := Load("police")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAddWorkingDays(t *testing.T) {
	p := loadPolice(t)
	tests := []struct {
		name  string
		start string
		days  float64
		want  string
	}{
		{"same day", "2026-03-04 09:00", 0.25, "2026-03-04 15:00"},
		{"weekday to weekday", "2026-03-04 09:00", 1, "2026-03-05 09:00"},
		{"across a weekend", "2026-03-06 10:00", 1, "2026-03-09 10:00"},
		{"late friday, half a day", "2026-03-06 23:30", 0.5, "2026-03-09 11:30"},
		{"start on saturday", "2026-03-07 15:00", 1, "2026-03-10 00:00"},
		{"ends at end of friday", "2026-03-06 00:00", 1, "2026-03-07 00:00"},
		{"five days from monday", "2026-03-02 08:00", 5, "2026-03-09 08:00"},
		// 2026-10-01..07 are holidays and Saturday 2026-10-10 is a make-up workday.
		{"holiday and make-up day", "2026-09-30 10:00", 3, "2026-10-10 10:00"},
		// Sunday 2026-09-20 is a make-up workday.
		{"start on make-up sunday", "2026-09-20 12:00", 0.5, "2026-09-21 00:00"},
		{"zero days", "2026-03-07 15:00", 0, "2026-03-07 15:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.AddWorkingDays(shanghai(t, tt.start), tt.days)
			want := shanghai(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %v) = %s, want %s", tt.start, tt.days, got, want)
			}
			if got.Location().String() != "Asia/Shanghai" {
				t.Errorf("result zone = %s, want Asia/Shanghai", got.Location())
			}
		})
	}
}

func TestDeadlinesLateFridayUTC(t *testing.T) {
	p := loadPolice(t)
	// Friday 2026-03-06 23:30 in Shanghai is 15:30 UTC the same Friday; on a
	// UTC calendar, 8.5 hours of Friday would remain instead of 0.5.
	start := time.Date(2026, 3, 6, 15, 30, 0, 0, time.UTC)
	// 噪声扰民 normal: accept 1 h, reply 1 working day, call back 1 working day.
	accept, reply, callback := p.Deadlines("噪声扰民", "normal", start)
	checks := []struct {
		name      string
		got, want time.Time
	}{
		{"accept", accept, time.Date(2026, 3, 6, 16, 30, 0, 0, time.UTC)},
		{"reply", reply, shanghai(t, "2026-03-09 23:30")},
		{"callback", callback, shanghai(t, "2026-03-10 23:30")},
	}
	for _, c := range checks {
		if !c.got.Equal(c.want) {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
}

func TestDeadlines(t *testing.T) {
	p := loadPolice(t)
	tests := []struct {
		name, tag, priority, start string
		accept, reply, callback    string
	}{
		// Default policy: 2 h, 5 working days, 2 working days. From Wednesday
		// 2026-09-30 09:00 the reply clock runs 15 h on 30 Sep, skips the
		// holidays 1–7 Oct, runs on 8, 9, 10 (make-up Saturday) and 12 Oct, and
		// ends at 09:00 on 13 Oct.
		{"default across national day", "", "", "2026-09-30 09:00",
			"2026-09-30 11:00", "2026-10-13 09:00", "2026-10-15 09:00"},
		// 治安秩序 urgent: 0.25 h, 0.5 day, 1 day. From Friday 21:00 the half
		// day runs 3 hours on Friday and 9 on Monday.
		{"urgent friday evening", "治安秩序", "urgent", "2026-03-06 21:00",
			"2026-03-06 21:15", "2026-03-09 09:00", "2026-03-10 09:00"},
		// 身份证办理 takes its parent 户政出入境's policy: 4 h, 5 days, 2 days.
		// From Friday 13 Feb 10:00 the reply clock runs 14 h on 13 Feb, 24 h on
		// make-up Saturday 14 Feb, skips the Spring Festival 15–23 Feb, and
		// ends on 27 Feb. The call-back clock runs on 27 Feb, make-up Saturday
		// 28 Feb and Monday 2 Mar.
		{"parent policy over spring festival", "身份证办理", "normal", "2026-02-13 10:00",
			"2026-02-13 14:00", "2026-02-27 10:00", "2026-03-02 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accept, reply, callback := p.Deadlines(tt.tag, tt.priority, shanghai(t, tt.start))
			if want := shanghai(t, tt.accept); !accept.Equal(want) {
				t.Errorf("accept = %s, want %s", accept, want)
			}
			if want := shanghai(t, tt.reply); !reply.Equal(want) {
				t.Errorf("reply = %s, want %s", reply, want)
			}
			if want := shanghai(t, tt.callback); !callback.Equal(want) {
				t.Errorf("callback = %s, want %s", callback, want)
			}
		})
	}
}

func TestDayMidnightBoundary(t *testing.T) {
	p := loadPolice(t)
	tests := []struct{ utc, want string }{
		{"2026-03-01T15:59:59Z", "2026-03-01"},
		{"2026-03-01T16:00:00Z", "2026-03-02"},
		{"2026-02-28T23:59:59Z", "2026-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.utc, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.utc)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Day(at); got != tt.want {
				t.Errorf("Day(%s) = %s, want %s", tt.utc, got, tt.want)
			}
		})
	}
}

func TestIsWorkday(t *testing.T) {
	p := loadPolice(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-03-06", true},  // Friday
		{"2026-03-07", false}, // Saturday
		{"2026-10-01", false}, // national day, a Thursday
		{"2026-10-10", true},  // make-up Saturday
		{"2026-09-20", true},  // make-up Sunday
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			// 00:30 in Shanghai is the previous day in UTC.
			if got := p.IsWorkday(shanghai(t, tt.day+" 00:30")); got != tt.want {
				t.Errorf("IsWorkday(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestZoneWithoutLoad(t *testing.T) {
	t.Setenv("TZ", "UTC")
	var p Profile // not loaded: Location is nil and TimeZone empty
	at := time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)
	if got := p.Day(at); got != "2026-03-02" {
		t.Errorf("Day on an unloaded profile = %s, want the Asia/Shanghai date 2026-03-02", got)
	}
}

func BenchmarkDeadlines(b *testing.B) {
	p, err := Load("police")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 9, 30, 1, 0, 0, 0, time.UTC)
	for b.Loop() {
		p.Deadlines("身份证办理", "normal", start)
	}
}
