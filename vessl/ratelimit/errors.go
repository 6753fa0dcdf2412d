package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// ErrMaxWait is the reason of a *WaitError whose wait would exceed the
// Limiter's maximum wait (WithMaxWait).
var ErrMaxWait = errors.New("ratelimit: wait exceeds the maximum")

// WaitError reports that Acquire could not admit a request in time: either
// the known wait would pass the context's deadline or the maximum wait (then
// Acquire fails at once, without waiting), or the context ended while
// waiting. Use errors.As to read it; errors.Is(err, ErrMaxWait) or
// errors.Is(err, context.DeadlineExceeded) tell the reasons apart.
type WaitError struct {
	Scope string        // the budget's scope
	Wait  time.Duration // estimated wait that was needed; 0 if unknown
	Reset time.Time     // expected admit time (local clock); zero if unknown
	Max   time.Duration // the bound that was hit: MaxWait or time left to the deadline
	Err   error         // ErrMaxWait, or the context's error

	// Waited is how long Acquire waited before it failed: 0 when it
	// failed at once.
	Waited time.Duration
}

// Error implements error.
func (e *WaitError) Error() string {
	if e.Wait > 0 {
		return fmt.Sprintf("ratelimit: scope %s: wait of %v exceeds %v: %v", e.Scope, e.Wait.Round(time.Millisecond), e.Max.Round(time.Millisecond), e.Err)
	}
	return fmt.Sprintf("ratelimit: scope %s: %v", e.Scope, e.Err)
}

// Unwrap returns the reason: ErrMaxWait or a context error.
func (e *WaitError) Unwrap() error { return e.Err }
