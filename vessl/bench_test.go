package vessl

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// memoryRoundTripper answers every request in memory, so the benchmark
// measures the client, not a socket.
type memoryRoundTripper struct{}

func (memoryRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"id": 1, "username": "ada"}`)),
		Request:    r,
	}, nil
}

// BenchmarkMe compares a hand-written GET + JSON decode on a plain
// http.Client ("plain") with Accounts.Me through the client and its
// rate-aware transport ("vessl"), both over the same in-memory RoundTripper.
func BenchmarkMe(b *testing.B) {
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) {
		hc := &http.Client{Transport: memoryRoundTripper{}}
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.vessl.test/api/v1/accounts/me", nil)
			req.Header.Set("Authorization", "Token t")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var u User
			if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
	b.Run("vessl", func(b *testing.B) {
		c, err := NewClient(withEnv(nil), WithToken("t"), WithBaseURL("https://api.vessl.test"),
			WithHTTPClient(&http.Client{Transport: memoryRoundTripper{}}))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.Accounts.Me(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
