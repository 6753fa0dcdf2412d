package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// TestCallerRequestNotModified: every attempt is a separate request; the
// caller's keeps its context, header, URL and body.
func TestCallerRequestNotModified(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodPut,
			answer(429, "Retry-After", "1"), answer(503), failure(errReset), answer(200))
		tr := newTestTransport(t, base, nil)
		type ctxKey struct{}
		ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, testURL, strings.NewReader("payload"))
		req.Header.Set("Authorization", "Token test-token")
		req.Header.Set("X-Request-Id", "req-42")
		wantHeader := req.Header.Clone()
		wantURL := req.URL.String()
		body, getBody := req.Body, req.GetBody

		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("RoundTrip = %v, %v; want 200, nil", resp, err)
		}
		readBody(t, resp)
		if rec.attempts() != 4 {
			t.Fatalf("attempts = %d; want 4", rec.attempts())
		}
		if req.Context() != ctx || req.URL.String() != wantURL || req.Body != body ||
			reflect.ValueOf(req.GetBody).Pointer() != reflect.ValueOf(getBody).Pointer() ||
			!reflect.DeepEqual(req.Header, wantHeader) {
			t.Errorf("caller's request changed: ctx %v, url %s, header %v", req.Context(), req.URL, req.Header)
		}
		seen := map[*http.Request]bool{req: true}
		for i, s := range rec.sent {
			if seen[s.req] {
				t.Errorf("attempt %d reused a request object", i+1)
			}
			seen[s.req] = true
			if got := s.header.Get("X-Request-Id"); got != "req-42" {
				t.Errorf("attempt %d X-Request-Id = %q; want %q", i+1, got, "req-42")
			}
			if s.body != "payload" {
				t.Errorf("attempt %d body = %q; want %q", i+1, s.body, "payload")
			}
			if s.req.Context().Value(ctxKey{}) != "caller" {
				t.Errorf("attempt %d lost the caller's context values", i+1)
			}
		}
		if resp.Request != rec.sent[3].req {
			t.Errorf("resp.Request is not the request of the last attempt")
		}
	})
}

// TestBodyNotRewindable: a streaming body is sent once; a network error
// that would have been retried says why it was not.
func TestBodyNotRewindable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodPut, failure(errReset), answer(200))
		tr := newTestTransport(t, base, nil)
		req, _ := http.NewRequest(http.MethodPut, testURL, io.NopCloser(strings.NewReader("stream")))
		if req.GetBody != nil {
			t.Fatal("test needs a request without GetBody")
		}
		_, err := tr.RoundTrip(req)
		if !errors.Is(err, ErrBodyNotRewindable) || !errors.Is(err, errReset) {
			t.Errorf("RoundTrip error = %v; want ErrBodyNotRewindable wrapping the network error", err)
		}
		if rec.attempts() != 1 || rec.sent[0].body != "stream" {
			t.Errorf("%d attempts; want exactly 1 with the full body", rec.attempts())
		}

		// A 429 for such a request is returned as it is.
		base, rec = mockBase(t, http.MethodPost, answer(429, "Retry-After", "1"), answer(201))
		tr = newTestTransport(t, base, nil)
		req, _ = http.NewRequest(http.MethodPost, testURL, io.NopCloser(strings.NewReader("stream")))
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 429 || rec.attempts() != 1 {
			t.Fatalf("RoundTrip = %v, %v after %d attempts; want 429, nil after 1", resp, err, rec.attempts())
		}
		readBody(t, resp)
	})
}

// TestGetBodyFails: a failing GetBody ends the request with its error and
// gives the budget's ticket back.
func TestGetBodyFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodPut, answer(503), answer(200))
		tr := newTestTransport(t, base, nil)
		req, _ := http.NewRequest(http.MethodPut, testURL, strings.NewReader("x"))
		boom := errors.New("boom")
		req.GetBody = func() (io.ReadCloser, error) { return nil, boom }
		if _, err := tr.RoundTrip(req); !errors.Is(err, boom) {
			t.Errorf("RoundTrip error = %v; want %v", err, boom)
		}
		if rec.attempts() != 1 || !rec.bodies[0].closed {
			t.Errorf("attempts %d, first body closed %v; want 1, true", rec.attempts(), rec.bodies[0].closed)
		}
		if s := tr.Limiter().Budget(ratelimit.DefaultScope(req)).Snapshot(); s.InFlight != 0 {
			t.Errorf("in flight after return = %d; want 0", s.InFlight)
		}
	})
}

