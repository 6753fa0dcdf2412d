package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// hardAt is the arrival time of the hardening tests' responses.
var hardAt = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// checkBounded fails t unless obs keeps ParseHeaders' promises: counts
// non-negative, every delay within [0, MaxDelay], errors typed.
func checkBounded(t *testing.T, obs Observation, err error) {
	t.Helper()
	if err != nil {
		var he *HeaderError
		if !errors.As(err, &he) {
			t.Fatalf("ParseHeaders error %v (%T) is not a *HeaderError", err, err)
		}
	}
	if obs.Remaining < 0 || obs.Limit < 0 || (!obs.HasRemaining && obs.Remaining != 0) {
		t.Fatalf("bad counts: %+v", obs)
	}
	if !obs.Reset.IsZero() {
		if d := obs.Reset.Sub(obs.At); d < 0 || d > MaxDelay {
			t.Fatalf("Reset +%v outside [0, %v]", d, MaxDelay)
		}
	}
	if obs.RetryAfter < 0 || obs.RetryAfter > MaxDelay || (!obs.HasRetryAfter && obs.RetryAfter != 0) {
		t.Fatalf("RetryAfter %v (present %v) outside [0, %v]", obs.RetryAfter, obs.HasRetryAfter, MaxDelay)
	}
	if obs.Window < 0 || obs.Window > MaxDelay {
		t.Fatalf("Window %v outside [0, %v]", obs.Window, MaxDelay)
	}
	if d, ok := obs.Delay(); ok && (d < 0 || d > MaxDelay) {
		t.Fatalf("Delay %v outside [0, %v]", d, MaxDelay)
	}
	_ = obs.String()
}

// FuzzIETF feeds the IETF structured fields alone (RateLimit-Policy and
// RateLimit, RFC 9651 syntax) to ParseHeaders: whatever they hold, it
// neither panics nor returns an unbounded delay, a negative count or an
// untyped error, its answer does not depend on the header map's order, and
// no Retry-After appears from nowhere. Seeds: testdata/fuzz/FuzzIETF.
func FuzzIETF(f *testing.F) {
	f.Add(`"burst";q=100;w=60, "daily";q=1000;w=86400`, `"burst";r=50;t=30, "daily";r=999;t=3600`, 200)
	f.Add(`"default";q=10;w=1`, `"default";r=0;t=1`, 429)
	f.Add(`"d";q=1e18;w=-1`, `"d";r=-1;t=1000000000000000000`, 429)
	f.Add(`"a";q=1;w=1, "a";q=2;w=2`, `"a";r=1;t=NaN, "b";r=0;t=1`, 200)
	f.Add(`;;;,,,"`, `"x";r=;t=x`, 200)
	f.Fuzz(func(t *testing.T, policy, limit string, status int) {
		h := http.Header{}
		if policy != "" {
			h["Ratelimit-Policy"] = []string{policy}
		}
		if limit != "" {
			h["Ratelimit"] = []string{limit}
		}
		obs, err := ParseHeaders(h, status, hardAt)
		checkBounded(t, obs, err)
		if obs.HasRetryAfter {
			t.Fatalf("Retry-After from IETF fields alone: %+v", obs)
		}
		if obs.Status != status || !obs.At.Equal(hardAt) {
			t.Fatalf("status/arrival not kept: %+v", obs)
		}
		// The answer must not depend on the header map's order, checked
		// (as in FuzzParseHeaders) while the policies fit in the parser's
		// fixed table: past maxPolicies, which ones are kept depends on
		// which field is read first.
		if strings.Count(policy, ",")+strings.Count(limit, ",") < 3 {
			again, _ := ParseHeaders(h, status, hardAt)
			if again != obs {
				t.Fatalf("ParseHeaders is not deterministic: %+v then %+v", obs, again)
			}
		}
	})
}

// FuzzRetryAfter feeds Retry-After (and a Date header, the server's clock)
// alone to ParseHeaders: the delay is within [0, MaxDelay], wins in Delay,
// and for plain delta-seconds is exactly that many seconds (clamped).
// Seeds: testdata/fuzz/FuzzRetryAfter.
func FuzzRetryAfter(f *testing.F) {
	f.Add("120", "", 429)
	f.Add("Fri, 27 Nov 2026 08:01:00 GMT", "Fri, 27 Nov 2026 08:00:00 GMT", 429)
	f.Add("Friday, 27-Nov-26 08:01:00 GMT", "", 503)
	f.Add("Fri Nov 27 08:01:00 2026", "Fri, 27 Nov 2026 07:00:00 GMT", 429)
	f.Add("1000000000000000000", "", 429)
	f.Add("-5", "", 429)
	f.Add("NaN", "", 429)
	f.Add("Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", 429)
	f.Fuzz(func(t *testing.T, retryAfter, date string, status int) {
		h := http.Header{"Retry-After": {retryAfter}}
		if date != "" {
			h["Date"] = []string{date}
		}
		obs, err := ParseHeaders(h, status, hardAt)
		checkBounded(t, obs, err)
		if obs.HasRemaining || obs.Limit != 0 || !obs.Reset.IsZero() {
			t.Fatalf("rate-limit fields from Retry-After alone: %+v", obs)
		}
		if obs.HasRetryAfter {
			if d, ok := obs.Delay(); !ok || d != obs.RetryAfter {
				t.Fatalf("Delay() = %v, %v; want Retry-After %v", d, ok, obs.RetryAfter)
			}
		}
		if n, perr := strconv.ParseUint(retryAfter, 10, 63); perr == nil {
			want := MaxDelay
			if n < uint64(MaxDelay/time.Second) {
				want = time.Duration(n) * time.Second
			}
			if !obs.HasRetryAfter || obs.RetryAfter != want || err != nil {
				t.Fatalf("Retry-After %q = %v (present %v, err %v); want %v", retryAfter, obs.RetryAfter, obs.HasRetryAfter, err, want)
			}
		}
	})
}

