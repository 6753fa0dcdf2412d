package ratelimit

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file holds the parser's number and date readers: they never
// allocate on success, saturate instead of overflowing and reject what is
// not finite.

func cutAny(s, seps string) (before, after string, found bool) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// parseCount reads a non-negative request count, clamping negative values
// (buggy servers) to 0 and huge ones to MaxInt32.
func parseCount(v string) (int, bool) {
	if n, ok := atoi(v); ok { // the usual bare integer
		return clampCount(n), true
	}
	v = strings.TrimSpace(v)
	if n, ok := atoi(v); ok {
		return clampCount(n), true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return clampCount(int64(math.Max(math.Min(f, maxCount), -1))), true
}

func clampCount(n int64) int {
	if n < 0 {
		return 0
	}
	if n > maxCount {
		return maxCount
	}
	return int(n)
}

// atoi parses an optionally signed decimal integer without allocating,
// saturating instead of overflowing.
func atoi(s string) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n < 0 {
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseSeconds reads a non-negative number of seconds (integer or
// fractional) as a clamped duration.
func parseSeconds(v string) (time.Duration, bool) {
	f, err := parseNumber(strings.TrimSpace(strings.Trim(strings.TrimSpace(v), `"`)))
	if err != nil {
		return 0, false
	}
	return secondsToDuration(f), true
}

// parseNumber parses a finite, non-negative number.
func parseNumber(v string) (float64, error) {
	if n, ok := atoi(v); ok {
		if n < 0 {
			return 0, errNegative
		}
		return float64(n), nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		if len(v) > 0 && (v[0] >= '0' && v[0] <= '9' || v[0] == '.' || v[0] == '-' || v[0] == '+') {
			// Overflowing numbers parse to ±Inf with an ErrRange error.
			if errors.Is(err, strconv.ErrRange) {
				return 0, errNotFinite
			}
		}
		return 0, errNotNumber
	}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, errNotFinite
	case f < 0:
		return 0, errNegative
	}
	return f, nil
}

func secondsToDuration(f float64) time.Duration {
	if f >= MaxDelay.Seconds() {
		return MaxDelay
	}
	if f <= 0 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func parseDate(v string) (time.Time, error) {
	if t, err := http.ParseTime(v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, v)
}
