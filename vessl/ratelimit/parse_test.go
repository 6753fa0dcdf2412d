package ratelimit

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// at is the local arrival time used by the parser tests; serverDate is the
// same instant written as the server's Date header (second precision).
var (
	at         = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	serverDate = at.Format(http.TimeFormat)
)

// hdr builds a header from name, value pairs, canonicalising names.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

const none = time.Duration(-1) // no reset / no retry-after expected

func TestParseHeaders(t *testing.T) {
	tests := []struct {
		name      string
		h         http.Header
		limit     int
		remaining int // -1: not present
		reset     time.Duration
		window    time.Duration
		retry     time.Duration
		policy    string
		wantErr   bool
	}{
		{name: "empty", h: hdr(), remaining: -1, reset: none, retry: none},
		{name: "x-ratelimit delta", h: hdr("X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "42", "X-RateLimit-Reset", "30"),
			limit: 100, remaining: 42, reset: 30 * time.Second, retry: none},
		{name: "x-rate-limit spelling", h: hdr("X-Rate-Limit-Limit", "10", "X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Reset", "5"),
			limit: 10, remaining: 0, reset: 5 * time.Second, retry: none},
		{name: "lower-case keys built by hand", h: http.Header{"x-ratelimit-remaining": {"7"}, "x-ratelimit-reset": {"2"}},
			remaining: 7, reset: 2 * time.Second, retry: none},
		{name: "fractional delta", h: hdr("X-RateLimit-Remaining", "1", "X-RateLimit-Reset", "1.5"),
			remaining: 1, reset: 1500 * time.Millisecond, retry: none},
		{name: "epoch seconds against Date", h: hdr("Date", serverDate, "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", itoa(at.Unix()+60)),
			remaining: 3, reset: time.Minute, retry: none},
		{name: "epoch seconds, server clock 5 minutes fast", h: hdr("Date", at.Add(5*time.Minute).Format(http.TimeFormat), "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", itoa(at.Add(5*time.Minute).Unix()+60)),
			remaining: 3, reset: time.Minute, retry: none},
		{name: "epoch seconds without Date uses local clock", h: hdr("X-RateLimit-Remaining", "3", "X-RateLimit-Reset", itoa(at.Unix()+10)),
			remaining: 3, reset: 10 * time.Second, retry: none},
		{name: "fractional epoch seconds", h: hdr("Date", serverDate, "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", itoa(at.Unix()+10)+".5"),
			remaining: 3, reset: 10500 * time.Millisecond, retry: none},
		{name: "epoch milliseconds", h: hdr("Date", serverDate, "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", itoa(at.UnixMilli()+2500)),
			remaining: 3, reset: 2500 * time.Millisecond, retry: none},
		{name: "past epoch is zero, not minutes", h: hdr("Date", serverDate, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", itoa(at.Unix()-100)),
			remaining: 0, reset: 0, retry: none},
		{name: "http-date reset", h: hdr("Date", serverDate, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", at.Add(20*time.Second).Format(http.TimeFormat)),
			remaining: 0, reset: 20 * time.Second, retry: none},
		{name: "rfc3339 reset", h: hdr("Date", serverDate, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", at.Add(20*time.Second).Format(time.RFC3339)),
			remaining: 0, reset: 20 * time.Second, retry: none},
		{name: "a day is kept", h: hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "86400"),
			remaining: 0, reset: MaxDelay, retry: none},
		{name: "huge delta refused", h: hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "99999999"),
			remaining: 0, reset: none, retry: none, wantErr: true},
		{name: "far epoch refused", h: hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "99999999999999999999"),
			remaining: 0, reset: none, retry: none, wantErr: true},
		{name: "epoch a week away refused", h: hdr("Date", serverDate, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", itoa(at.Unix()+7*86400)),
			remaining: 0, reset: none, retry: none, wantErr: true},
		{name: "negative reset ignored", h: hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "-5"),
			remaining: 0, reset: none, retry: none, wantErr: true},
		{name: "NaN reset ignored", h: hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "NaN"),
			remaining: 0, reset: none, retry: none, wantErr: true},
		{name: "Inf reset ignored", h: hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "+Inf"),
			remaining: 0, reset: none, retry: none, wantErr: true},
		{name: "garbage reset ignored, rest kept", h: hdr("X-RateLimit-Limit", "9", "X-RateLimit-Remaining", "4", "X-RateLimit-Reset", "soon"),
			limit: 9, remaining: 4, reset: none, retry: none, wantErr: true},
		{name: "negative remaining clamped", h: hdr("X-RateLimit-Remaining", "-3"),
			remaining: 0, reset: none, retry: none},
		{name: "overflowing remaining clamped", h: hdr("X-RateLimit-Remaining", "123456789012345678901234"),
			remaining: maxCount, reset: none, retry: none},
		{name: "garbage remaining", h: hdr("X-RateLimit-Remaining", "many"), remaining: -1, reset: none, retry: none, wantErr: true},
		{name: "limit policy list", h: hdr("X-RateLimit-Limit", "100, 100;w=60", "X-RateLimit-Remaining", "5"),
			limit: 100, remaining: 5, window: time.Minute, reset: none, retry: none},
		{name: "suffixed windows: tightest governs", h: hdr(
			"X-RateLimit-Limit-Minute", "60", "X-RateLimit-Remaining-Minute", "59",
			"X-RateLimit-Limit-Hour", "1000", "X-RateLimit-Remaining-Hour", "2"),
			limit: 1000, remaining: 2, window: time.Hour, policy: "Hour", reset: none, retry: none},
		{name: "zero remaining governs", h: hdr(
			"X-RateLimit-Limit-Second", "10", "X-RateLimit-Remaining-Second", "0",
			"X-RateLimit-Limit-Day", "100000", "X-RateLimit-Remaining-Day", "99999"),
			limit: 10, remaining: 0, window: time.Second, policy: "Second", reset: none, retry: none},
		{name: "retry-after seconds", h: hdr("Retry-After", "120"), remaining: -1, reset: none, retry: 2 * time.Minute},
		{name: "retry-after imf-fixdate", h: hdr("Date", serverDate, "Retry-After", at.Add(90*time.Second).Format(http.TimeFormat)),
			remaining: -1, reset: none, retry: 90 * time.Second},
		{name: "retry-after rfc850", h: hdr("Date", serverDate, "Retry-After", at.Add(90*time.Second).Format(time.RFC850)),
			remaining: -1, reset: none, retry: 90 * time.Second},
		{name: "retry-after asctime", h: hdr("Date", serverDate, "Retry-After", at.Add(90*time.Second).Format(time.ANSIC)),
			remaining: -1, reset: none, retry: 90 * time.Second},
		{name: "retry-after past date", h: hdr("Date", serverDate, "Retry-After", at.Add(-time.Hour).Format(http.TimeFormat)),
			remaining: -1, reset: none, retry: 0},
		{name: "retry-after garbage", h: hdr("Retry-After", "later"), remaining: -1, reset: none, retry: none, wantErr: true},
		{name: "retry-after huge clamped", h: hdr("Retry-After", "1e300"), remaining: -1, reset: none, retry: MaxDelay},
		{name: "ietf policies", h: hdr(
			"RateLimit-Policy", `"burst";q=100;w=60, "daily";q=1000;w=86400`,
			"RateLimit", `"burst";r=5;t=30, "daily";r=900;t=3600`),
			limit: 100, remaining: 5, reset: 30 * time.Second, window: time.Minute, policy: "burst", retry: none},
		{name: "ietf daily exhausted governs", h: hdr(
			"RateLimit-Policy", `"burst";q=100;w=60, "daily";q=1000;w=86400`,
			"RateLimit", `"burst";r=50;t=30, "daily";r=0;t=3600`),
			limit: 1000, remaining: 0, reset: time.Hour, window: 24 * time.Hour, policy: "daily", retry: none},
		{name: "ietf tokens, spaces, unknown params", h: hdr(
			"RateLimit-Policy", ` burst ;q=10; w=1 ;pk=:abc=:`,
			"RateLimit", `burst;r=3;t=1;x="y,z"`),
			limit: 10, remaining: 3, reset: time.Second, window: time.Second, policy: "burst", retry: none},
		{name: "ietf several field lines", h: hdr(
			"RateLimit", `"a";r=5;t=10`, "RateLimit", `"b";r=1;t=10`),
			remaining: 1, reset: 10 * time.Second, policy: "b", retry: none},
		{name: "draft RateLimit-* headers", h: hdr("RateLimit-Limit", "100", "RateLimit-Remaining", "20", "RateLimit-Reset", "10",
			"RateLimit-Policy", "100;w=60, 1000;w=3600"),
			limit: 100, remaining: 20, reset: 10 * time.Second, window: time.Minute, retry: none},
		{name: "draft dictionary RateLimit", h: hdr("RateLimit", "limit=100, remaining=50, reset=30"),
			limit: 100, remaining: 50, reset: 30 * time.Second, retry: none},
		{name: "malformed ietf member", h: hdr("RateLimit", `"x";r=abc;t=5`),
			remaining: -1, reset: 5 * time.Second, policy: "x", retry: none, wantErr: true},
		{name: "invalid Date ignored", h: hdr("Date", "yesterday", "X-RateLimit-Remaining", "1", "X-RateLimit-Reset", itoa(at.Unix()+7)),
			remaining: 1, reset: 7 * time.Second, retry: none},
		{name: "conflicting spellings: the conservative value wins", h: hdr(
			"X-RateLimit-Limit", "100", "X-Rate-Limit-Limit", "50",
			"X-RateLimit-Remaining", "9", "X-Rate-Limit-Remaining", "3",
			"X-RateLimit-Reset", "5", "X-Rate-Limit-Reset", "20",
			"Retry-After", "1", "Retry-After", "7"),
			limit: 50, remaining: 3, reset: 20 * time.Second, retry: 7 * time.Second},
		{name: "unrelated x-ratelimit field", h: hdr("X-RateLimit-Used", "5", "X-RateLimit-Resource", "core"),
			remaining: -1, reset: none, retry: none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHeaders(tt.h, 200, at)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseHeaders(%v) error = %v; want error %v", tt.h, err, tt.wantErr)
			}
			if err != nil {
				var he *HeaderError
				if !errors.As(err, &he) || !strings.HasPrefix(err.Error(), "ratelimit: header ") {
					t.Errorf("error %q (%T) is not a *HeaderError", err, err)
				}
			}
			checkObs(t, got, tt.limit, tt.remaining, tt.reset, tt.window, tt.retry, tt.policy)
		})
	}
}

