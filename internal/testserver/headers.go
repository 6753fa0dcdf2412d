package testserver

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ResetFormat is how X-RateLimit-Reset states the reset time.
type ResetFormat string

// The reset formats.
const (
	ResetDelta       ResetFormat = "delta"    // seconds until the reset, rounded up (VESSL docs)
	ResetEpoch       ResetFormat = "epoch"    // Unix time of the reset in seconds, rounded up (GitHub, httprate)
	ResetEpochMillis ResetFormat = "epoch-ms" // Unix time of the reset in milliseconds, rounded up

	// Less common forms seen in the wild, for testing a parser end to end.
	ResetDeltaFrac ResetFormat = "delta-frac" // seconds until the reset with millisecond precision ("1.250")
	ResetHTTPDate  ResetFormat = "http-date"  // IMF-fixdate of the reset, rounded up to the second
	ResetRFC3339   ResetFormat = "rfc3339"    // RFC 3339 time of the reset with milliseconds
)

// ParseResetFormat returns the ResetFormat named s (the -reset-format flag values).
func ParseResetFormat(s string) (ResetFormat, error) {
	switch f := ResetFormat(s); f {
	case ResetDelta, ResetEpoch, ResetEpochMillis, ResetDeltaFrac, ResetHTTPDate, ResetRFC3339:
		return f, nil
	}
	return "", fmt.Errorf("testserver: unknown reset format %q (want delta, epoch, epoch-ms, delta-frac, http-date or rfc3339)", s)
}

// HeaderStyle chooses the rate-limit headers on responses to limited
// requests. The zero value sends no rate-limit headers at all.
type HeaderStyle struct {
	// XRateLimit sends X-RateLimit-Limit, -Remaining and -Reset.
	XRateLimit bool
	// Reset is the format of X-RateLimit-Reset; "" means ResetDelta.
	Reset ResetFormat
	// IETF sends RateLimit-Policy ("default";q=100;w=60) and RateLimit
	// ("default";r=50;t=30) structured fields.
	IETF bool
	// RetryAfter sends Retry-After (delta seconds, rounded up) on 429.
	RetryAfter bool
}

// DefaultHeaders returns what the VESSL docs describe: X-RateLimit-* with the
// reset in delta seconds, no IETF fields, no Retry-After.
func DefaultHeaders() HeaderStyle { return HeaderStyle{XRateLimit: true, Reset: ResetDelta} }

// ceilSeconds rounds d up to whole seconds, never below 0.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(d.Seconds()))
}

// setRateHeaders writes the headers of style for d. serverNow is the server's
// (possibly offset) clock, from which epoch resets are computed.
func setRateHeaders(h http.Header, style HeaderStyle, d *decision, serverNow time.Time) {
	if !d.limited {
		return
	}
	if style.XRateLimit {
		h["X-Ratelimit-Limit"] = []string{strconv.Itoa(d.limit.quota())}
		h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(d.remaining)}
		h["X-Ratelimit-Reset"] = []string{formatReset(style.Reset, d.reset, serverNow)}
	}
	if style.IETF {
		policies := d.policies
		if policies == nil {
			policies = []Limit{d.limit}
		}
		var b strings.Builder
		for i, l := range policies {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q;q=%d;w=%d", l.policyName(), l.quota(), ceilSeconds(l.Window))
		}
		h["Ratelimit-Policy"] = []string{b.String()}
		h["Ratelimit"] = []string{fmt.Sprintf("%q;r=%d;t=%d", d.limit.policyName(), d.remaining, ceilSeconds(d.reset))}
	}
	if style.RetryAfter && !d.ok {
		h["Retry-After"] = []string{strconv.FormatInt(max(1, ceilSeconds(d.reset)), 10)}
	}
}

func formatReset(f ResetFormat, reset time.Duration, serverNow time.Time) string {
	switch f {
	case ResetEpoch:
		at := serverNow.Add(reset)
		sec := at.Unix()
		if at.Nanosecond() > 0 {
			sec++
		}
		return strconv.FormatInt(sec, 10)
	case ResetEpochMillis:
		at := serverNow.Add(reset)
		ms := at.UnixMilli()
		if at.Nanosecond()%int(time.Millisecond) > 0 {
			ms++
		}
		return strconv.FormatInt(ms, 10)
	case ResetDeltaFrac:
		ms := (max(reset, 0) + time.Millisecond - 1) / time.Millisecond
		return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
	case ResetHTTPDate:
		at := serverNow.Add(reset)
		if t := at.Truncate(time.Second); t.Before(at) {
			at = t.Add(time.Second)
		}
		return at.UTC().Format(http.TimeFormat)
	case ResetRFC3339:
		return serverNow.Add(reset).UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	return strconv.FormatInt(ceilSeconds(reset), 10)
}
