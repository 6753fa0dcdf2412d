package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// Transport is an http.RoundTripper that waits on a rate-limit budget before
// each request, reports every response's rate-limit headers to it, retries
// 429s (any method) and retries transient failures (idempotent requests
// only). See the package documentation for the exact rules.
//
// Create one with New; the zero value is not usable. A Transport is safe for
// concurrent use and should be shared, like http.Transport: its budgets only
// work if every request to an API goes through them.
type Transport struct {
	config // the options, with the defaults New filled in

	ownBase    bool // base is New's clone of http.DefaultTransport
	ownLimiter bool // limiter was created by New

	stats counters
}

// New returns a Transport configured by opts. With no options it sends
// through a clone of http.DefaultTransport and keeps its own in-memory
// budgets, one per host and credential:
//
//	client := &http.Client{Transport: transport.New()}
func New(opts ...Option) *Transport {
	c := config{
		maxAttempts:    DefaultMaxAttempts,
		maxWait:        DefaultMaxWait,
		maxTotalWait:   DefaultMaxTotalWait,
		jitter:         DefaultJitter,
		backoffInitial: DefaultBackoffInitial,
		backoffMax:     DefaultBackoffMax,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	t := &Transport{config: c}
	if t.clock == nil {
		t.clock = realClock{}
	}
	if t.scope == nil {
		t.scope = ratelimit.DefaultScope
	}
	if t.base == nil {
		base := http.DefaultTransport.(*http.Transport).Clone()
		base.MaxIdleConnsPerHost = 32
		t.base, t.ownBase = base, true
	}
	if t.limiter == nil {
		lopts := []ratelimit.Option{ratelimit.WithMaxWait(t.maxWait)}
		if c.clock != nil {
			lopts = append(lopts, ratelimit.WithClock(c.clock))
		}
		t.limiter, t.ownLimiter = ratelimit.NewLimiter(lopts...), true
	}
	return t
}

// realClock is the default clock: package time (faked by testing/synctest).
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) ratelimit.Timer { return time.AfterFunc(d, f) }

// Limiter returns the limiter holding the transport's budgets, for progress
// displays (Budget(scope).Snapshot()) or to share with another transport.
func (t *Transport) Limiter() *ratelimit.Limiter { return t.limiter }

// Stats returns the transport's counters. It is safe to call at any time.
func (t *Transport) Stats() Stats { return t.stats.snapshot() }

// CloseIdleConnections closes the idle connections of the base RoundTripper
// if it has that method. http.Client.CloseIdleConnections calls it.
func (t *Transport) CloseIdleConnections() {
	if ci, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// Close releases what New created: the limiter (unless one was given with
// WithLimiter) and the idle connections of the default base. Requests in
// flight are not interrupted. The Transport must not be used afterwards.
func (t *Transport) Close() error {
	if t.ownBase {
		t.CloseIdleConnections()
	}
	if t.ownLimiter {
		return t.limiter.Close()
	}
	return nil
}

// RoundTrip sends req, waiting and retrying as the package documentation
// describes. It returns err == nil whenever it obtained a response, also a
// final 429 or 5xx, whose body is then intact and unread.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.stats.requests.Add(1)
	ctx := req.Context()
	scope := t.scope(req)
	budget := t.limiter.Budget(scope)

	// oc is the context of every attempt: the caller's, plus a slot for the
	// final response's observation (see ObservationFrom).
	oc := &observed{Context: ctx}

	var (
		last    *http.Response // previous attempt's response, held while waiting
		lastErr error          // previous attempt's error, when it had no response
		waited  time.Duration  // sum of this call's waits
		bo      *backoff.ExponentialBackOff
		pause   time.Duration // the wait before this attempt
	)
	for attempt := 1; ; attempt++ {
		ticket, w, err := t.acquire(ctx, budget, scope, req, attempt)
		waited += w
		if err != nil {
			if last != nil && ctx.Err() == nil {
				// A retry could not be admitted in time: the previous
				// response is still the best answer there is.
				return oc.finish(last), nil
			}
			discard(last)
			if attempt == 1 {
				closeRequestBody(req)
			}
			if lastErr != nil {
				return nil, fmt.Errorf("transport: waiting to retry after %w: %w", lastErr, err)
			}
			return nil, fmt.Errorf("transport: %w", err)
		}

		out := req.WithContext(oc)
		if attempt > 1 {
			if out.Body, err = rewind(req); err != nil {
				budget.Cancel(ticket)
				discard(last)
				return nil, err
			}
			t.stats.retries.Add(1)
			ev := RetryEvent{Scope: scope, Attempt: attempt, Err: lastErr, Waited: pause + w, Request: req}
			if last != nil {
				ev.StatusCode = last.StatusCode
			}
			t.announceRetry(req, ev)
			discard(last)
			last, lastErr = nil, nil
		}

		t.stats.attempts.Add(1)
		resp, err := t.base.RoundTrip(out)
		if err != nil {
			// The request may have reached the server: report that it was
			// sent but said nothing.
			budget.Report(ticket, ratelimit.Observation{})
			if ctx.Err() != nil {
				return nil, err
			}
			if !transient(req, nil, err) || !Repeatable(req) || attempt >= t.maxAttempts {
				if attempt > 1 {
					return nil, fmt.Errorf("transport: giving up after %d attempts: %w", attempt, err)
				}
				return nil, err
			}
			if !rewindable(req) {
				return nil, fmt.Errorf("%w: not retrying after: %w", ErrBodyNotRewindable, err)
			}
			d, ok := t.nextBackoff(&bo)
			if !ok || !t.fits(ctx, waited, d) {
				return nil, fmt.Errorf("transport: giving up after %d attempts: %w", attempt, err)
			}
			lastErr, pause = err, d
			if err := t.wait(ctx, req, scope, WaitBackoff, d, attempt+1); err != nil {
				return nil, fmt.Errorf("transport: backing off after %w: %w", lastErr, err)
			}
			waited += d
			continue
		}

		resp.Request = out // also for bases that leave it nil
		now := t.clock.Now()
		obs, _ := ratelimit.ParseHeaders(resp.Header, resp.StatusCode, now)
		budget.Report(ticket, obs)
		oc.obs = obs

		reason, d, retry := t.plan(req, resp, obs, budget, &bo, attempt, waited, now)
		if !retry {
			return oc.finish(resp), nil
		}
		hold(resp)
		last, pause = resp, d
		if err := t.wait(ctx, req, scope, reason, d, attempt+1); err != nil {
			discard(last)
			return nil, fmt.Errorf("transport: waiting to retry after status %d: %w", resp.StatusCode, err)
		}
		waited += d
	}
}

