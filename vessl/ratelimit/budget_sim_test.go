package ratelimit

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// runBatch sends workers*each requests through b against handle, under
// synctest's clock, with fixed latencies each way; a 429 is retried after
// the budget's wait. It returns the number of 429s and the admit times.
func runBatch(t *testing.T, b *Budget, workers, each int, handle func(now time.Time) (int, http.Header)) (throttled int, admits []time.Time) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				tk, err := b.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				admits = append(admits, tk.Sent())
				mu.Unlock()
				// The bubble's clock: latencies vary by worker, so
				// responses arrive out of order.
				<-time.After(time.Duration(10+w%7*9) * time.Millisecond)
				status, h := handle(time.Now())
				<-time.After(time.Duration(15+w%5*11) * time.Millisecond)
				obs, _ := ParseHeaders(h, status, time.Now())
				b.Report(tk, obs)
				if status == http.StatusTooManyRequests {
					mu.Lock()
					throttled++
					mu.Unlock()
					d, ok := obs.Delay()
					if !ok {
						d = b.Backoff()
					}
					<-time.After(d)
					continue
				}
				i++
			}
		}()
	}
	wg.Wait()
	return throttled, admits
}

func TestBudgetProbesAtResetWithJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &fixedWindowServer{start: time.Now(), limit: 5, window: time.Second}
		// WithBurst(0): paced admissions must be jittered apart (the
		// default sends what remains at once).
		b := newTestLimiter(t, WithJitter(0.2), WithBurst(0)).Budget("s")
		throttled, admits := runBatch(t, b, 20, 1, srv.handle)
		if throttled != 0 {
			t.Errorf("%d requests throttled; want 0", throttled)
		}
		seen := map[time.Time]bool{}
		for _, at := range admits {
			if seen[at] {
				t.Errorf("two requests admitted at the same instant +%v", at.Sub(srv.start))
			}
			seen[at] = true
		}
	})
}

// slidingCounterServer weighs the previous fixed window's count by the
// part of it still inside a sliding window: bursting right after a
// boundary gets 429s.
type slidingCounterServer struct {
	mu              sync.Mutex
	start           time.Time
	limit           int
	window          time.Duration
	idx             int64
	prev, cur       int
	admitted, extra int
}

func (s *slidingCounterServer) handle(now time.Time) (int, http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el := now.Sub(s.start)
	idx := int64(el / s.window)
	if idx != s.idx {
		if idx == s.idx+1 {
			s.prev = s.cur
		} else {
			s.prev = 0
		}
		s.idx, s.cur = idx, 0
	}
	frac := float64(el-time.Duration(idx)*s.window) / float64(s.window)
	used := float64(s.prev)*(1-frac) + float64(s.cur)
	status := 200
	h := http.Header{}
	if used+1 > float64(s.limit) {
		status = 429
		s.extra++
		// Whole seconds until one request leaves the weighted count.
		free := (used + 1 - float64(s.limit)) / float64(s.prev+1) * float64(s.window)
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(time.Duration(free).Seconds()))))
	} else {
		s.cur++
		s.admitted++
		used++
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(int(math.Max(0, math.Floor(float64(s.limit)-used)))))
	// Time until the current window ends, as such servers report.
	h.Set("X-RateLimit-Reset", strconv.FormatFloat((s.window-(el-time.Duration(idx)*s.window)).Seconds(), 'f', 3, 64))
	return status, h
}

func TestBudgetSlidingWindowCounter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &slidingCounterServer{start: time.Now(), limit: 10, window: time.Second}
		b := newTestLimiter(t, WithJitter(0.1)).Budget("s")
		throttled, _ := runBatch(t, b, 64, 1, srv.handle)
		// Such a server reports the end of its fixed window as the reset,
		// but right after it the quota is not back: the probe sent then
		// may be refused. At most that one per window.
		el := time.Since(srv.start)
		if throttled > int(el/srv.window) {
			t.Errorf("%d requests throttled in %v; want at most one per window", throttled, el)
		}
		if el > 15*time.Second {
			t.Errorf("64 requests at 10/s took %v; want well under 15s", el)
		}
	})
}

// headerlessServer allows limit requests per fixed window and says nothing
// but 429 when over it.
type headerlessServer struct {
	fixedWindowServer
}

func (s *headerlessServer) handle(now time.Time) (int, http.Header) {
	status, _ := s.fixedWindowServer.handle(now)
	return status, http.Header{}
}

func TestBudgetHeaderlessServerAdapts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &headerlessServer{fixedWindowServer{start: time.Now(), limit: 20, window: time.Second}}
		b := newTestLimiter(t, WithJitter(0.1)).Budget("s")
		const total = 200
		throttled, _ := runBatch(t, b, 64, total/64+1, srv.handle)
		if srv.admitted < total {
			t.Fatalf("server admitted %d; want at least %d", srv.admitted, total)
		}
		// Without headers some 429s are how the budget learns; it must
		// not keep hammering.
		if throttled > total/4 {
			t.Errorf("%d of %d requests throttled; want at most %d", throttled, total, total/4)
		}
		t.Logf("headerless: %d admitted, %d throttled, %v", srv.admitted, throttled, time.Since(srv.start))
	})
}

func TestBudgetSlidingWindowCounterKeepsPace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 8 workers, 120 requests, 10 per second: after the first
		// window's burst, the counter admits 10 a second as the previous
		// window decays; waiting for each fixed window's end takes about
		// twice as long (22s). Probing one request at a time every 100ms
		// after a round trip of 25-120ms gets about 7 a second.
		srv := &slidingCounterServer{start: time.Now(), limit: 10, window: time.Second}
		b := newTestLimiter(t, WithJitter(0.1)).Budget("s")
		throttled, _ := runBatch(t, b, 8, 15, srv.handle)
		el := time.Since(srv.start)
		t.Logf("sliding counter: 120 requests in %v, %d throttled", el, throttled)
		if el > 16*time.Second {
			t.Errorf("120 requests at 10/s took %v; want under 16s (about 11s at the server's own pace)", el)
		}
		if throttled > 3 {
			t.Errorf("%d requests throttled; want at most 3", throttled)
		}
	})
}
