package transport

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// cannedRoundTripper answers every request with the same in-memory
// response, as cheaply as a RoundTripper can.
type cannedRoundTripper struct{ resp http.Response }

func (c *cannedRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	return &c.resp, nil
}

// BenchmarkRoundTrip measures the transport's overhead per request: the
// same canned base called directly (baseline) and through a Transport whose
// budget never runs out (budgeted). The response carries rate-limit headers
// (a billion remaining, reset in 1s) so the parse is real work.
func BenchmarkRoundTrip(b *testing.B) {
	base := &cannedRoundTripper{resp: http.Response{
		StatusCode: http.StatusOK,
		Header: http.Header{
			"Content-Type":          {"application/json"},
			"X-Ratelimit-Limit":     {"1000000000"},
			"X-Ratelimit-Remaining": {"1000000000"},
			"X-Ratelimit-Reset":     {"1"},
		},
		Body: http.NoBody,
	}}
	req, err := http.NewRequest(http.MethodGet, testURL, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Token test-token")
	req.Header.Set("X-Request-Id", "bench")

	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := base.RoundTrip(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("budgeted", func(b *testing.B) {
		tr := New(WithBase(base))
		defer tr.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tr.RoundTrip(req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRoundTripParts splits the budgeted overhead into what package
// ratelimit costs (parse, acquire+report, scope lookup), a clock read, and
// the transport's own per-request copies (attempt request and observation
// slot).
func BenchmarkRoundTripParts(b *testing.B) {
	h := http.Header{
		"Content-Type":          {"application/json"},
		"X-Ratelimit-Limit":     {"1000000000"},
		"X-Ratelimit-Remaining": {"1000000000"},
		"X-Ratelimit-Reset":     {"1"},
	}
	req, _ := http.NewRequest(http.MethodGet, testURL, nil)
	req.Header.Set("Authorization", "Token test-token")
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		now := time.Now()
		for b.Loop() {
			ratelimit.ParseHeaders(h, 200, now)
		}
	})
	b.Run("clock read", func(b *testing.B) {
		for b.Loop() {
			_ = time.Now()
		}
	})
	b.Run("scope+budget", func(b *testing.B) {
		l := ratelimit.NewLimiter()
		b.ReportAllocs()
		for b.Loop() {
			l.Budget(ratelimit.DefaultScope(req))
		}
	})
	b.Run("acquire+report", func(b *testing.B) {
		l := ratelimit.NewLimiter()
		bu := l.Budget("x")
		obs, _ := ratelimit.ParseHeaders(h, 200, time.Now())
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			t, _ := bu.Acquire(ctx)
			obs.At = time.Now()
			bu.Report(t, obs)
		}
	})
	b.Run("request+observation copy", func(b *testing.B) {
		var resp http.Response
		b.ReportAllocs()
		for b.Loop() {
			oc := &observed{Context: req.Context()}
			resp.Request = req.WithContext(oc)
			oc.finish(&resp)
		}
	})
}