// TestContextCancelDuringWait: a 429 wait ends when the context is
// cancelled, the held response is closed, and nothing stays in flight.
func TestContextCancelDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet, answer(429, "Retry-After", "30"), answer(200))
		tr := newTestTransport(t, base, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(5*time.Second, cancel)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, testURL, nil)
		start := time.Now()
		resp, err := tr.RoundTrip(req)
		if resp != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("RoundTrip = %v, %v; want nil, context.Canceled", resp, err)
		}
		if el := time.Since(start); el != 5*time.Second {
			t.Errorf("returned after %v; want 5s (the cancel)", el)
		}
		if rec.attempts() != 1 || !rec.bodies[0].closed {
			t.Errorf("attempts %d, body closed %v; want 1, true", rec.attempts(), rec.bodies[0].closed)
		}
		if s := tr.Limiter().Budget(ratelimit.DefaultScope(req)).Snapshot(); s.InFlight != 0 || s.Waiters != 0 {
			t.Errorf("after cancel: %d in flight, %d waiters; want 0, 0", s.InFlight, s.Waiters)
		}
	})
}

// TestDeadlineShorterThanWait: a wait the context's deadline would cut
// short is not started; the response in hand is returned at once.
func TestDeadlineShorterThanWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet, answer(429, "Retry-After", "30"), answer(200))
		tr := newTestTransport(t, base, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, testURL, nil)
		start := time.Now()
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 429 {
			t.Fatalf("RoundTrip = %v, %v; want 429, nil", resp, err)
		}
		readBody(t, resp)
		if el := time.Since(start); el != 0 || rec.attempts() != 1 {
			t.Errorf("returned after %v and %d attempts; want at once after 1", el, rec.attempts())
		}
	})
}

// TestContextCancelledBeforeSend: nothing is sent and the body is closed.
func TestContextCancelledBeforeSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodPost, answer(200))
		tr := newTestTransport(t, base, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		body := newTrackedBody("x")
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, testURL, body)
		_, err := tr.RoundTrip(req)
		var we *ratelimit.WaitError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &we) {
			t.Errorf("RoundTrip error = %v; want a *ratelimit.WaitError wrapping context.Canceled", err)
		}
		if rec.attempts() != 0 || !body.closed {
			t.Errorf("attempts %d, request body closed %v; want 0, true", rec.attempts(), body.closed)
		}
	})
}

// TestObservationFrom: the final response's observation is available
// without parsing again, also through an http.Client with a timeout.
func TestObservationFrom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, _ := mockBase(t, http.MethodGet,
			answer(429, "Retry-After", "1"),
			answer(200, "X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "30"))
		tr := newTestTransport(t, base, nil)
		client := &http.Client{Transport: tr, Timeout: time.Minute}
		resp, err := client.Get(testURL)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		obs, ok := ObservationFrom(resp)
		if !ok || obs.Status != 200 || obs.Limit != 100 || !obs.HasRemaining || obs.Remaining != 7 ||
			obs.Reset.Sub(obs.At) != 30*time.Second {
			t.Errorf("ObservationFrom = %+v, %v; want limit 100, remaining 7, reset +30s", obs, ok)
		}
		if _, ok := ObservationFrom(&http.Response{Request: resp.Request}); ok {
			t.Errorf("ObservationFrom(another response) ok = true; want false")
		}
		if _, ok := ObservationFrom(nil); ok {
			t.Errorf("ObservationFrom(nil) ok = true; want false")
		}
	})
}

// TestBudgetWaitAnnounced: a paced wait on the budget is announced before
// it starts, and counted in Stats.
func TestBudgetWaitAnnounced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The server says 0 remain for 10s: the next request must wait on
		// the budget, not on a 429.
		base, rec := mockBase(t, http.MethodGet,
			answer(200, "X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "10"),
			answer(200, "X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "9", "X-RateLimit-Reset", "60"))
		ev := &events{}
		tr := newTestTransport(t, base, ev)
		for range 2 {
			resp, err := get(t, tr)
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
		}
		w := ev.waitsFor(WaitBudget)
		// The estimate is the budget's reset, which it may spread by its
		// own jitter.
		if len(w) != 1 || w[0].Duration < 9*time.Second || w[0].Duration > 12*time.Second || w[0].Attempt != 1 {
			t.Errorf("budget waits = %+v; want one of about 10s before attempt 1", w)
		}
		if got := rec.gap(1); got < 10*time.Second {
			t.Errorf("second request sent %v after the first; want >= 10s", got)
		}
		if s := tr.Stats(); s.Waited < 10*time.Second || s.Requests != 2 || s.Throttled != 0 {
			t.Errorf("Stats() = %+v; want >= 10s waited, 2 requests, 0 throttled", s)
		}
	})
}

