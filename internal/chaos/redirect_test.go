package chaos

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vessl-go/vessl-go/vessl"
)

// authRecorder is a server that records the Authorization header of every
// request it gets and answers like GET api/v1/accounts/me.
type authRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Header.Get("Authorization"))
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"id": 7, "username": "elsewhere"}`))
}

func (a *authRecorder) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// redirector answers every request with a redirect to target.
func redirector(status int, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, status)
	})
}

// TestRedirectNeverCarriesToken: a redirect to another origin never
// carries the token: not to another host name, not to another port of the
// same host (another service), not from https to http on the same host
// (the token would cross the network in clear), for every redirect status.
func TestRedirectNeverCarriesToken(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Run("other host name", func(t *testing.T) {
				other := &authRecorder{}
				hs := httptest.NewServer(other)
				defer hs.Close()
				u, _ := url.Parse(hs.URL)
				checkRedirect(t, status, "http://localhost:"+u.Port()+"/landing", nil, other)
			})
			t.Run("same host, other port", func(t *testing.T) {
				other := &authRecorder{}
				hs := httptest.NewServer(other)
				defer hs.Close()
				checkRedirect(t, status, hs.URL+"/landing", nil, other)
			})
			t.Run("https to http, same host name", func(t *testing.T) {
				// Both servers answer for example.com (the name in
				// httptest's certificate): the dialer sends port 443 to
				// the TLS one and port 80 to the plain one.
				other := &authRecorder{}
				plain := httptest.NewServer(other)
				defer plain.Close()
				var tlsAddr string
				tr := &http.Transport{
					TLSClientConfig: &tls.Config{},
					DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
						switch addr {
						case "example.com:443":
							addr = tlsAddr
						case "example.com:80":
							addr = strings.TrimPrefix(plain.URL, "http://")
						}
						return (&net.Dialer{}).DialContext(ctx, network, addr)
					},
				}
				defer tr.CloseIdleConnections()
				checkRedirect(t, status, "http://example.com/landing", func(h http.Handler) (string, func()) {
					s := httptest.NewTLSServer(h)
					tlsAddr = strings.TrimPrefix(s.URL, "https://")
					tr.TLSClientConfig.RootCAs = s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
					return "https://example.com/", s.Close
				}, other, vessl.WithHTTPClient(&http.Client{Transport: tr}))
			})
		})
	}
}

// checkRedirect points a client at a server that redirects every request
// to target, calls Accounts.Me and checks that other, the server behind
// target, got the request without the token. start, if not nil, starts
// the redirecting server and returns the client's base URL.
func checkRedirect(t *testing.T, status int, target string, start func(http.Handler) (string, func()), other *authRecorder, opts ...vessl.Option) {
	t.Helper()
	first := &sync.Mutex{}
	var firstAuth []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Lock()
		firstAuth = append(firstAuth, r.Header.Get("Authorization"))
		first.Unlock()
		redirector(status, target).ServeHTTP(w, r)
	})
	var base string
	if start != nil {
		var stop func()
		base, stop = start(h)
		defer stop()
	} else {
		hs := httptest.NewServer(h)
		defer hs.Close()
		base = hs.URL
	}
	client, err := vessl.NewClient(append([]vessl.Option{vessl.WithToken(secretToken), vessl.WithBaseURL(base),
		vessl.WithOrganization("o"), vessl.WithProject("p")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	me, _, err := client.Accounts.Me(t.Context())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.Username != "elsewhere" {
		t.Fatalf("Me = %+v; want the redirect target's answer", me)
	}
	if len(firstAuth) != 1 || leak(firstAuth[0]) == "" {
		t.Fatalf("the API server got Authorization %q; want the token", firstAuth)
	}
	got := other.requests()
	if len(got) != 1 {
		t.Fatalf("the redirect target got %d requests; want 1", len(got))
	}
	if got[0] != "" {
		t.Errorf("redirect %d to %s carried Authorization %q; want none", status, target, got[0])
	}
}
