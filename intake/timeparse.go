package intake

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxExcelSerial is the serial number of 10000-01-01, one past Excel's last
// date.
const maxExcelSerial = 2958466

// ErrTime is wrapped by ParseTime's errors.
var ErrTime = errors.New("invalid time")

// zonelessLayouts are the layouts ParseTime tries, in order, for times
// without a zone. Go reads a one-digit month, day or hour for "1", "2" and
// "15", and fractional seconds after "05" even when the layout omits them.
var zonelessLayouts = []string{
	"2006-1-2 15:04:05",
	"2006-1-2 15:04",
	"2006-1-2T15:04:05",
	"2006-1-2T15:04",
	"2006/1/2 15:04:05",
	"2006/1/2 15:04",
	"2006.1.2 15:04:05",
	"2006.1.2 15:04",
	"2006年1月2日 15:04:05",
	"2006年1月2日 15:04",
	"2006年1月2日15:04:05",
	"2006年1月2日15:04",
	"2006-1-2",
	"2006/1/2",
	"2006.1.2",
	"2006年1月2日",
	"20060102150405",
	"20060102",
}

// ParseTime parses a time as import files write it. A time with a zone or
// offset (RFC 3339, such as 2024-06-03T18:05:00+08:00 or ...Z) keeps it. A
// time without one is read in loc, the deployment's zone, never the host's.
// Accepted zoneless forms are "2006-01-02 15:04:05", "2006/1/2 15:04",
// "2006-01-02", the same with dots or 年月日, and an Excel serial date in the
// 1900 date system (45446.75 is 2024-06-03 18:00). loc must not be nil.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		return time.Time{}, fmt.Errorf("intake: %w: no time zone given", ErrTime)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("intake: %w: empty", ErrTime)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05Z07:00", s); err == nil {
		return t, nil
	}
	for _, layout := range zonelessLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, ok := excelSerialTime(s, loc); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("intake: %w: %q; write a date and time such as 2024-06-03 18:05:00, "+
		"2024/6/3 18:05, 2024年6月3日 or 2024-06-03T18:05:00+08:00", ErrTime, s)
}

// excelSerialTime reads a plain decimal number as an Excel serial date in the
// 1900 date system. Excel counts 1900-02-29, which did not exist, so serials
// from 61 on count from 1899-12-30 and smaller ones from 1899-12-31; serial
// 60 itself is rejected.
func excelSerialTime(s string, loc *time.Location) (time.Time, bool) {
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			return time.Time{}, false
		}
	}
	serial, err := strconv.ParseFloat(s, 64)
	if err != nil || serial < 1 || serial >= maxExcelSerial || (serial >= 60 && serial < 61) {
		return time.Time{}, false
	}
	days := math.Floor(serial)
	ms := math.Round((serial - days) * 86_400_000)
	start := 30
	if serial < 60 {
		start = 31
	}
	// time.Date normalizes the overflowing day and nanosecond counts in wall
	// clock terms, so a daylight-saving change in loc does not shift the time.
	return time.Date(1899, time.December, start+int(days), 0, 0, 0, int(ms)*int(time.Millisecond), loc), true
}