// TestLoggerNeverLogsSecrets: the logger sees waits and retries, never
// headers, tokens or query strings.
func TestLoggerNeverLogsSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, _ := mockBase(t, http.MethodGet, answer(429, "Retry-After", "1"), answer(503), answer(200))
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		tr := newTestTransport(t, base, nil, WithLogger(logger))
		req, _ := http.NewRequest(http.MethodGet, testURL+"?token=query-secret", nil)
		req.Header.Set("Authorization", "Token header-secret")
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		out := buf.String()
		for _, secret := range []string{"header-secret", "query-secret", "Authorization"} {
			if strings.Contains(out, secret) {
				t.Errorf("log contains %q:\n%s", secret, out)
			}
		}
		for _, want := range []string{"reason=rate-limited", "reason=backoff", "transport: retrying"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
}

// TestNewDefaults: New with no options, or nil ones, is usable.
func TestNewDefaults(t *testing.T) {
	tr := New(nil, WithBase(nil), WithScope(nil), WithLogger(nil), WithClock(nil),
		WithWaitHook(nil), WithRetryHook(nil), WithMaxAttempts(0), WithMaxWait(-time.Second),
		WithJitter(7), WithBackoff(0, -1))
	defer tr.Close()
	if tr.maxAttempts != 1 || tr.maxWait != 0 || tr.jitter != 1 || tr.backoffInitial != time.Millisecond ||
		tr.backoffMax != time.Millisecond || tr.base == nil || tr.scope == nil || tr.clock == nil {
		t.Errorf("New(clamped options) = %+v; want attempts 1, max wait 0, jitter 1, backoff 1ms/1ms and defaults", tr)
	}
	if tr.Limiter() == nil {
		t.Errorf("Limiter() = nil")
	}
}

// TestRetryNotAdmitted: when the budget cannot admit a retry in time, the
// previous response is returned as it is, not an error.
func TestRetryNotAdmitted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The 503 also says the quota is spent for a minute: the back-off
		// is short, but the budget will not admit the retry within 10s.
		base, rec := mockBase(t, http.MethodGet,
			answer(503, "X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "60"),
			answer(200))
		ev := &events{}
		tr := newTestTransport(t, base, ev, WithMaxWait(10*time.Second))
		start := time.Now()
		resp, err := get(t, tr)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("RoundTrip = %v, %v; want 503, nil", resp, err)
		}
		if got := readBody(t, resp); got != http.StatusText(503) {
			t.Errorf("body = %q; want the 503's", got)
		}
		if el := time.Since(start); rec.attempts() != 1 || el > 10*time.Second {
			t.Errorf("%d attempts in %v; want 1, within the back-off", rec.attempts(), el)
		}
		if obs, ok := ObservationFrom(resp); !ok || obs.Status != 503 {
			t.Errorf("ObservationFrom = %+v, %v; want the 503's", obs, ok)
		}
		if w := ev.waitsFor(WaitBackoff); len(w) != 1 {
			t.Errorf("back-off waits = %+v; want 1 (the retry was planned, then not admitted)", w)
		}
	})
}

// TestCloseAndSharedLimiter: Close closes what New created, never a
// limiter given with WithLimiter.
func TestCloseAndSharedLimiter(t *testing.T) {
	base, _ := mockBase(t, http.MethodGet, answer(200))
	shared := ratelimit.NewLimiter()
	defer shared.Close()
	a := New(WithBase(base), WithLimiter(shared))
	b := New(WithBase(base), WithLimiter(shared))
	if a.Limiter() != shared || b.Limiter() != shared {
		t.Fatalf("Limiter() is not the shared limiter")
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	resp, err := get(t, b)
	if err != nil {
		t.Fatalf("RoundTrip through the other transport after Close = %v; want nil (shared limiter open)", err)
	}
	readBody(t, resp)

	own := New(WithBase(base))
	if err := own.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if _, err := get(t, own); !errors.Is(err, ratelimit.ErrClosed) {
		t.Errorf("RoundTrip after Close = %v; want ratelimit.ErrClosed", err)
	}
}
