package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// These tests run under testing/synctest: time is the bubble's fake clock,
// so waits take no real time and timings are exact.

func newTestLimiter(t *testing.T, opts ...Option) *Limiter {
	t.Helper()
	l := NewLimiter(append([]Option{WithJitter(0)}, opts...)...)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// setState makes b believe remaining requests are left until reset.
func setState(t *testing.T, b *Budget, remaining int, reset time.Duration) {
	t.Helper()
	tk, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	b.Report(tk, Observation{At: now, Status: 200, Remaining: remaining, HasRemaining: true, Reset: now.Add(reset)})
}

func TestBudgetFIFOAndPacing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// WithBurst(0): pace every request (the default would send all
		// four at once).
		b := newTestLimiter(t, WithBurst(0)).Budget("s")
		start := time.Now()
		setState(t, b, 4, 4*time.Second) // 4 left over 4s: one a second
		var mu sync.Mutex
		var order []int
		var when []time.Duration
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk, err := b.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if want := time.Duration(i) * time.Second; tk.Waited() != want {
					t.Errorf("waiter %d: Ticket.Waited = %v; want %v", i, tk.Waited(), want)
				}
				mu.Lock()
				order = append(order, i)
				when = append(when, time.Since(start))
				mu.Unlock()
				_ = tk // never reported: stays in flight
			}()
			synctest.Wait() // i is queued (or admitted) before i+1 starts
		}
		wg.Wait()
		for i := range order {
			if order[i] != i {
				t.Fatalf("admission order = %v; want FIFO", order)
			}
		}
		want := []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}
		if fmt.Sprint(when) != fmt.Sprint(want) {
			t.Errorf("admission times = %v; want %v", when, want)
		}
	})
}

func TestBudgetFailsFastPastDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestLimiter(t).Budget("s")
		setState(t, b, 0, 10*time.Second)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := b.Acquire(ctx)
		var we *WaitError
		if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire = %v; want *WaitError wrapping DeadlineExceeded", err)
		}
		if time.Since(start) != 0 {
			t.Errorf("Acquire waited %v before failing; want 0", time.Since(start))
		}
		if got := we.Reset.Sub(start); got != 10*time.Second {
			t.Errorf("WaitError.Reset = +%v; want +10s", got)
		}
		if we.Wait != 10*time.Second || we.Max != time.Second || we.Waited != 0 {
			t.Errorf("WaitError = %+v; want Wait 10s, Max 1s, Waited 0", we)
		}
	})
}

func TestBudgetFailsFastPastMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestLimiter(t, WithMaxWait(2*time.Second)).Budget("s")
		setState(t, b, 0, 10*time.Second)
		_, err := b.Acquire(context.Background())
		if !errors.Is(err, ErrMaxWait) {
			t.Fatalf("Acquire = %v; want ErrMaxWait", err)
		}
		// A wait of unknown length is abandoned at MaxWait.
		b2 := newTestLimiter(t, WithMaxWait(100*time.Millisecond)).Budget("cold")
		first, _ := b2.Acquire(context.Background()) // cold start: 1 in flight
		start := time.Now()
		_, err = b2.Acquire(context.Background())
		if !errors.Is(err, ErrMaxWait) || time.Since(start) != 100*time.Millisecond {
			t.Fatalf("Acquire = %v after %v; want ErrMaxWait after 100ms", err, time.Since(start))
		}
		var we *WaitError
		if !errors.As(err, &we) || we.Waited != 100*time.Millisecond {
			t.Errorf("WaitError = %+v; want Waited 100ms", we)
		}
		b2.Report(first, Observation{})
	})
}

func TestBudgetCancelledWaitGivesPlaceBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestLimiter(t, WithBurst(0)).Budget("s")
		setState(t, b, 2, 2*time.Second) // one a second
		start := time.Now()
		if _, err := b.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := b.Acquire(ctx)
			errc <- err
		}()
		synctest.Wait()
		done := make(chan time.Duration, 1)
		go func() {
			if _, err := b.Acquire(context.Background()); err != nil {
				t.Error(err)
			}
			done <- time.Since(start)
		}()
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Acquire = %v; want context.Canceled", err)
		}
		if got := <-done; got != time.Second {
			t.Errorf("next waiter admitted at +%v; want +1s (the freed slot)", got)
		}
	})
}

func TestBudgetCloseFailsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter()
		b := l.Budget("s")
		tk, _ := b.Acquire(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := b.Acquire(context.Background())
			errc <- err
		}()
		synctest.Wait()
		_ = l.Close()
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Errorf("Acquire after Close = %v; want ErrClosed", err)
		}
		b.Report(tk, Observation{})
	})
}

// fixedWindowServer is a fake server: limit requests per window, counted
// from its start, sending X-RateLimit-* headers with delta-second resets.
type fixedWindowServer struct {
	mu        sync.Mutex
	start     time.Time
	limit     int
	window    time.Duration
	windowIdx int64
	count     int
	admitted  int
	throttled int
}

