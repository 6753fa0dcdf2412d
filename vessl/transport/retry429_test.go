package transport

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// newTestTransport builds a Transport on base for a test inside a synctest
// bubble, closing it when the test ends.
func newTestTransport(t *testing.T, base http.RoundTripper, ev *events, opts ...Option) *Transport {
	t.Helper()
	all := []Option{WithBase(base)}
	if ev != nil {
		all = append(all, WithWaitHook(ev.wait), WithRetryHook(ev.retry))
	}
	tr := New(append(all, opts...)...)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

func get(t *testing.T, tr http.RoundTripper) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, testURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token test-token")
	return tr.RoundTrip(req)
}

// TestRetry429Hints: a 429 is retried after the delay its headers name, in
// every format, and Retry-After wins over a rate-limit reset.
func TestRetry429Hints(t *testing.T) {
	tests := []struct {
		name   string
		header func(now time.Time) []string
		want   time.Duration
	}{
		{"Retry-After delta", func(time.Time) []string { return []string{"Retry-After", "2"} }, 2 * time.Second},
		{"Retry-After date", func(now time.Time) []string {
			return []string{"Retry-After", now.Add(3 * time.Second).UTC().Format(http.TimeFormat), "Date", now.UTC().Format(http.TimeFormat)}
		}, 3 * time.Second},
		{"X-RateLimit-Reset delta", func(time.Time) []string {
			return []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "4"}
		}, 4 * time.Second},
		{"X-RateLimit-Reset epoch seconds", func(now time.Time) []string {
			return []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0",
				"X-RateLimit-Reset", strconv.FormatInt(now.Add(5*time.Second).Unix(), 10), "Date", now.UTC().Format(http.TimeFormat)}
		}, 5 * time.Second},
		{"X-RateLimit-Reset epoch milliseconds", func(now time.Time) []string {
			return []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0",
				"X-RateLimit-Reset", strconv.FormatInt(now.Add(6*time.Second).UnixMilli(), 10), "Date", now.UTC().Format(http.TimeFormat)}
		}, 6 * time.Second},
		{"X-RateLimit-Reset fractional delta", func(time.Time) []string {
			return []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1.5"}
		}, 1500 * time.Millisecond},
		{"X-RateLimit-Reset HTTP-date", func(now time.Time) []string {
			return []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", now.Add(3 * time.Second).UTC().Format(http.TimeFormat),
				"Date", now.UTC().Format(http.TimeFormat)}
		}, 3 * time.Second},
		{"X-RateLimit-Reset RFC 3339", func(now time.Time) []string {
			return []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", now.Add(4 * time.Second).UTC().Format(time.RFC3339Nano)}
		}, 4 * time.Second},
		{"IETF RateLimit", func(time.Time) []string {
			return []string{"RateLimit-Policy", `"burst";q=10;w=60`, "RateLimit", `"burst";r=0;t=7`}
		}, 7 * time.Second},
		{"Retry-After wins over reset", func(time.Time) []string {
			return []string{"Retry-After", "1", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "30"}
		}, 1 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base, rec := mockBase(t, http.MethodGet,
					answer(http.StatusTooManyRequests, tt.header(time.Now())...),
					answer(http.StatusOK))
				ev := &events{}
				tr := newTestTransport(t, base, ev)
				resp, err := get(t, tr)
				if err != nil {
					t.Fatalf("RoundTrip error = %v; want nil", err)
				}
				readBody(t, resp)
				if resp.StatusCode != http.StatusOK || rec.attempts() != 2 {
					t.Fatalf("status %d after %d attempts; want 200 after 2", resp.StatusCode, rec.attempts())
				}
				// The wait runs to the reset, stretched by at most 10 %
				// jitter (plus what the budget adds after a reset).
				if got, hi := rec.gap(1), tt.want+tt.want/10+budgetSlack; got < tt.want || got > hi {
					t.Errorf("retry sent %v after the 429; want in [%v, %v]", got, tt.want, hi)
				}
				w := ev.waitsFor(WaitRateLimited)
				if len(w) != 1 || w[0].Duration < tt.want || w[0].Duration > tt.want+tt.want/10 || w[0].Attempt != 2 {
					t.Errorf("rate-limited wait events = %+v; want one of [%v, %v] before attempt 2", w, tt.want, tt.want+tt.want/10)
				}
				if s := tr.Stats(); s.Throttled != 1 || s.Retries != 1 || s.Attempts != 2 || s.Requests != 1 {
					t.Errorf("Stats() = %+v; want 1 request, 2 attempts, 1 throttled, 1 retry", s)
				}
			})
		})
	}
}

// budgetSlack bounds the extra wait the budget may add after a reset (its
// own pacing and jitter).
const budgetSlack = 2 * time.Second

