package ratelimit

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestBudgetStress mixes admissions, reports, cancels, timeouts and
// cancellations from many goroutines, then checks that every slot came
// back: nothing in flight, nobody waiting, and the server never refused.
func TestBudgetStress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &fixedWindowServer{start: time.Now(), limit: 15, window: time.Second}
		b := newTestLimiter(t, WithJitter(0.3)).Budget("s")
		var wg sync.WaitGroup
		for g := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 7))
				for range 10 {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(3000))*time.Millisecond)
					if rng.IntN(4) == 0 {
						d := time.Duration(rng.IntN(500)) * time.Millisecond
						go func() { // cancelled while (probably) waiting
							select {
							case <-time.After(d):
								cancel()
							case <-ctx.Done():
							}
						}()
					}
					tk, err := b.Acquire(ctx)
					cancel()
					if err != nil {
						var we *WaitError
						if !errors.As(err, &we) {
							t.Errorf("Acquire = %v; want a *WaitError", err)
						}
						continue
					}
					if rng.IntN(5) == 0 {
						b.Cancel(tk) // never sent
						continue
					}
					<-time.After(time.Duration(5+rng.IntN(80)) * time.Millisecond)
					status, h := srv.handle(time.Now())
					<-time.After(time.Duration(5+rng.IntN(80)) * time.Millisecond)
					obs, _ := ParseHeaders(h, status, time.Now())
					b.Report(tk, obs)
				}
			}()
		}
		wg.Wait()
		if s := b.Snapshot(); s.InFlight != 0 || s.Waiters != 0 {
			t.Errorf("after the storm: %d in flight, %d waiting; want 0, 0", s.InFlight, s.Waiters)
		}
		if srv.throttled != 0 {
			t.Errorf("server refused %d requests; want 0", srv.throttled)
		}
	})
}

func TestErrorStrings(t *testing.T) {
	we := &WaitError{Scope: "api#abc", Wait: 10 * time.Second, Max: time.Second, Err: ErrMaxWait}
	if got := we.Error(); !strings.HasPrefix(got, "ratelimit: scope api#abc: wait of 10s exceeds 1s") || !errors.Is(we, ErrMaxWait) {
		t.Errorf("WaitError.Error() = %q", got)
	}
	we = &WaitError{Scope: "s", Err: context.Canceled}
	if got := we.Error(); got != "ratelimit: scope s: context canceled" {
		t.Errorf("WaitError.Error() = %q", got)
	}
	_, err := ParseHeaders(hdr("X-RateLimit-Remaining", "x", "Retry-After", "y"), 200, at)
	var he *HeaderError
	if !errors.As(err, &he) || strings.Count(err.Error(), "ratelimit: header ") != 2 {
		t.Errorf("two bad headers: error %q; want two joined *HeaderError", err)
	}
	obs, _ := ParseHeaders(hdr("X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "1", "X-RateLimit-Reset", "3", "Retry-After", "4"), 429, at)
	if got, want := obs.String(), "status=429 limit=5 remaining=1 reset=+3s retry-after=4s"; got != want {
		t.Errorf("Observation.String() = %q; want %q", got, want)
	}
	if !obs.Throttled() || !obs.Known() || (Observation{}).Known() {
		t.Errorf("Throttled/Known wrong for %v", obs)
	}
}

func TestDefaultScope(t *testing.T) {
	r, _ := http.NewRequest("GET", "https://api.vessl.ai/api/v1/x", nil)
	if got := DefaultScope(r); got != "api.vessl.ai" {
		t.Errorf("DefaultScope without credential = %q; want host", got)
	}
	r.Header.Set("Authorization", "Token aaa")
	a := DefaultScope(r)
	r.Header.Set("Authorization", "Token bbb")
	bb := DefaultScope(r)
	if a == bb || strings.Contains(a, "aaa") || strings.Contains(bb, "bbb") {
		t.Errorf("DefaultScope = %q, %q; want distinct scopes without the credential", a, bb)
	}
}