// TestAbsurdValues: resets of 10^18 (as a delay, epoch seconds or epoch
// milliseconds), negative, NaN, infinite, and year-9999 dates (also against
// a Date of year 1) give delays within [0, MaxDelay] and a *HeaderError for
// what is not a number or is more than MaxDelay away (such a reset is
// dropped, not clamped); a budget told such a reset with nothing left
// either admits the next request within the maximum wait or refuses it at
// once with a *WaitError (ErrMaxWait) whose wait is bounded by MaxDelay, and
// a cancelled wait gives its place back. Retry-After, an explicit order,
// is clamped instead.
func TestAbsurdValues(t *testing.T) {
	tests := []struct {
		name     string
		kv       []string
		malforms bool // a *HeaderError is expected
	}{
		{"reset 1e18", []string{"X-RateLimit-Reset", "1000000000000000000"}, true},
		{"reset 1e18 float", []string{"X-RateLimit-Reset", "1e18"}, true},
		{"reset 20 digits", []string{"X-RateLimit-Reset", "99999999999999999999"}, true},
		{"reset 1e308", []string{"X-RateLimit-Reset", "1e308"}, true},
		{"reset 1e400", []string{"X-RateLimit-Reset", "1e400"}, true},
		{"reset negative", []string{"X-RateLimit-Reset", "-5"}, true},
		{"reset -1e18", []string{"X-RateLimit-Reset", "-1000000000000000000"}, true},
		{"reset NaN", []string{"X-RateLimit-Reset", "NaN"}, true},
		{"reset Inf", []string{"X-RateLimit-Reset", "+Inf"}, true},
		{"reset year 9999 RFC 3339", []string{"X-RateLimit-Reset", "9999-12-31T23:59:59Z"}, true},
		{"reset year 9999 HTTP-date", []string{"X-RateLimit-Reset", "Fri, 31 Dec 9999 23:59:59 GMT"}, true},
		{"reset year 9999, Date year 1", []string{"X-RateLimit-Reset", "Fri, 31 Dec 9999 23:59:59 GMT", "Date", "Mon, 01 Jan 0001 00:00:00 GMT"}, true},
		{"IETF t=1e18", []string{"RateLimit", `"d";r=0;t=1000000000000000000`}, true},
		{"IETF t=NaN", []string{"RateLimit", `"d";r=0;t=NaN`}, true},
		{"Retry-After 1e18", []string{"Retry-After", "1000000000000000000"}, false},
		{"Retry-After year 9999", []string{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}, false},
		{"Retry-After negative", []string{"Retry-After", "-1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {"0"}}
			for i := 0; i+1 < len(tt.kv); i += 2 {
				h.Set(tt.kv[i], tt.kv[i+1])
			}
			obs, err := ParseHeaders(h, 429, hardAt)
			checkBounded(t, obs, err)
			var he *HeaderError
			if got := errors.As(err, &he); got != tt.malforms {
				t.Errorf("ParseHeaders error = %v; want a *HeaderError: %v", err, tt.malforms)
			}

			synctest.Test(t, func(t *testing.T) {
				const maxWait = time.Minute
				lim := NewLimiter(WithMaxWait(maxWait))
				defer lim.Close()
				b := lim.Budget("absurd")
				tk, err := b.Acquire(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				obs, _ := ParseHeaders(h, 429, time.Now())
				b.Report(tk, obs)
				start := time.Now()
				tk, err = b.Acquire(context.Background())
				el := time.Since(start)
				var we *WaitError
				switch {
				case err == nil:
					if el > maxWait {
						t.Errorf("Acquire waited %v; want at most %v", el, maxWait)
					}
					b.Cancel(tk)
				case errors.As(err, &we):
					if el != 0 || !errors.Is(err, ErrMaxWait) {
						t.Errorf("Acquire = %v after %v; want ErrMaxWait at once", err, el)
					}
					if we.Wait < 0 || we.Wait > MaxDelay+MaxDelay/10 {
						t.Errorf("WaitError.Wait = %v; want within [0, MaxDelay]", we.Wait)
					}
				default:
					t.Errorf("Acquire error %v (%T); want nil or a *WaitError", err, err)
				}
				// A wait cancelled by its context gives its place back.
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(time.Second, cancel)
				if tk, err := b.Acquire(ctx); err == nil {
					b.Cancel(tk)
				}
				if s := b.Snapshot(); s.InFlight != 0 || s.Waiters != 0 {
					t.Errorf("budget afterwards: %d in flight, %d waiting; want 0, 0", s.InFlight, s.Waiters)
				}
			})
		})
	}
}
