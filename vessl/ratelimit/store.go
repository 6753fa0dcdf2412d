package ratelimit

import "time"

// Store is the storage seam of a Limiter: it keeps the state of every
// scope's bucket, and the arithmetic of admission runs where the state
// lives. The default, NewMemoryStore, keeps it in this process's memory, and
// it is the code path every Budget uses unless WithStore says otherwise.
//
// A store shared by several processes (for example a Redis store, where the
// logic of Bucket runs as a Lua script on Redis's TIME clock) lets them draw
// from one budget. To make that possible every time that crosses the seam is
// either the caller's now, which a remote store only uses to turn its answers
// into local deadlines, or a duration (Grant.Wait, Report.Reset,
// Report.RetryAfter, ...). No absolute instant from one machine's clock is
// ever compared with another's. Each Budget call makes at most one Bucket
// call, so a remote store costs at most one round trip per call.
type Store interface {
	// Open returns the bucket of scope, creating it with cfg if it is new.
	// It is called once per scope and Limiter.
	Open(scope string, cfg BucketConfig) Bucket
	// Close releases the store's resources (connections, ...).
	Close() error
}

// BucketConfig is what a Store needs to create a bucket.
type BucketConfig struct {
	// Jitter is the fraction (0..1) by which pacing intervals, reset
	// wake-ups and back-offs are randomised, so waiters never wake at one
	// instant.
	Jitter float64
	// Rand returns a pseudo-random number in [0, 1); it must be safe for
	// concurrent use.
	Rand func() float64
	// Burst is the fraction (0..1) of the quota that may be admitted ahead
	// of the pace (GCRA burst tolerance); at least one request always may.
	// NewLimiter's default is 1 (see WithBurst).
	Burst float64
}

// Bucket is one scope's state, as kept by a Store. Its methods are safe for
// concurrent use; now is the caller's clock reading and every returned time
// is derived from it.
type Bucket interface {
	// Take admits one request at now if the budget allows, returning
	// Grant.OK and the ticket's sequence number; otherwise it changes
	// nothing and says how long to wait before asking again. Take never
	// blocks on the budget (a remote store may block on its connection).
	Take(now time.Time) (Grant, error)
	// Report records the outcome of the request with sequence number seq.
	Report(now time.Time, seq uint64, r Report) error
	// Cancel gives back the admission of seq, whose request was never sent.
	Cancel(now time.Time, seq uint64) error
	// Backoff is the wait after a 429 that carried no reset hint.
	Backoff(now time.Time) time.Duration
	// Snapshot describes the state at now.
	Snapshot(now time.Time) Snapshot
}

// Grant is the answer of Bucket.Take.
type Grant struct {
	OK  bool   // admitted
	Seq uint64 // the admitted request's sequence number (if OK)
	// Settled is the number of requests of the bucket whose outcome had
	// been reported (or that were cancelled) when this one was admitted.
	// It comes back in Report.Settled: requests that answer later may have
	// been processed after this one, so its Remaining does not count them.
	// (The in-memory bucket gets the same from the order of remaining
	// counts; the field is for stores that prefer to count.)
	Settled uint64
	// Wait is how long to wait before asking again (if !OK). If WaitKnown
	// is false the bucket is waiting for a response to arrive, and Wait is
	// only the bound after which it releases another request anyway.
	Wait      time.Duration
	WaitKnown bool
	// Interval is the current pacing interval between admissions, used to
	// estimate the wait of requests queued behind the next one.
	Interval time.Duration
}

// Report is an Observation in the form that crosses the Store seam: every
// time is a duration counted from the caller's now.
type Report struct {
	Status        int
	Limit         int
	Remaining     int
	HasRemaining  bool
	Reset         time.Duration // until the quota refills, if HasReset
	HasReset      bool
	Window        time.Duration // 0 if unknown
	RetryAfter    time.Duration // if HasRetryAfter
	HasRetryAfter bool
	RTT           time.Duration // from admission to now
	Settled       uint64        // Grant.Settled of the reported request
}

// Snapshot is a view of one budget, for progress displays and tests.
type Snapshot struct {
	Scope     string
	At        time.Time     // when the snapshot was taken (local)
	Limit     int           // last known quota, 0 if unknown
	Known     bool          // Remaining is a live estimate
	Remaining int           // requests the client may still send before Reset
	Reset     time.Time     // local deadline of the next refill, zero if unknown
	Window    time.Duration // stated or learned window, 0 if unknown
	InFlight  int           // admitted requests not yet reported
	Waiters   int           // callers waiting in Acquire
	Interval  time.Duration // current pacing interval, 0 if not pacing
	// Concurrency is the number of requests allowed in flight while the
	// server's budget is unknown (!Known): 1 while probing a new window of
	// a server that sends headers, else the adaptive window for servers
	// that send none (grows on success, halves on 429).
	Concurrency float64
	Throttled   int // consecutive 429s
}

// reportFrom converts an Observation to a Report relative to now.
func reportFrom(o *Observation, now time.Time, t Ticket) Report {
	sent := t.sent
	r := Report{
		Settled:      t.settled,
		Status:       o.Status,
		Limit:        o.Limit,
		Remaining:    o.Remaining,
		HasRemaining: o.HasRemaining,
		Window:       o.Window,
	}
	if !sent.IsZero() {
		r.RTT = now.Sub(sent)
	}
	base := o.At
	if base.IsZero() {
		base = now
	}
	if !o.Reset.IsZero() {
		r.Reset, r.HasReset = clampDelay(o.Reset.Sub(now)), true
	}
	if o.HasRetryAfter {
		r.RetryAfter, r.HasRetryAfter = clampDelay(o.RetryAfter-now.Sub(base)), true
	}
	return r
}
