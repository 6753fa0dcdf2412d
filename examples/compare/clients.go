package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// callFunc performs one logical request (retries included, as the client
// under test does them) and reports whether it finally succeeded.
type callFunc func(ctx context.Context, url, token string) error

// peer is one client under comparison. newCall builds a fresh client for
// one scenario, given the true limit (which only the oracle may use);
// the returned close releases it.
type peer struct {
	name    string
	newCall func(lim testserver.Limit) (call callFunc, close func())
	// runAll, if set, replaces the default K-worker loop over newCall: it
	// sends w.N requests to url with token its own way (say, split across
	// several processes sharing one budget) and returns how many succeeded.
	runAll func(ctx context.Context, url, token string, lim testserver.Limit, w workload) int
}

// peers returns the clients of the comparison, in table order. A new client
// (say vessl-go sharing a Redis budget across processes) is one more entry.
// log, if not nil, receives the vessl-go transport's waits and retries.
func peers(log *slog.Logger) []peer {
	return []peer{
		{name: "net/http + Retry-After", newCall: newPlain},
		{name: "go-retryablehttp", newCall: newRetryable},
		{name: "x/time/rate (oracle)", newCall: newOracle},
		{name: "vessl-go (transport)", newCall: func(testserver.Limit) (callFunc, func()) { return newVessl(log) }},
	}
}

// plainMaxAttempts bounds the hand-written loop, as such loops usually are.
const plainMaxAttempts = 10

// newPlain is what users write by hand: send, and on a 429 sleep for
// Retry-After (1 s if it is missing), up to plainMaxAttempts times.
func newPlain(testserver.Limit) (callFunc, func()) {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	return retryAfterLoop(hc, nil), hc.CloseIdleConnections
}

// newOracle paces with golang.org/x/time/rate configured with the true
// limit (rate Requests/Window, burst Requests, or the token bucket's own
// burst), and still honours Retry-After on a 429. A real user does not
// know the limit; that is what makes it an oracle.
func newOracle(lim testserver.Limit) (callFunc, func()) {
	burst := lim.Requests
	if lim.Algorithm == testserver.TokenBucket && lim.Burst > 0 {
		burst = lim.Burst
	}
	rl := rate.NewLimiter(rate.Limit(float64(lim.Requests)/lim.Window.Seconds()), burst)
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	return retryAfterLoop(hc, rl), hc.CloseIdleConnections
}

// retryAfterLoop sends GETs through hc, waiting on rl (if not nil) before
// each attempt and for Retry-After after a 429.
func retryAfterLoop(hc *http.Client, rl *rate.Limiter) callFunc {
	return func(ctx context.Context, url, token string) error {
		for attempt := 1; ; attempt++ {
			if rl != nil {
				if err := rl.Wait(ctx); err != nil {
					return err
				}
			}
			resp, err := send(ctx, hc, url, token)
			if err != nil {
				return err
			}
			if resp.StatusCode != http.StatusTooManyRequests {
				return statusErr(resp.StatusCode)
			}
			if attempt == plainMaxAttempts {
				return fmt.Errorf("compare: still 429 after %d attempts", attempt)
			}
			if err := sleep(ctx, retryAfter(resp.Header)); err != nil {
				return err
			}
		}
	}
}

// newRetryable is go-retryablehttp's default client (4 retries, 1–30 s
// exponential back-off, Retry-After honoured on 429), logging switched off.
func newRetryable(testserver.Limit) (callFunc, func()) {
	c := retryablehttp.NewClient()
	c.Logger = nil
	call := func(ctx context.Context, url, token string) error {
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Token "+token)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		drain(resp)
		return statusErr(resp.StatusCode)
	}
	return call, c.HTTPClient.CloseIdleConnections
}

// newVessl is vessl-go's transport with its defaults (and a logger).
func newVessl(log *slog.Logger) (callFunc, func()) {
	t := transport.New(transport.WithLogger(log))
	hc := &http.Client{Transport: t}
	call := func(ctx context.Context, url, token string) error {
		resp, err := send(ctx, hc, url, token)
		if err != nil {
			return err
		}
		return statusErr(resp.StatusCode)
	}
	return call, func() { _ = t.Close() }
}

// send GETs url with the VESSL token and returns the response with its body
// read and closed.
func send(ctx context.Context, hc *http.Client, url, token string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Token "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	drain(resp)
	return resp, nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

func statusErr(code int) error {
	if code >= 200 && code < 300 {
		return nil
	}
	return fmt.Errorf("compare: HTTP %d", code)
}

// retryAfter reads Retry-After as seconds or an HTTP date; 1 s if absent.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return time.Second
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
