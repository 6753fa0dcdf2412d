package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, url, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestRunServesAndStops(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantHeader bool
	}{
		{"limited", []string{"-algorithm", "fixed", "-limit", "5", "-window", "1m", "-reset-format", "epoch"}, true},
		{"none", []string{"-algorithm", "none"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var out syncBuffer
			urls := make(chan string, 1)
			done := make(chan error, 1)
			args := append([]string{"-addr", "127.0.0.1:0", "-token", "tok", "-org", "acme", "-project", "p1"}, tc.args...)
			go func() { done <- run(ctx, args, &out, func(u string) { urls <- u }) }()
			var url string
			select {
			case url = <-urls:
			case err := <-done:
				t.Fatalf("run returned early: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), url) {
				t.Errorf("output %q does not print the URL %s", out.String(), url)
			}
			if resp := get(t, url+"/api/v1/organizations/acme/projects/p1", "tok"); resp.StatusCode != 200 {
				t.Errorf("seeded project: %d; want 200", resp.StatusCode)
			} else if got := resp.Header.Get("X-RateLimit-Limit") != ""; got != tc.wantHeader {
				t.Errorf("rate-limit header present = %v; want %v", got, tc.wantHeader)
			}
			if resp := get(t, url+"/api/v1/accounts/me", "test-token"); resp.StatusCode != 401 {
				t.Errorf("default token accepted with -token: %d", resp.StatusCode)
			}
			http.DefaultClient.CloseIdleConnections()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run = %v; want clean shutdown", err)
			}
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-algorithm", "leaky"},
		{"-reset-format", "date"},
		{"-limit", "0"},
		{"extra"},
	} {
		var out syncBuffer
		if err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), &out, nil); err == nil {
			t.Errorf("run(%q) = nil; want an error", args)
		}
	}
}
