package transport

import (
	"net/http"
	"sync/atomic"
	"time"
)

// WaitReason says why the transport is about to wait.
type WaitReason string

// The reasons a WaitEvent carries.
const (
	// WaitBudget: the client-side budget paces the request so the server's
	// limit is not exceeded (the common, healthy wait).
	WaitBudget WaitReason = "budget"
	// WaitRateLimited: the server answered 429; the wait runs to its
	// Retry-After or rate-limit reset (or an adaptive back-off without either).
	WaitRateLimited WaitReason = "rate-limited"
	// WaitBackoff: a transient failure (network error, 502/503/504); the wait
	// is a jittered exponential back-off.
	WaitBackoff WaitReason = "backoff"
)

// WaitEvent describes a wait the transport is about to start. It is passed to
// the WithWaitHook function before the wait, so a program can show why it
// is not making progress.
type WaitEvent struct {
	Scope    string        // the rate-limit scope (no credential in clear)
	Reason   WaitReason    // why
	Duration time.Duration // how long the wait is planned to take (an estimate for WaitBudget)
	Attempt  int           // the attempt the wait precedes; 1 is the first send
	Request  *http.Request // the caller's request; read it, do not modify it
}

// RetryEvent describes a repeat of a request. It is passed to the
// WithRetryHook function just before the repeat is sent.
type RetryEvent struct {
	Scope      string
	Attempt    int           // the attempt about to be sent (2 for the first retry)
	StatusCode int           // status of the previous attempt; 0 after a network error
	Err        error         // the previous attempt's error, if it had no response
	Waited     time.Duration // time waited since the previous attempt
	Request    *http.Request // the caller's request; read it, do not modify it
}

// Stats is a snapshot of a Transport's counters since it was created.
type Stats struct {
	Requests  int64         // RoundTrip calls
	Attempts  int64         // requests handed to the base RoundTripper (first sends and retries)
	Throttled int64         // 429 responses received
	Retries   int64         // attempts beyond the first
	Waited    time.Duration // total time spent waiting: pacing, 429 waits and back-off
}

// counters are the live form of Stats.
type counters struct {
	requests  atomic.Int64
	attempts  atomic.Int64
	throttled atomic.Int64
	retries   atomic.Int64
	waited    atomic.Int64 // nanoseconds
}

func (c *counters) snapshot() Stats {
	return Stats{
		Requests:  c.requests.Load(),
		Attempts:  c.attempts.Load(),
		Throttled: c.throttled.Load(),
		Retries:   c.retries.Load(),
		Waited:    time.Duration(c.waited.Load()),
	}
}