func checkObs(t *testing.T, got Observation, limit, remaining int, reset, window, retry time.Duration, policy string) {
	t.Helper()
	if got.Limit != limit {
		t.Errorf("Limit = %d; want %d", got.Limit, limit)
	}
	if remaining < 0 {
		if got.HasRemaining {
			t.Errorf("Remaining = %d; want none", got.Remaining)
		}
	} else if !got.HasRemaining || got.Remaining != remaining {
		t.Errorf("Remaining = %d (has %v); want %d", got.Remaining, got.HasRemaining, remaining)
	}
	switch {
	case reset == none && !got.Reset.IsZero():
		t.Errorf("Reset = +%v; want none", got.Reset.Sub(at))
	case reset != none && (got.Reset.IsZero() || got.Reset.Sub(at) != reset):
		t.Errorf("Reset = %v (+%v); want +%v", got.Reset, got.Reset.Sub(at), reset)
	}
	if got.Window != window {
		t.Errorf("Window = %v; want %v", got.Window, window)
	}
	switch {
	case retry == none && got.HasRetryAfter:
		t.Errorf("RetryAfter = %v; want none", got.RetryAfter)
	case retry != none && (!got.HasRetryAfter || got.RetryAfter != retry):
		t.Errorf("RetryAfter = %v (has %v); want %v", got.RetryAfter, got.HasRetryAfter, retry)
	}
	if got.Policy != policy {
		t.Errorf("Policy = %q; want %q", got.Policy, policy)
	}
}

