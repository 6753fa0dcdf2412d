package testserver

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkServer measures requests per second over loopback with keep-alive,
// client and server in one process (so on 2 cores both share the CPUs).
func BenchmarkServer(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []Option
	}{
		{"limits-off", nil},
		{"sliding-log", []Option{WithLimits(Limit{Algorithm: SlidingLog, Requests: 1 << 30, Window: time.Hour})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := Start(bc.opts...)
			defer s.Close()
			tr := &http.Transport{
				DialContext:         (&net.Dialer{}).DialContext,
				MaxIdleConns:        64,
				MaxIdleConnsPerHost: 64,
				IdleConnTimeout:     time.Minute,
			}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			url := s.URL + "/api/v1/accounts/me"
			auth := []string{"Token " + s.Token()}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header["Authorization"] = auth
				for pb.Next() {
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkHandler measures the handler alone, without the network.
func BenchmarkHandler(b *testing.B) {
	s := New()
	h := s.Handler()
	req := httptest.NewRequest("GET", "/api/v1/accounts/me", nil)
	req.Header.Set("Authorization", "Token "+s.Token())
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
	}
}