func (s *fixedWindowServer) handle(now time.Time) (int, http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := int64(now.Sub(s.start) / s.window)
	if idx != s.windowIdx {
		s.windowIdx, s.count = idx, 0
	}
	end := s.start.Add(time.Duration(idx+1) * s.window)
	status := 200
	if s.count >= s.limit {
		status = 429
		s.throttled++
	} else {
		s.count++
		s.admitted++
	}
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.limit-s.count))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(end.Sub(now).Seconds(), 'f', 3, 64))
	return status, h
}

func TestBudgetColdBurstOf64DoesNotTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &fixedWindowServer{start: time.Now(), limit: 10, window: time.Second, windowIdx: 0}
		b := newTestLimiter(t, WithJitter(0.1)).Budget("s")
		const workers, perWorker = 64, 2
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perWorker {
					tk, err := b.Acquire(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					<-time.After(20 * time.Millisecond) // the bubble's clock: network latency
					status, h := srv.handle(time.Now())
					<-time.After(30 * time.Millisecond)
					obs, err := ParseHeaders(h, status, time.Now())
					if err != nil {
						t.Error(err)
					}
					b.Report(tk, obs)
				}
			}()
		}
		wg.Wait()
		if srv.throttled != 0 {
			t.Errorf("server throttled %d requests; want 0", srv.throttled)
		}
		if srv.admitted != workers*perWorker {
			t.Errorf("server admitted %d; want %d", srv.admitted, workers*perWorker)
		}
		// 128 requests at 10/s need at least 12 windows.
		if el := time.Since(srv.start); el > 20*time.Second {
			t.Errorf("batch took %v; want well under 20s", el)
		}
	})
}

func TestBudgetBackoffAfter429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestLimiter(t, WithRand(func() float64 { return 0 })).Budget("s")
		tk, _ := b.Acquire(context.Background())
		b.Report(tk, Observation{At: time.Now(), Status: 429})
		if got := b.Backoff(); got != backoffBase/2 {
			t.Errorf("Backoff() = %v; want %v", got, backoffBase/2)
		}
		start := time.Now()
		tk, err := b.Acquire(context.Background())
		if err != nil || time.Since(start) != backoffBase/2 {
			t.Errorf("Acquire after 429 = %v after %v; want admitted after %v", err, time.Since(start), backoffBase/2)
		}
		b.Report(tk, Observation{At: time.Now(), Status: 200})
		if s := b.Snapshot(); s.Throttled != 0 {
			t.Errorf("Snapshot().Throttled = %d after a success; want 0", s.Throttled)
		}
	})
}

func TestLimiterBudgetNoAlloc(t *testing.T) {
	l := newTestLimiter(t)
	l.Budget("a")
	if n := testing.AllocsPerRun(100, func() { l.Budget("a") }); n != 0 {
		t.Errorf("Limiter.Budget allocates %v times on a hit; want 0", n)
	}
	r, _ := http.NewRequest("GET", "http://api.example/x", nil)
	r.Header.Set("Authorization", "Token secret-token")
	s := DefaultScope(r)
	if s != "api.example#"+s[len("api.example#"):] || len(s) != len("api.example#")+12 {
		t.Errorf("DefaultScope = %q; want host#12-hex", s)
	}
	if n := testing.AllocsPerRun(100, func() { DefaultScope(r) }); n != 0 {
		t.Errorf("DefaultScope allocates %v times on a hit; want 0", n)
	}
	// Two credentials in turn: neither is the pair seen last.
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Token other-token")
	if DefaultScope(r2) == s {
		t.Errorf("two credentials share scope %q", s)
	}
	if n := testing.AllocsPerRun(100, func() { DefaultScope(r); DefaultScope(r2) }); n != 0 {
		t.Errorf("DefaultScope allocates %v times alternating two credentials; want 0", n)
	}
	if DefaultScope(r) != s {
		t.Errorf("DefaultScope changed after alternating: %q; want %q", DefaultScope(r), s)
	}
}

func TestBudgetFailsQueuedWaiterWhenWaitBecomesKnown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestLimiter(t).Budget("s")
		first, _ := b.Acquire(context.Background()) // cold start: the rest wait for its answer
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errc := make(chan error, 1)
		go func() {
			_, err := b.Acquire(ctx)
			errc <- err
		}()
		synctest.Wait()
		start := time.Now()
		<-time.After(100 * time.Millisecond)
		// The answer: nothing left for a minute. The waiter's deadline is
		// 5s away: it must fail now, not in 5s.
		now := time.Now()
		b.Report(first, Observation{At: now, Status: 200, Remaining: 0, HasRemaining: true, Reset: now.Add(time.Minute)})
		err := <-errc
		var we *WaitError
		if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire = %v; want *WaitError wrapping DeadlineExceeded", err)
		}
		if el := time.Since(start); el != 100*time.Millisecond {
			t.Errorf("waiter failed after %v; want at the answer (100ms)", el)
		}
		if s := b.Snapshot(); s.Waiters != 0 {
			t.Errorf("Waiters = %d; want 0", s.Waiters)
		}
	})
}
