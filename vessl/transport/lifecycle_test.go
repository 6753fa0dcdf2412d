package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// Every blocking step of RoundTrip (the budget wait, a 429 wait, a back-off
// wait, the base's round trip, reading a body that never ends) returns
// promptly when the request's context is cancelled or the transport is
// closed, and gives the budget back what it reserved. goleak (TestMain)
// checks that no goroutine outlives the tests.

// roundTripAll starts n RoundTrips of GET testURL under ctx and returns a
// channel that receives each one's error (responses are read and closed).
func roundTripAll(t *testing.T, tr *Transport, ctx context.Context, n int) <-chan error {
	t.Helper()
	errs := make(chan error, n)
	for range n {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, testURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Token test-token")
		go func() {
			resp, err := tr.RoundTrip(req)
			if resp != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			errs <- err
		}()
	}
	return errs
}

func budgetOf(tr *Transport) *ratelimit.Budget {
	req, _ := http.NewRequest(http.MethodGet, testURL, nil)
	req.Header.Set("Authorization", "Token test-token")
	return tr.Limiter().Budget(ratelimit.DefaultScope(req))
}

// checkReturned receives n errors from errs, each of which must match
// want, and checks that all came exactly at the fake time at.
func checkReturned(t *testing.T, errs <-chan error, n int, want error, at time.Time) {
	t.Helper()
	for i := range n {
		err := <-errs
		if !errors.Is(err, want) {
			t.Errorf("RoundTrip %d: error %v; want one matching %v", i, err, want)
		}
		if now := time.Now(); !now.Equal(at) {
			t.Errorf("RoundTrip %d returned %v after the cancel; want at once", i, now.Sub(at))
		}
	}
}

// cancelAfter calls cancel after d (of the bubble's fake time) and returns
// when that will be.
func cancelAfter(d time.Duration, cancel func()) time.Time {
	time.AfterFunc(d, cancel)
	return time.Now().Add(d)
}

func checkGivenBack(t *testing.T, b *ratelimit.Budget) {
	t.Helper()
	if s := b.Snapshot(); s.InFlight != 0 || s.Waiters != 0 {
		t.Errorf("budget after return: %d in flight, %d waiting; want 0, 0", s.InFlight, s.Waiters)
	}
}

// TestCancelBudgetWaiters: requests queued on a budget the server emptied
// for a minute all return at the cancel with its error, and leave nothing
// in flight and nobody waiting.
func TestCancelBudgetWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet,
			answer(200, "X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "60"))
		tr := newTestTransport(t, base, nil)
		resp, err := get(t, tr)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const n = 8
		errs := roundTripAll(t, tr, ctx, n)
		synctest.Wait()
		b := budgetOf(tr)
		if s := b.Snapshot(); s.Waiters != n {
			t.Errorf("%d waiting on the budget; want %d", s.Waiters, n)
		}
		at := cancelAfter(5*time.Second, cancel)
		checkReturned(t, errs, n, context.Canceled, at)
		checkGivenBack(t, b)
		if rec.attempts() != 1 {
			t.Errorf("%d attempts; want 1 (the waiters never sent)", rec.attempts())
		}
	})
}

// TestCloseReleasesWaiters: closing the transport fails every request
// waiting on its budget at once with ratelimit.ErrClosed.
func TestCloseReleasesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, _ := mockBase(t, http.MethodGet,
			answer(200, "X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "60"))
		tr := New(WithBase(base))
		resp, err := get(t, tr)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		const n = 4
		errs := roundTripAll(t, tr, context.Background(), n)
		synctest.Wait()
		b := budgetOf(tr)
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
		checkReturned(t, errs, n, ratelimit.ErrClosed, time.Now())
		if s := b.Snapshot(); s.Waiters != 0 {
			t.Errorf("%d still waiting after Close", s.Waiters)
		}
	})
}

// TestCancelDuringBackoff: a back-off after a 503 ends at the cancel and
// the request's slot is given back.
func TestCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet, answer(503))
		tr := newTestTransport(t, base, nil, WithBackoff(20*time.Second, time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errs := roundTripAll(t, tr, ctx, 1)
		synctest.Wait()
		at := cancelAfter(2*time.Second, cancel) // inside the ~20s back-off
		checkReturned(t, errs, 1, context.Canceled, at)
		checkGivenBack(t, budgetOf(tr))
		if rec.attempts() != 1 || !rec.bodies[0].closed {
			t.Errorf("attempts %d, 503 body closed %v; want 1, true", rec.attempts(), rec.bodies[0].closed)
		}
	})
}

// blockingBase is a RoundTripper whose round trips never answer: they end
// only when the request's context does.
type blockingBase struct{}

func (blockingBase) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// TestCancelWhileSending: a round trip that never answers ends at the
// cancel; the request counts as sent (the server may have seen it) but its
// slot is released.
func TestCancelWhileSending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := newTestTransport(t, blockingBase{}, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errs := roundTripAll(t, tr, ctx, 1)
		synctest.Wait()
		if s := budgetOf(tr).Snapshot(); s.InFlight != 1 {
			t.Errorf("%d in flight while sending; want 1", s.InFlight)
		}
		at := cancelAfter(3*time.Second, cancel)
		checkReturned(t, errs, 1, context.Canceled, at)
		checkGivenBack(t, budgetOf(tr))
	})
}

// TestBodyThatNeverEnds: a response whose body stalls after a few bytes is
// returned (its headers arrived), and reading it ends promptly once the
// request's context is cancelled. Real network, so real time: the bound is
// generous.
func TestBodyThatNeverEnds(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"results": [`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	tr := New()
	defer tr.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var once sync.Once
	stop := time.AfterFunc(50*time.Millisecond, func() { once.Do(cancel) })
	defer stop.Stop()
	start := time.Now()
	_, err = io.ReadAll(resp.Body)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("reading the endless body returned %v after the cancel; want promptly", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("reading the endless body: %v; want context.Canceled", err)
	}
	checkGivenBack(t, tr.Limiter().Budget(ratelimit.DefaultScope(req)))
}
