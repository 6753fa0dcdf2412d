package transport

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

// TestIntegration runs a batch of GETs from many goroutines through one
// Transport against the fake VESSL server, for every server algorithm and
// every way of stating the reset, and checks the server's ground truth.
// These tests run in real time (loopback HTTP), in parallel with each other.
func TestIntegration(t *testing.T) {
	requests, workers := 300, 32
	if testing.Short() {
		requests = 100
	}
	const (
		quota  = 50
		window = time.Second
	)
	xrl := func(f testserver.ResetFormat) testserver.HeaderStyle {
		return testserver.HeaderStyle{XRateLimit: true, Reset: f}
	}
	limit := func(a testserver.Algorithm) testserver.Limit {
		return testserver.Limit{Algorithm: a, Requests: quota, Window: window}
	}
	observe := limit(testserver.SlidingLog)
	observe.Observe = true
	scenarios := []struct {
		name    string
		limit   testserver.Limit
		headers testserver.HeaderStyle
		max429  int
	}{
		{"fixed window/reset delta", limit(testserver.FixedWindow), xrl(testserver.ResetDelta), 5},
		{"sliding log/reset delta", limit(testserver.SlidingLog), xrl(testserver.ResetDelta), 5},
		{"sliding counter/reset delta", limit(testserver.SlidingCounter), xrl(testserver.ResetDelta), 5},
		{"token bucket/reset delta", limit(testserver.TokenBucket), xrl(testserver.ResetDelta), 5},
		{"sliding log/reset epoch", limit(testserver.SlidingLog), xrl(testserver.ResetEpoch), 5},
		{"sliding log/reset epoch-ms", limit(testserver.SlidingLog), xrl(testserver.ResetEpochMillis), 5},
		{"sliding log/reset delta-frac", limit(testserver.SlidingLog), xrl(testserver.ResetDeltaFrac), 5},
		{"sliding log/reset http-date", limit(testserver.SlidingLog), xrl(testserver.ResetHTTPDate), 5},
		{"sliding log/reset rfc3339", limit(testserver.SlidingLog), xrl(testserver.ResetRFC3339), 5},
		{"sliding log/IETF", limit(testserver.SlidingLog), testserver.HeaderStyle{IETF: true}, 5},
		{"fixed window/IETF and Retry-After", limit(testserver.FixedWindow),
			testserver.HeaderStyle{IETF: true, RetryAfter: true}, 5},
		{"sliding log/observe only", observe, xrl(testserver.ResetDelta), 0},
		// Blind servers state nothing until a 429 (Retry-After only) or
		// nothing at all: the budget can only learn the limit by meeting
		// it, so 429s are expected (17 to 37 and 22 to 27 in our runs of
		// 300, depending on load); the bound catches a storm while every
		// request must still succeed.
		{"sliding log/no headers", limit(testserver.SlidingLog), testserver.HeaderStyle{}, 75},
		{"fixed window/Retry-After only", limit(testserver.FixedWindow), testserver.HeaderStyle{RetryAfter: true}, 75},
	}
	// The batches wait far more than they compute, so all scenarios run
	// at once (t.Parallel would run only GOMAXPROCS of them at a time);
	// each is then checked in its own subtest.
	type outcome struct {
		elapsed  time.Duration
		failures int
		budget   int64 // budget waits announced to the wait hook
		server   testserver.Stats
		client   Stats
	}
	results := make([]outcome, len(scenarios))
	var wg sync.WaitGroup
	for i, sc := range scenarios {
		srv := testserver.NewTest(t, testserver.WithLimits(sc.limit), testserver.WithHeaders(sc.headers))
		var announced atomic.Int64
		tr := New(WithWaitHook(func(ev WaitEvent) {
			if ev.Reason == WaitBudget {
				announced.Add(1)
			}
		}))
		t.Cleanup(func() { _ = tr.Close() })
		client := &http.Client{Transport: tr}
		url := fmt.Sprintf("%s/api/v1/organizations/%s/projects", srv.URL, srv.Organization())
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			failures := runBatch(client, url, "Token "+srv.Token(), requests, workers)
			results[i] = outcome{time.Since(start), failures, announced.Load(), srv.Stats(srv.Token()), tr.Stats()}
		}()
	}
	wg.Wait()

	tmin := time.Duration((requests+quota-1)/quota-1) * window
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := results[i]
			st, ts := r.server, r.client
			t.Logf("%d requests, %d workers: %v (T_min %v, efficiency %.2f); server: %d admitted, %d throttled, max %d in a sliding window; transport: %d attempts, %d retries, %d budget waits announced, waited %v in all",
				requests, workers, r.elapsed.Round(time.Millisecond), tmin, tmin.Seconds()/r.elapsed.Seconds(),
				st.Admitted, st.Throttled, st.MaxInWindow, ts.Attempts, ts.Retries, r.budget, ts.Waited.Round(time.Millisecond))
			if r.failures != 0 {
				t.Errorf("%d requests did not end in 200; want 0", r.failures)
			}
			// Exceeded replays the admissions through the server's own
			// algorithm (MaxInWindow is a sliding count, which a fixed
			// window or a token bucket may legitimately pass).
			if st.Exceeded {
				t.Errorf("server limit exceeded (max %d in a sliding %v); want never", st.MaxInWindow, window)
			}
			if st.Throttled > sc.max429 || int(ts.Throttled) != st.Throttled {
				t.Errorf("server sent %d 429s (transport saw %d); want <= %d", st.Throttled, ts.Throttled, sc.max429)
			}
		})
	}
}

// runBatch sends n GETs of url from workers goroutines and returns how many
// did not end in a 200.
func runBatch(client *http.Client, url, auth string, n, workers int) int {
	jobs := make(chan int)
	var (
		mu       sync.Mutex
		failures int
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if !getOK(client, url, auth) {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return failures
}

func getOK(client *http.Client, url, auth string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", auth)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	discard(resp)
	return resp.StatusCode == http.StatusOK
}
