package transport_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

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
