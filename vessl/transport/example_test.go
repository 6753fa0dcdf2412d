package transport_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vessl-go/vessl-go/vessl/transport"
)

// A server that throttles the first request: the transport waits as told
// (Retry-After: 0 here, to keep the example fast) and retries, and the
// caller only sees the success and the rate-limit state it reported.
func Example() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "98")
		w.Header().Set("X-RateLimit-Reset", "60")
		fmt.Fprintln(w, "hello")
	}))
	defer srv.Close()

	tr := transport.New(transport.WithRetryHook(func(ev transport.RetryEvent) {
		fmt.Printf("retrying after status %d (attempt %d)\n", ev.StatusCode, ev.Attempt)
	}))
	defer tr.Close()
	client := &http.Client{Transport: tr}

	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%d %s", resp.StatusCode, body)

	if obs, ok := transport.ObservationFrom(resp); ok {
		fmt.Printf("remaining %d of %d\n", obs.Remaining, obs.Limit)
	}
	st := tr.Stats()
	fmt.Printf("requests %d, attempts %d, 429s %d\n", st.Requests, st.Attempts, st.Throttled)
	// Output:
	// retrying after status 429 (attempt 2)
	// 200 hello
	// remaining 98 of 100
	// requests 1, attempts 2, 429s 1
}

// A POST is not repeated after a 5xx: the server may have applied it. A
// caller who knows a repeat is harmless opts in for that one request (a
// request carrying an Idempotency-Key header needs no opt-in).
func ExampleWithRetryUnsafe() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 1 {
			http.Error(w, "gateway hiccup", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()

	tr := transport.New(transport.WithBackoff(time.Millisecond, time.Millisecond))
	defer tr.Close()
	client := &http.Client{Transport: tr}

	post := func(ctx context.Context) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(`{"name":"p"}`))
		resp, err := client.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println("plain POST:", post(context.Background()))
	calls.Store(0)
	fmt.Println("opted-in POST:", post(transport.WithRetryUnsafe(context.Background())))
	// Output:
	// plain POST: 502
	// opted-in POST: 201
}
