package vessl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSameOrigin: scheme, host (any case) and port (the default one when
// none is given) must all match. internal/chaos TestRedirectNeverCarriesToken
// checks the whole client end to end.
func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://api.vessl.ai/x", "https://api.vessl.ai/y?q=1", true},
		{"https://api.vessl.ai/", "https://API.vessl.ai:443/", true},
		{"http://127.0.0.1/", "http://127.0.0.1:80/", true},
		{"https://api.vessl.ai/", "http://api.vessl.ai/", false},
		{"https://api.vessl.ai/", "https://api.vessl.ai:8443/", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8081/", false},
		{"https://api.vessl.ai/", "https://evil.api.vessl.ai/", false},
		{"https://api.vessl.ai/", "https://vessl.ai/", false},
		{"http://[::1]:80/", "http://[::1]/", true},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := sameOrigin(a, b); got != tt.want {
			t.Errorf("sameOrigin(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestRedirectPolicyKept: the caller's CheckRedirect still decides (here:
// stop at the first redirect), and without one Go's limit of 10 redirects
// holds.
func TestRedirectPolicyKept(t *testing.T) {
	var hops atomic.Int64
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	defer loop.Close()

	var called atomic.Int64
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		called.Add(1)
		return http.ErrUseLastResponse
	}}
	c, err := NewClient(withEnv(nil), WithToken(testToken), WithBaseURL(loop.URL), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _, err = c.Accounts.Me(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound || called.Load() != 1 || hops.Load() != 1 {
		t.Errorf("with the caller's policy: err %v, policy called %d times, %d hops; want a 302 APIError, 1, 1", err, called.Load(), hops.Load())
	}

	hops.Store(0)
	c2, err := NewClient(withEnv(nil), WithToken(testToken), WithBaseURL(loop.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_, _, err = c2.Accounts.Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") || hops.Load() != 10 {
		t.Errorf("default policy: err %v after %d hops; want stopped after 10 redirects", err, hops.Load())
	}
}
