package transport

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

// TestIntegrationFaults: against 5xx answers and cut connections, reads
// (and writes carrying an Idempotency-Key) are retried to success, plain
// POSTs are never repeated, and no write is ever applied twice.
func TestIntegrationFaults(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 40
	}
	srv := testserver.NewTest(t,
		testserver.WithLimits(testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 100, Window: time.Second}),
		testserver.WithFaults(testserver.Faults{ServerErrors: 0.15, ConnReset: 0.05}),
		testserver.WithSeed(7))
	// A fifth of the attempts fail. With the default 5 attempts a retryable
	// request still fails for good with p = 0.2^5 = 3e-4, so one of the 200
	// retryable requests did so in about one run in twenty; 12 attempts make
	// that 4e-9 per request, and the test is about what is retried, not how
	// often.
	tr := New(WithBackoff(10*time.Millisecond, 100*time.Millisecond), WithMaxAttempts(12))
	t.Cleanup(func() { _ = tr.Close() })
	client := &http.Client{Transport: tr}
	projects := fmt.Sprintf("%s/api/v1/organizations/%s/projects", srv.URL, srv.Organization())

	type result struct{ status int }
	do := func(kind string, i int) result {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var req *http.Request
		switch kind {
		case "get":
			req, _ = http.NewRequestWithContext(ctx, http.MethodGet, projects, nil)
		default:
			body := fmt.Sprintf(`{"name":"%s-%d"}`, kind, i)
			req, _ = http.NewRequestWithContext(ctx, http.MethodPost, projects, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Request-Id", fmt.Sprintf("%s-%d", kind, i))
			if kind == "idem" {
				req.Header.Set("Idempotency-Key", fmt.Sprintf("key-%d", i))
			}
		}
		req.Header.Set("Authorization", "Token "+srv.Token())
		resp, err := client.Do(req)
		if err != nil {
			return result{}
		}
		discard(resp)
		return result{resp.StatusCode}
	}

	counts := map[string]map[int]int{"get": {}, "idem": {}, "plain": {}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for _, kind := range []string{"get", "idem", "plain"} {
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				r := do(kind, i)
				mu.Lock()
				counts[kind][r.status]++
				mu.Unlock()
			}()
		}
	}
	wg.Wait()

	w := srv.Writes()
	t.Logf("statuses (0 = error): %v; server writes: %+v; transport: %+v", counts, w, tr.Stats())
	if counts["get"][200] != n {
		t.Errorf("GETs: %v; want all %d 200", counts["get"], n)
	}
	if counts["idem"][201] != n {
		t.Errorf("POSTs with Idempotency-Key: %v; want all %d 201", counts["idem"], n)
	}
	if counts["plain"][201] == n {
		t.Errorf("plain POSTs all succeeded; the faults should have failed some (test is not testing)")
	}
	if w.Duplicates != 0 {
		t.Errorf("server applied %d writes twice; want 0", w.Duplicates)
	}
	for id, c := range srv.WriteCounts() {
		if c > 1 {
			t.Errorf("write %s applied %d times", id, c)
		}
	}
	if st := srv.Stats(srv.Token()); st.Exceeded {
		t.Errorf("server limit exceeded: %+v", st)
	}
}
