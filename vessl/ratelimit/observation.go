package ratelimit

import (
	"fmt"
	"net/http"
	"time"
)

// MaxDelay bounds every delay derived from headers, so no header can make a
// client wait longer than a day: a longer Retry-After is clamped to it, and
// a reset further away is dropped as garbled (see ParseHeaders).
const MaxDelay = 24 * time.Hour

// Observation is one response's statement about a server-side budget, as
// returned by [ParseHeaders]. The zero value means "the response said
// nothing" (for example, the request failed after it was sent).
type Observation struct {
	// At is the local time the response arrived. It carries the monotonic
	// reading of the clock that produced it, and every deadline below is
	// relative to it.
	At time.Time
	// Status is the HTTP status code, 0 if unknown.
	Status int
	// Limit is the quota of the governing policy, 0 if unknown.
	Limit int
	// Remaining is the number of requests the server will still accept in
	// the governing policy's window. Valid only if HasRemaining.
	Remaining    int
	HasRemaining bool
	// Reset is the LOCAL deadline at which the governing quota refills;
	// zero if unknown. It is At plus the server's hint, so it does not
	// depend on the server's clock.
	Reset time.Time
	// Window is the governing policy's window if the server stated it
	// (IETF w=, "100;w=60", an X-RateLimit-Limit-Minute suffix); 0 if
	// unknown.
	Window time.Duration
	// RetryAfter is the delay from the Retry-After header, valid only if
	// HasRetryAfter. Both delta-seconds and HTTP-date forms are read.
	RetryAfter    time.Duration
	HasRetryAfter bool
	// Policy is the name of the governing policy when the server names its
	// policies (IETF RateLimit-Policy, or the window suffix of an
	// X-RateLimit-*-Minute header), "" otherwise.
	Policy string
	// Date is the server's clock from the Date header, when ParseHeaders
	// read it (to turn an absolute time into a delay); zero otherwise.
	Date time.Time
	// ResetDated reports that Reset came from an absolute time (an epoch
	// or a date) read against Date. Date has whole seconds, so such a
	// Reset may be up to a second late (never early); a Budget, which
	// sees many responses, learns the offset between the server's clock
	// and its own and brings such resets forward.
	ResetDated bool
}

// Known reports whether o carries any rate-limit information.
func (o Observation) Known() bool {
	return o.Limit > 0 || o.HasRemaining || !o.Reset.IsZero() || o.HasRetryAfter || o.Window > 0
}

// Throttled reports whether the response was a 429 Too Many Requests.
func (o Observation) Throttled() bool { return o.Status == http.StatusTooManyRequests }

// Delay returns how long the server asked the client to wait, counted from
// o.At: Retry-After if present (it wins over every other hint), else the
// time until Reset. ok is false if the response carried neither.
func (o Observation) Delay() (d time.Duration, ok bool) {
	switch {
	case o.HasRetryAfter:
		return clampDelay(o.RetryAfter), true
	case !o.Reset.IsZero():
		return clampDelay(o.Reset.Sub(o.At)), true
	}
	return 0, false
}

// String formats o for logs; it never contains credentials.
func (o Observation) String() string {
	if !o.Known() {
		return fmt.Sprintf("status=%d (no rate-limit headers)", o.Status)
	}
	s := fmt.Sprintf("status=%d limit=%d", o.Status, o.Limit)
	if o.HasRemaining {
		s += fmt.Sprintf(" remaining=%d", o.Remaining)
	}
	if !o.Reset.IsZero() {
		s += fmt.Sprintf(" reset=+%v", o.Reset.Sub(o.At))
	}
	if o.Window > 0 {
		s += fmt.Sprintf(" window=%v", o.Window)
	}
	if o.HasRetryAfter {
		s += fmt.Sprintf(" retry-after=%v", o.RetryAfter)
	}
	if o.Policy != "" {
		s += fmt.Sprintf(" policy=%q", o.Policy)
	}
	return s
}

// clampDelay bounds d to [0, MaxDelay].
func clampDelay(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	if d > MaxDelay {
		return MaxDelay
	}
	return d
}

// HeaderError reports one malformed rate-limit header. ParseHeaders ignores
// such a field and returns everything else it could read.
type HeaderError struct {
	Field string // canonical header name
	Value string // the offending value, truncated to 64 bytes
	Err   error  // why it was rejected
}

// Error implements error.
func (e *HeaderError) Error() string {
	return fmt.Sprintf("ratelimit: header %s %q: %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the underlying reason.
func (e *HeaderError) Unwrap() error { return e.Err }
