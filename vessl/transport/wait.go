package transport

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// sleep waits for d on the transport's clock or until ctx is done, whichever
// comes first; it returns ctx.Err() in the second case. Every wait of the
// transport (except the budget's own) goes through it.
func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	fired := make(chan struct{})
	timer := t.clock.AfterFunc(d, func() { close(fired) })
	select {
	case <-fired:
		return nil
	case <-ctx.Done():
		timer.Stop()
		return ctx.Err()
	}
}

// jitter stretches a 429 wait by a random fraction of up to t.jitter of its
// length. It only ever lengthens the wait: waking before the server's reset
// would earn another 429.
func (t *Transport) jitterWait(d time.Duration) time.Duration {
	spread := time.Duration(float64(d) * t.jitter)
	if spread <= 0 {
		return d
	}
	return d + rand.N(spread)
}

// newBackoff returns the exponential schedule of one request. An
// ExponentialBackOff is not safe for concurrent use, and its elapsed time
// is per operation, so each RoundTrip that meets a transient failure gets
// its own. The transport's clock drives its MaxElapsedTime, which is the
// transport's WithMaxTotalWait counted from the first failure.
func (t *Transport) newBackoff() *backoff.ExponentialBackOff {
	maxInterval := t.backoffMax
	if t.maxWait > 0 {
		maxInterval = min(maxInterval, t.maxWait)
	}
	return backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(min(t.backoffInitial, maxInterval)),
		backoff.WithMaxInterval(maxInterval),
		backoff.WithMaxElapsedTime(t.maxTotalWait),
		backoff.WithClockProvider(t.clock),
	)
}

// nextBackoff returns the next step of the request's back-off schedule,
// creating it on first use, bounded by WithMaxWait (backoff/v4 caps the
// interval before its ±50 % randomisation, so a step can exceed it). ok is
// false once the schedule's elapsed time runs past WithMaxTotalWait.
func (t *Transport) nextBackoff(bo **backoff.ExponentialBackOff) (d time.Duration, ok bool) {
	if *bo == nil {
		*bo = t.newBackoff()
	}
	d = (*bo).NextBackOff()
	if d == backoff.Stop {
		return 0, false
	}
	if t.maxWait > 0 {
		d = min(d, t.maxWait)
	}
	return d, true
}

// announce reports a wait to the hook and the logger before it starts.
func (t *Transport) announce(req *http.Request, scope string, reason WaitReason, d time.Duration, attempt int) {
	if t.waitHook != nil {
		t.waitHook(WaitEvent{Scope: scope, Reason: reason, Duration: d, Attempt: attempt, Request: req})
	}
	if t.logger != nil {
		level := slog.LevelInfo
		if reason == WaitBudget {
			level = slog.LevelDebug
		}
		t.logger.LogAttrs(req.Context(), level, "transport: waiting",
			slog.String("scope", scope), slog.String("reason", string(reason)),
			slog.Duration("wait", d), slog.Int("attempt", attempt),
			slog.String("method", req.Method), slog.String("host", req.URL.Host),
			slog.String("path", req.URL.Path))
	}
}

// announceRetry reports a retry to the hook and the logger before it is sent.
func (t *Transport) announceRetry(req *http.Request, ev RetryEvent) {
	if t.retryHook != nil {
		t.retryHook(ev)
	}
	if t.logger != nil {
		attrs := []slog.Attr{
			slog.String("scope", ev.Scope), slog.Int("attempt", ev.Attempt),
			slog.Int("previous_status", ev.StatusCode), slog.Duration("waited", ev.Waited),
			slog.String("method", req.Method), slog.String("host", req.URL.Host),
			slog.String("path", req.URL.Path),
		}
		if ev.Err != nil {
			attrs = append(attrs, slog.String("previous_error", ev.Err.Error()))
		}
		t.logger.LogAttrs(req.Context(), slog.LevelInfo, "transport: retrying", attrs...)
	}
}

// serverDelay is how long, from now, a 429's Retry-After or reset asks the
// client to wait; ok is false when the response gave neither.
func serverDelay(obs ratelimit.Observation, now time.Time) (time.Duration, bool) {
	d, ok := obs.Delay()
	if !ok {
		return 0, false
	}
	return max(obs.At.Add(d).Sub(now), 0), true
}
