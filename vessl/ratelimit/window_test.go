package ratelimit

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// TestClampedResetKeepsWindow: one corrupted X-RateLimit-Reset (a far
// epoch, clamped to MaxDelay) among sane answers must not stretch the
// window the budget learned to a day. With a day-long window the long-run
// interval Window/Limit is 144s here, and under load the budget's wait
// estimates passed any maximum wait: a batch against a server that garbles
// one header in fifty (internal/testserver Faults.MalformedHeaders 0.02)
// lost about half its items to ErrMaxWait in 3 of 5 runs.
func TestClampedResetKeepsWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := NewLimiter(WithMaxWait(5*time.Second), WithJitter(0))
		defer lim.Close()
		b := lim.Budget("s")
		ctx := context.Background()
		answer := func(remaining, reset string) {
			t.Helper()
			tk, err := b.Acquire(ctx)
			if err != nil {
				t.Fatalf("Acquire: %v", err)
			}
			h := http.Header{"X-Ratelimit-Limit": {"600"}, "X-Ratelimit-Remaining": {remaining}, "X-Ratelimit-Reset": {reset}}
			obs, _ := ParseHeaders(h, 200, time.Now())
			b.Report(tk, obs)
		}
		answer("599", "1")
		answer("598", "1")
		answer("597", "99999999999999999999") // garbled: read as epoch ms, clamped
		answer("596", "1")                    // a fresh, sane answer
		if w := b.Snapshot().Window; w != time.Second {
			t.Errorf("window after a clamped reset = %v; want the 1s learned before", w)
		}
		<-time.After(2 * time.Second) // fake time: past the reset, quota left
		for i := range 20 {
			tk, err := b.Acquire(ctx)
			if err != nil {
				t.Fatalf("Acquire %d after the reset: %v", i, err)
			}
			b.Report(tk, Observation{Status: 200})
		}
	})
}