// TestRetry429NoHint: without any hint the budget's adaptive back-off is
// used.
func TestRetry429NoHint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet, answer(http.StatusTooManyRequests), answer(http.StatusOK))
		ev := &events{}
		tr := newTestTransport(t, base, ev)
		resp, err := get(t, tr)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("RoundTrip = %v, %v; want 200, nil", resp, err)
		}
		readBody(t, resp)
		w := ev.waitsFor(WaitRateLimited)
		if len(w) != 1 || w[0].Duration <= 0 {
			t.Fatalf("rate-limited waits = %+v; want one positive back-off", w)
		}
		if got := rec.gap(1); got < w[0].Duration {
			t.Errorf("retry sent %v after the 429; want >= the announced %v", got, w[0].Duration)
		}
	})
}

// TestRetry429BeyondMaxWait: a reset further away than the maximum wait is
// returned at once, with its body unread.
func TestRetry429BeyondMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet,
			answer(http.StatusTooManyRequests, "Retry-After", "60"), answer(http.StatusOK))
		tr := newTestTransport(t, base, nil, WithMaxWait(10*time.Second))
		start := time.Now()
		resp, err := get(t, tr)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("RoundTrip = %v, %v; want 429, nil", resp, err)
		}
		if el := time.Since(start); el != 0 || rec.attempts() != 1 {
			t.Errorf("returned after %v and %d attempts; want 0s and 1", el, rec.attempts())
		}
		if rec.bodies[0].read != 0 || rec.bodies[0].closed {
			t.Errorf("returned body read %d bytes, closed %v; want untouched", rec.bodies[0].read, rec.bodies[0].closed)
		}
		if got := readBody(t, resp); got != http.StatusText(http.StatusTooManyRequests) {
			t.Errorf("body = %q; want the 429's", got)
		}
		if obs, ok := ObservationFrom(resp); !ok || obs.RetryAfter != time.Minute {
			t.Errorf("ObservationFrom = %+v, %v; want RetryAfter 1m", obs, ok)
		}
	})
}

// TestRetry429Exhausted: when the attempts run out the last 429 is returned
// with a nil error and an intact body; every earlier one is drained and
// closed.
func TestRetry429Exhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		steps := make([]step, 3)
		for i := range steps {
			steps[i] = answer(http.StatusTooManyRequests, "Retry-After", "1")
			steps[i].body = fmt.Sprintf("429 number %d", i+1)
		}
		base, rec := mockBase(t, http.MethodGet, steps...)
		tr := newTestTransport(t, base, nil, WithMaxAttempts(3))
		resp, err := get(t, tr)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("RoundTrip = %v, %v; want 429, nil", resp, err)
		}
		if rec.attempts() != 3 {
			t.Errorf("attempts = %d; want 3", rec.attempts())
		}
		for i, b := range rec.bodies[:2] {
			if !b.closed || b.read != len(steps[i].body) {
				t.Errorf("discarded body %d: read %d, closed %v; want drained and closed", i+1, b.read, b.closed)
			}
		}
		if last := rec.bodies[2]; last.read != 0 || last.closed {
			t.Errorf("returned body: read %d, closed %v; want untouched", last.read, last.closed)
		}
		if got := readBody(t, resp); got != "429 number 3" {
			t.Errorf("body = %q; want %q", got, "429 number 3")
		}
		if s := tr.Stats(); s.Throttled != 3 || s.Retries != 2 || s.Attempts != 3 {
			t.Errorf("Stats() = %+v; want 3 attempts, 3 throttled, 2 retries", s)
		}
	})
}

// TestRetry429MaxTotalWait: the sum of the waits is bounded.
func TestRetry429MaxTotalWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet, answer(http.StatusTooManyRequests, "Retry-After", "4"))
		tr := newTestTransport(t, base, nil, WithMaxAttempts(10), WithMaxTotalWait(10*time.Second), WithJitter(0))
		resp, err := get(t, tr)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("RoundTrip = %v, %v; want 429, nil", resp, err)
		}
		readBody(t, resp)
		// 4s + 4s fit in 10s, a third wait would not.
		if rec.attempts() != 3 {
			t.Errorf("attempts = %d; want 3", rec.attempts())
		}
	})
}

// TestRetry429Jitter: clients told the same reset do not wake at once.
func TestRetry429Jitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 20
		var ev events
		base, _ := mockBase(t, http.MethodGet, answer(http.StatusTooManyRequests, "Retry-After", "10"))
		tr := newTestTransport(t, base, &ev, WithMaxAttempts(2))
		done := make(chan struct{})
		for range n {
			go func() {
				defer func() { done <- struct{}{} }()
				if resp, err := get(t, tr); err == nil {
					readBody(t, resp)
				}
			}()
		}
		for range n {
			<-done
		}
		w := ev.waitsFor(WaitRateLimited)
		distinct := map[time.Duration]bool{}
		for _, e := range w {
			if e.Duration < 10*time.Second || e.Duration > 11*time.Second {
				t.Errorf("wait %v; want in [10s, 11s]", e.Duration)
			}
			distinct[e.Duration] = true
		}
		if len(w) != n || len(distinct) < n/2 {
			t.Errorf("%d waits with %d distinct durations; want %d waits, mostly distinct", len(w), len(distinct), n)
		}
	})
}
