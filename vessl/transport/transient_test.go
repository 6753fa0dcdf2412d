package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

var errReset = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}

// send sends method testURL with body (if not "") through tr; header pairs
// are set on the request.
func send(t *testing.T, tr http.RoundTripper, ctx context.Context, method, body string, header ...string) (*http.Response, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, testURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return tr.RoundTrip(req)
}

// TestTransientRetries covers which transient failures are retried for which
// requests.
func TestTransientRetries(t *testing.T) {
	unsafe := WithRetryUnsafe(context.Background())
	tests := []struct {
		name     string
		method   string
		ctx      context.Context
		header   []string
		steps    []step
		attempts int
		status   int   // final status, 0 if an error is expected
		err      error // expected in the chain, if status == 0
	}{
		{"GET 503 502 504 then 200", http.MethodGet, nil, nil,
			[]step{answer(503), answer(502), answer(504), answer(200)}, 4, 200, nil},
		{"GET network errors then 200", http.MethodGet, nil, nil,
			[]step{failure(errReset), failure(errReset), answer(200)}, 3, 200, nil},
		{"PUT 503 then 200", http.MethodPut, nil, nil,
			[]step{answer(503), answer(200)}, 2, 200, nil},
		{"DELETE network error then 204", http.MethodDelete, nil, nil,
			[]step{failure(errReset), answer(204)}, 2, 204, nil},
		{"GET 500 is not transient", http.MethodGet, nil, nil,
			[]step{answer(500), answer(200)}, 1, 500, nil},
		{"GET 501 is not transient", http.MethodGet, nil, nil,
			[]step{answer(501), answer(200)}, 1, 501, nil},
		{"POST 503 not retried", http.MethodPost, nil, nil,
			[]step{answer(503), answer(200)}, 1, 503, nil},
		{"PATCH 502 not retried", http.MethodPatch, nil, nil,
			[]step{answer(502), answer(200)}, 1, 502, nil},
		{"POST network error not retried", http.MethodPost, nil, nil,
			[]step{failure(errReset), answer(200)}, 1, 0, syscall.ECONNRESET},
		{"POST with Idempotency-Key retried", http.MethodPost, nil, []string{"Idempotency-Key", "k-1"},
			[]step{answer(503), failure(errReset), answer(201)}, 3, 201, nil},
		{"POST opted in retried", http.MethodPost, unsafe, nil,
			[]step{failure(errReset), answer(201)}, 2, 201, nil},
		{"POST 429 retried without opt-in", http.MethodPost, nil, nil,
			[]step{answer(429, "Retry-After", "1"), answer(201)}, 2, 201, nil},
		{"POST 409 key in use retried", http.MethodPost, nil, []string{"Idempotency-Key", "k-1"},
			[]step{answer(409, "Retry-After", "1"), answer(201)}, 2, 201, nil},
		{"POST 409 X-Idempotency-Key in use retried", http.MethodPost, nil, []string{"X-Idempotency-Key", "k-1"},
			[]step{answer(409, "Retry-After", "1"), answer(201)}, 2, 201, nil},
		{"POST 409 without Retry-After is an answer", http.MethodPost, nil, []string{"Idempotency-Key", "k-1"},
			[]step{answer(409), answer(201)}, 1, 409, nil},
		{"POST 409 without a key is an answer", http.MethodPost, unsafe, nil,
			[]step{answer(409, "Retry-After", "1"), answer(201)}, 1, 409, nil},
		{"GET exhausted 503 returned", http.MethodGet, nil, nil,
			[]step{answer(503)}, 5, 503, nil},
		{"GET exhausted network error", http.MethodGet, nil, nil,
			[]step{failure(errReset)}, 5, 0, syscall.ECONNRESET},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := tt.ctx
				if ctx == nil {
					ctx = context.Background()
				}
				base, rec := mockBase(t, tt.method, tt.steps...)
				ev := &events{}
				tr := newTestTransport(t, base, ev)
				resp, err := send(t, tr, ctx, tt.method, "payload", tt.header...)
				if tt.status == 0 {
					if err == nil || !errors.Is(err, tt.err) {
						t.Fatalf("RoundTrip error = %v; want one wrapping %v", err, tt.err)
					}
				} else {
					if err != nil {
						t.Fatalf("RoundTrip error = %v; want nil", err)
					}
					readBody(t, resp)
					if resp.StatusCode != tt.status {
						t.Errorf("status = %d; want %d", resp.StatusCode, tt.status)
					}
				}
				if got := rec.attempts(); got != tt.attempts {
					t.Errorf("attempts = %d; want %d", got, tt.attempts)
				}
				for i, s := range rec.sent {
					if s.body != "payload" {
						t.Errorf("attempt %d sent body %q; want %q", i+1, s.body, "payload")
					}
				}
				if got := len(ev.retries); got != tt.attempts-1 {
					t.Errorf("retry events = %d; want %d", got, tt.attempts-1)
				}
			})
		})
	}
}

