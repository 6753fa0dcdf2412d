package testserver

import (
	"fmt"
	"time"
)

// Algorithm names a server-side rate-limiting algorithm.
type Algorithm string

// The algorithms the server implements. The string values are the ones the
// standalone command accepts for -algorithm.
const (
	// None disables limiting: no rate-limit headers, never 429.
	None Algorithm = "none"
	// FixedWindow counts requests in windows aligned to multiples of the
	// window length; the count resets at each boundary (full quota at Reset).
	FixedWindow Algorithm = "fixed"
	// SlidingLog admits at most N requests in any interval of length W (the
	// VESSL docs' wording); one slot frees when the oldest admitted request
	// leaves the window.
	SlidingLog Algorithm = "sliding-log"
	// SlidingCounter weighs the previous fixed window's count by the share of
	// it still covered by a sliding window (Cloudflare, go-chi/httprate). Right
	// after a boundary the quota is not full; Reset is the current window's end.
	SlidingCounter Algorithm = "sliding-counter"
	// TokenBucket is GCRA: Requests tokens per Window, refilled continuously,
	// with a burst of Burst tokens (default Requests).
	TokenBucket Algorithm = "token-bucket"
)

// ParseAlgorithm returns the Algorithm named s (the -algorithm flag values).
func ParseAlgorithm(s string) (Algorithm, error) {
	switch a := Algorithm(s); a {
	case None, FixedWindow, SlidingLog, SlidingCounter, TokenBucket:
		return a, nil
	}
	return "", fmt.Errorf("testserver: unknown algorithm %q (want fixed, sliding-log, sliding-counter, token-bucket or none)", s)
}

// Limit configures one rate-limit bucket: Requests per Window with the given
// Algorithm, applied to the requests of one token that belong to Group.
type Limit struct {
	Algorithm Algorithm
	Requests  int           // quota N per Window; must be > 0 unless Algorithm is None
	Window    time.Duration // window W; must be > 0 unless Algorithm is None
	// Burst is the token bucket's capacity; 0 means Requests. Ignored by the
	// other algorithms.
	Burst int
	// Group selects the routes this bucket governs: "" (GroupAll) for every
	// route, or one of the Group* constants. A request must be admitted by
	// every bucket that governs it.
	Group string
	// Name is the policy name in the IETF RateLimit headers; default
	// "default" for GroupAll, else the group name.
	Name string
	// Observe makes the bucket count and send headers but never reject: the
	// ground truth (Stats) then tells whether a client kept to the limit on
	// its own.
	Observe bool
}

// Route groups a Limit can be restricted to.
const (
	GroupAll    = ""       // every route
	GroupRead   = "read"   // GET requests
	GroupWrite  = "write"  // POST, PATCH and DELETE requests
	GroupCreate = "create" // requests that create a resource (experiments, runs, projects, model repositories)
	GroupLogs   = "logs"   // log endpoints
)

func (l Limit) policyName() string {
	if l.Name != "" {
		return l.Name
	}
	if l.Group == GroupAll {
		return "default"
	}
	return l.Group
}

// quota is the number the headers call the limit: the burst for a token
// bucket, Requests otherwise.
func (l Limit) quota() int {
	if l.Algorithm == TokenBucket && l.Burst > 0 {
		return l.Burst
	}
	return l.Requests
}

// Validate reports whether l is usable; New panics on a Limit that is not.
func (l Limit) Validate() error {
	if l.Algorithm == None {
		return nil
	}
	if _, err := ParseAlgorithm(string(l.Algorithm)); err != nil {
		return err
	}
	if l.Requests <= 0 || l.Window <= 0 {
		return fmt.Errorf("testserver: limit %s needs Requests > 0 and Window > 0 (got %d per %v)", l.Algorithm, l.Requests, l.Window)
	}
	if l.Burst < 0 {
		return fmt.Errorf("testserver: negative burst %d", l.Burst)
	}
	return nil
}

// algorithm is one bucket's admission logic. Implementations are not safe for
// concurrent use; the owning bucket serialises calls.
type algorithm interface {
	// peek reports whether a request arriving at now would be admitted, the
	// quota left after admitting it (0 when denied) and how long until the
	// bucket resets (see each type for what "reset" means). It does not
	// change the state.
	peek(now time.Time) (ok bool, remaining int, reset time.Duration)
	// take records an admitted request at now.
	take(now time.Time)
	// clone returns an independent copy of the state.
	clone() algorithm
}

// newAlgorithm returns a fresh algorithm for l, nil for None.
func newAlgorithm(l Limit) algorithm {
	switch l.Algorithm {
	case FixedWindow:
		return &fixedWindow{limit: l.Requests, window: l.Window}
	case SlidingLog:
		return newSlidingLog(l.Requests, l.Window)
	case SlidingCounter:
		return &slidingCounter{limit: l.Requests, window: l.Window}
	case TokenBucket:
		burst := l.Burst
		if burst == 0 {
			burst = l.Requests
		}
		return &gcra{interval: l.Window / time.Duration(l.Requests), burst: burst}
	}
	return nil
}

// admit is peek followed by take when the request is admitted.
func admit(a algorithm, now time.Time) (ok bool, remaining int, reset time.Duration) {
	ok, remaining, reset = a.peek(now)
	if ok {
		a.take(now)
	}
	return ok, remaining, reset
}