// plan decides whether the response of one attempt is retried, and after
// which wait. It returns retry == false when the response is the answer.
func (t *Transport) plan(req *http.Request, resp *http.Response, obs ratelimit.Observation,
	budget *ratelimit.Budget, bo **backoff.ExponentialBackOff, attempt int, waited time.Duration, now time.Time,
) (reason WaitReason, d time.Duration, retry bool) {
	inUse := keyInUse(req, resp, obs.HasRetryAfter)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		t.stats.throttled.Add(1)
		if attempt >= t.maxAttempts || !rewindable(req) {
			return "", 0, false
		}
		var hinted bool
		if d, hinted = serverDelay(obs, now); hinted {
			if t.maxWait > 0 && d > t.maxWait {
				return "", 0, false // the reset is too far away: say so at once
			}
			d = t.jitterWait(d)
		} else {
			d = budget.Backoff()
		}
		if t.maxWait > 0 {
			d = min(d, t.maxWait)
		}
		if !t.fits(req.Context(), waited, d) {
			return "", 0, false
		}
		return WaitRateLimited, d, true

	case inUse || transientStatus(resp.StatusCode):
		if attempt >= t.maxAttempts || !rewindable(req) || !Repeatable(req) ||
			!(inUse || transient(req, resp, nil)) {
			return "", 0, false
		}
		var ok bool
		if d, ok = t.nextBackoff(bo); !ok {
			return "", 0, false
		}
		if hint, ok := serverDelay(obs, now); ok && obs.HasRetryAfter {
			// A 503 (or a 409 key in use) with Retry-After: the server
			// knows better than the schedule, but it does not get to
			// shorten it.
			if t.maxWait > 0 && hint > t.maxWait {
				return "", 0, false
			}
			d = max(d, t.jitterWait(hint))
		}
		if !t.fits(req.Context(), waited, d) {
			return "", 0, false
		}
		return WaitBackoff, d, true
	}
	return "", 0, false
}

// fits reports whether a retry wait of d can be afforded: it must not pass
// WithMaxTotalWait nor the context's deadline. A wait that would be cut
// short by the deadline is not started: the response in hand is returned
// at once instead of a deadline error later (as Acquire fails at once).
func (t *Transport) fits(ctx context.Context, waited, d time.Duration) bool {
	if t.maxTotalWait > 0 && waited+d > t.maxTotalWait {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	return true
}

// wait announces and then sleeps for one retry wait.
func (t *Transport) wait(ctx context.Context, req *http.Request, scope string, reason WaitReason, d time.Duration, attempt int) error {
	t.announce(req, scope, reason, d, attempt)
	start := t.clock.Now()
	err := t.sleep(ctx, d)
	t.stats.waited.Add(int64(t.clock.Now().Sub(start)))
	return err
}

// acquire waits on the budget for one attempt and returns the time it took,
// as the budget measured it (Ticket.Waited, WaitError.Waited): the hot path
// reads no clock of its own.
func (t *Transport) acquire(ctx context.Context, budget *ratelimit.Budget, scope string, req *http.Request, attempt int) (ratelimit.Ticket, time.Duration, error) {
	if t.waitHook != nil || t.logger != nil {
		if d, ok := expectedWait(budget.Snapshot(), t.clock.Now()); ok {
			t.announce(req, scope, WaitBudget, d, attempt)
		}
	}
	ticket, err := budget.Acquire(ctx)
	w := ticket.Waited()
	if err != nil {
		w = waitedBefore(err)
	}
	if w <= 0 {
		return ticket, 0, err
	}
	t.stats.waited.Add(int64(w))
	return ticket, w, err
}

// waitedBefore returns how long a failed Acquire waited (kept out of line:
// the error it inspects escapes, and the hot path must not allocate).
func waitedBefore(err error) time.Duration {
	var werr *ratelimit.WaitError
	if errors.As(err, &werr) {
		return werr.Waited
	}
	return 0
}

// expectedWait predicts from a budget's snapshot whether Acquire is about to
// wait, and roughly how long (0 when the length is unknown, e.g. while the
// budget waits for a response to learn the server's limit). Package
// ratelimit offers no "about to wait" signal, so this is an estimate; it
// runs only when a wait hook or logger is set.
func expectedWait(s ratelimit.Snapshot, now time.Time) (time.Duration, bool) {
	switch {
	case s.Waiters > 0:
		return time.Duration(s.Waiters+1) * s.Interval, true
	case s.Known && s.Remaining <= 0:
		return max(s.Reset.Sub(now), 0), true
	case !s.Known && s.Concurrency > 0 && float64(s.InFlight) >= s.Concurrency:
		return 0, true
	}
	return 0, false
}