// TestTransientBackoffSchedule: waits grow exponentially, with jitter, and
// each is announced before it starts.
func TestTransientBackoffSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet, answer(503), answer(503), answer(503), answer(503), answer(200))
		ev := &events{}
		tr := newTestTransport(t, base, ev, WithBackoff(time.Second, 10*time.Second))
		resp, err := get(t, tr)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("RoundTrip = %v, %v; want 200, nil", resp, err)
		}
		readBody(t, resp)
		w := ev.waitsFor(WaitBackoff)
		if len(w) != 4 {
			t.Fatalf("%d back-off waits; want 4", len(w))
		}
		// backoff/v4: interval 1s ×1.5 per step, each ±50 %.
		nominal := time.Second
		for i, e := range w {
			lo, hi := nominal/2, nominal*3/2
			if e.Duration < lo || e.Duration > hi {
				t.Errorf("back-off %d = %v; want in [%v, %v]", i+1, e.Duration, lo, hi)
			}
			if got := rec.gap(i + 1); got < e.Duration {
				t.Errorf("attempt %d sent %v after the previous; want >= announced %v", i+2, got, e.Duration)
			}
			if e.Attempt != i+2 {
				t.Errorf("back-off %d precedes attempt %d; want %d", i+1, e.Attempt, i+2)
			}
			nominal = nominal * 3 / 2
		}
		for i, r := range ev.retries {
			if r.StatusCode != 503 || r.Attempt != i+2 || r.Waited <= 0 {
				t.Errorf("retry event %d = %+v; want status 503, attempt %d, positive wait", i+1, r, i+2)
			}
		}
	})
}

// TestTransient503RetryAfter: a 503 with Retry-After waits at least that long.
func TestTransient503RetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodGet, answer(503, "Retry-After", "20"), answer(200))
		tr := newTestTransport(t, base, nil, WithBackoff(time.Second, 10*time.Second))
		resp, err := get(t, tr)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("RoundTrip = %v, %v; want 200, nil", resp, err)
		}
		readBody(t, resp)
		if got := rec.gap(1); got < 20*time.Second || got > 22*time.Second+budgetSlack {
			t.Errorf("retry sent %v after the 503; want about 20s", got)
		}
	})
}

// TestKeyInUseWaitsRetryAfter: a 409 to a write whose Idempotency-Key is
// still being processed is repeated after Retry-After, not sooner.
func TestKeyInUseWaitsRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, rec := mockBase(t, http.MethodPost, answer(409, "Retry-After", "3"), answer(201))
		tr := newTestTransport(t, base, nil)
		resp, err := send(t, tr, context.Background(), http.MethodPost, "payload", "Idempotency-Key", "k-1")
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("RoundTrip = %v, %v; want 201, nil", resp, err)
		}
		readBody(t, resp)
		if got := rec.gap(1); got < 3*time.Second || got > 4*time.Second+budgetSlack {
			t.Errorf("retry sent %v after the 409; want about 3s", got)
		}
	})
}

// TestPermanentNetworkError: errors retryablehttp calls permanent are not
// retried even for GET.
func TestPermanentNetworkError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		permanent := errors.New(`unsupported protocol scheme "ftp"`)
		base, rec := mockBase(t, http.MethodGet, failure(permanent), answer(200))
		tr := newTestTransport(t, base, nil)
		if _, err := get(t, tr); !errors.Is(err, permanent) {
			t.Errorf("RoundTrip error = %v; want %v", err, permanent)
		}
		if rec.attempts() != 1 {
			t.Errorf("attempts = %d; want 1", rec.attempts())
		}
	})
}
