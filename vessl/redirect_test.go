package vessl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestTokenNotSentAcrossHosts redirects to another host and checks that the
// Authorization header does not follow.
func TestTokenNotSentAcrossHosts(t *testing.T) {
	var mu sync.Mutex
	var seen []http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		reply(w, `{"id": 7, "username": "elsewhere"}`)
	}))
	defer other.Close()
	// Same machine, different host name: 127.0.0.1 redirects to localhost.
	u, _ := url.Parse(other.URL)
	target := "http://localhost:" + u.Port() + "/landing"

	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/accounts/me", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Token "+testToken)
		http.Redirect(w, r, target, http.StatusFound)
	})
	me, _, err := c.Accounts.Me(context.Background())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.Username != "elsewhere" {
		t.Fatalf("Me = %+v; want the redirect target's answer", me)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 {
		t.Fatalf("other host saw %d requests; want 1", len(seen))
	}
	for k, vs := range seen[0] {
		for _, v := range vs {
			if strings.Contains(v, testToken) {
				t.Errorf("other host received the token in %s", k)
			}
		}
	}
	if got := seen[0].Get("Authorization"); got != "" {
		t.Errorf("other host received Authorization %q; want none", got)
	}
}

// TestHTTPClientNotModified checks that the caller's *http.Client keeps its
// transport and that requests still go through it (as the base).
func TestHTTPClientNotModified(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reply(w, `{}`) }))
	defer server.Close()
	base := &countingTransport{rt: http.DefaultTransport}
	hc := &http.Client{Transport: base}
	c, err := NewClient(withEnv(nil), WithToken("t"), WithBaseURL(server.URL), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if hc.Transport != base {
		t.Errorf("caller's Transport changed to %T", hc.Transport)
	}
	if _, _, err := c.Accounts.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if base.n != 1 {
		t.Errorf("caller's transport saw %d requests; want 1", base.n)
	}
	if c.Transport() == nil {
		t.Error("Transport() = nil")
	}
}

type countingTransport struct {
	mu sync.Mutex
	n  int
	rt http.RoundTripper
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
	return t.rt.RoundTrip(r)
}
