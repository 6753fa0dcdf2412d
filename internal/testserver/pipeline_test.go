package testserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHandlerInProcess(t *testing.T) {
	s := New(WithFaults(Faults{ConnReset: 1}))
	req := httptest.NewRequest("GET", "/api/v1/organizations/demo-org", nil)
	req.Header.Set("Authorization", "Token test-token")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	// A recorder cannot be hijacked: the cut falls back to a short body.
	if n, _ := strconv.Atoi(w.Header().Get("Content-Length")); w.Code != 200 || n == 0 || w.Body.Len() >= n {
		t.Errorf("in-process cut = %d %v %q", w.Code, w.Header(), w.Body.String())
	}
}

func TestLatencyCancelled(t *testing.T) {
	s := NewTest(t, WithFaults(Faults{Latency: time.Minute}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/v1/accounts/me", nil)
	req.Header.Set("Authorization", "Token test-token")
	start := time.Now()
	if resp, err := s.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request under a minute of latency succeeded within 20ms")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancelled request took %v", d)
	}
	if st := s.Stats(s.Token()); st.Requests != 0 {
		t.Errorf("Stats = %+v; a request cancelled during the latency reached the limiter", st)
	}
}

func TestIdempotencyInFlight(t *testing.T) {
	s := New()
	c := call{token: s.tokens[s.Token()], now: s.Now()}
	newReq := func() *http.Request {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(`{}`))
		r.Header.Set(IdempotencyKeyHeader, "k")
		return r
	}
	var inner reply
	outer := s.applyWrite(newReq(), c, func(*http.Request, call) reply {
		// The same key arrives while the first request is being applied.
		inner = s.applyWrite(newReq(), c, func(*http.Request, call) reply {
			t.Error("second request with an in-flight key was applied")
			return reply{status: 200}
		})
		return reply{status: 201, body: []byte(`{}`)}
	})
	if outer.status != 201 || inner.status != http.StatusConflict || inner.retryAfter != "1" {
		t.Errorf("outer %d, inner %d (Retry-After %q); want 201 and 409 with Retry-After 1", outer.status, inner.status, inner.retryAfter)
	}
}
