package ratelimit

import "time"

// Clock is the source of time of a Limiter. The default is the real clock;
// tests inject their own or run under testing/synctest.
type Clock interface {
	// Now returns the current time; it should carry a monotonic reading.
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is the handle returned by Clock.AfterFunc; *time.Timer implements
// it.
type Timer interface {
	// Stop prevents the call from happening; it reports whether it did.
	Stop() bool
	// Reset changes the timer to fire after d; it reports whether the
	// timer had been active.
	Reset(d time.Duration) bool
}

// realClock is the default Clock: package time.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