func itoa(n int64) string { return strconvItoa(n) }

func TestObservationDelay(t *testing.T) {
	tests := []struct {
		obs    Observation
		want   time.Duration
		wantOK bool
	}{
		{Observation{At: at}, 0, false},
		{Observation{At: at, Reset: at.Add(3 * time.Second)}, 3 * time.Second, true},
		{Observation{At: at, Reset: at.Add(3 * time.Second), RetryAfter: 10 * time.Second, HasRetryAfter: true}, 10 * time.Second, true},
		{Observation{At: at, Reset: at.Add(-time.Second)}, 0, true},
	}
	for _, tt := range tests {
		got, ok := tt.obs.Delay()
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%v.Delay() = %v, %v; want %v, %v", tt.obs, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestParseHeadersAllocs(t *testing.T) {
	h := hdr("Date", serverDate, "Content-Type", "application/json",
		"X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "42", "X-RateLimit-Reset", "30")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseHeaders(h, 200, at); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ParseHeaders allocates %v times per call; want 0", allocs)
	}
}

func BenchmarkParseHeaders(b *testing.B) {
	h := hdr("Date", serverDate, "Content-Type", "application/json",
		"X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "42", "X-RateLimit-Reset", "30")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ParseHeaders(h, 200, at)
	}
}

func strconvItoa(n int64) string { return strconv.FormatInt(n, 10) }
