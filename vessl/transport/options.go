package transport

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// Defaults, each changed by the option of the same name.
const (
	// DefaultMaxAttempts is how many times one request may be sent (the
	// first send included) before the last 429 or transient failure is
	// returned.
	DefaultMaxAttempts = 5
	// DefaultMaxWait bounds any single wait: for the budget, for a 429's
	// reset, or one back-off step. A 429 asking for longer is returned at once.
	DefaultMaxWait = 5 * time.Minute
	// DefaultMaxTotalWait bounds the sum of the waits of one RoundTrip.
	DefaultMaxTotalWait = 15 * time.Minute
	// DefaultJitter is the fraction of a 429 wait added at random, so that
	// clients told the same reset do not all wake at the same instant.
	DefaultJitter = 0.1
	// DefaultBackoffInitial and DefaultBackoffMax shape the exponential
	// back-off after transient failures (×1.5 per step, ±50 % jitter).
	DefaultBackoffInitial = 500 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
)

// An Option configures a Transport. Options never fail: like the options of
// package ratelimit, out-of-range numbers are clamped to the bounds each
// option documents, and a nil argument means "the default" (as a nil
// Transport does in http.Client).
type Option func(*config)

type config struct {
	base           http.RoundTripper
	limiter        *ratelimit.Limiter
	scope          ratelimit.ScopeFunc
	clock          ratelimit.Clock
	maxAttempts    int
	maxWait        time.Duration
	maxTotalWait   time.Duration
	jitter         float64
	backoffInitial time.Duration
	backoffMax     time.Duration
	logger         *slog.Logger
	waitHook       func(WaitEvent)
	retryHook      func(RetryEvent)
}

// nonNegative clamps a duration option to >= 0.
func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

// WithBase sets the RoundTripper that sends each attempt. The default is a
// clone of http.DefaultTransport with MaxIdleConnsPerHost raised to 32, so
// that concurrent callers reuse connections; nil means that default.
func WithBase(rt http.RoundTripper) Option {
	return func(c *config) { c.base = rt }
}

// WithLimiter shares an existing limiter (and its budgets) with this
// transport, for example between several transports to the same API. The
// limiter's own options (its maximum wait, clock, store) then govern the
// budget wait; Close does not close a limiter given here. The default (also
// for nil) is a new in-memory limiter built with this transport's
// WithMaxWait and WithClock.
func WithLimiter(l *ratelimit.Limiter) Option {
	return func(c *config) { c.limiter = l }
}

// WithScope sets how a request is mapped to the budget it spends. The
// default (also for nil), ratelimit.DefaultScope, keeps one budget per host
// and credential.
func WithScope(f ratelimit.ScopeFunc) Option {
	return func(c *config) { c.scope = f }
}

// WithMaxAttempts bounds how many times one request is sent, the first send
// included. 1 disables retries; values below 1 count as 1.
func WithMaxAttempts(n int) Option {
	return func(c *config) { c.maxAttempts = max(n, 1) }
}

// WithMaxWait bounds any single wait (the budget's, a 429's reset, one
// back-off step). A 429 whose reset lies further away is returned at once
// rather than slept on; a budget wait that cannot end in time fails at once
// with a *ratelimit.WaitError. 0 leaves only the request's context as bound.
func WithMaxWait(d time.Duration) Option {
	return func(c *config) { c.maxWait = nonNegative(d) }
}

// WithMaxTotalWait bounds the sum of all waits of one RoundTrip call. When
// the next wait would pass it, the last response (or error) is returned.
// 0 leaves only the request's context as bound.
func WithMaxTotalWait(d time.Duration) Option {
	return func(c *config) { c.maxTotalWait = nonNegative(d) }
}

// WithJitter sets the fraction (0 to 1) of a 429 wait that is added at
// random; values outside [0, 1] (and NaN) are clamped into it. 0 disables
// it, which lets every client told the same reset wake at the same instant:
// use it only in tests.
func WithJitter(frac float64) Option {
	switch {
	case frac > 1:
		frac = 1
	case !(frac > 0): // negative or NaN
		frac = 0
	}
	return func(c *config) { c.jitter = frac }
}

// WithBackoff shapes the exponential back-off after a transient failure:
// the first wait is about initial (±50 %), each next one 1.5 times longer,
// none longer than maxInterval (nor than WithMaxWait). initial is at least
// 1ms, and maxInterval at least initial.
func WithBackoff(initial, maxInterval time.Duration) Option {
	initial = max(initial, time.Millisecond)
	maxInterval = max(maxInterval, initial)
	return func(c *config) { c.backoffInitial, c.backoffMax = initial, maxInterval }
}

// WithLogger logs waits and retries to l (at Debug for budget waits, at
// Info otherwise). Logs carry the scope, method, host and path, durations
// and status codes, never headers, query strings or credentials. Nothing is
// logged without this option (or with nil).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithWaitHook calls f (if not nil) before every wait the transport starts. f runs on the
// request's goroutine and must be quick and safe for concurrent use.
func WithWaitHook(f func(WaitEvent)) Option {
	return func(c *config) { c.waitHook = f }
}

// WithRetryHook calls f (if not nil) just before every retry is sent. f runs on the
// request's goroutine and must be quick and safe for concurrent use.
func WithRetryHook(f func(RetryEvent)) Option {
	return func(c *config) { c.retryHook = f }
}

// WithClock sets the clock used for every wait and timestamp, and for the
// limiter the transport creates. Tests use it; the default (also for nil) is
// the real clock, which testing/synctest also fakes.
func WithClock(clk ratelimit.Clock) Option {
	return func(c *config) { c.clock = clk }
}
