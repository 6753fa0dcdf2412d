package testserver

import (
	"fmt"
	"time"
)

// String describes l for tables and logs, e.g. "sliding-log 100/1m0s" or
// "token-bucket 10/1s burst 5 [create]".
func (l Limit) String() string {
	if l.Algorithm == None || l.Algorithm == "" {
		return "none"
	}
	s := fmt.Sprintf("%s %d/%v", l.Algorithm, l.Requests, l.Window)
	if l.Algorithm == TokenBucket && l.Burst > 0 {
		s += fmt.Sprintf(" burst %d", l.Burst)
	}
	if l.Group != GroupAll {
		s += " [" + l.Group + "]"
	}
	if l.Observe {
		s += " (observe)"
	}
	return s
}

// MinDuration returns the theoretical minimum time for l to admit n
// requests starting from an empty bucket at start: the time from start until
// the n-th admission when every request is sent at the earliest instant the
// algorithm admits it, with no network delay. Fixed windows (and the
// sliding counter) depend on where start falls within a window. It is the
// T_min of the efficiency measure in RATE_LIMITING.md; 0 for None or n <= 1.
func (l Limit) MinDuration(n int, start time.Time) time.Duration {
	alg := newAlgorithm(l)
	if alg == nil || n <= 1 {
		return 0
	}
	t := start
	for range n {
		t = earliest(alg, t)
		alg.take(t)
	}
	return t.Sub(start)
}

// earliest returns the first instant at or after t at which alg admits a
// request, without changing alg.
func earliest(alg algorithm, t time.Time) time.Time {
	ok, _, reset := alg.clone().peek(t)
	if ok {
		return t
	}
	// For every algorithm but the sliding counter the reset of a denial is
	// exactly when the next request fits; the counter may admit earlier
	// (the previous window decays), so search (t, t+reset] for it.
	hi := t.Add(reset)
	if ok, _, _ := alg.clone().peek(hi); !ok {
		return earliest(alg, hi) // next window: try again from there
	}
	lo := t
	for hi.Sub(lo) > time.Microsecond {
		mid := lo.Add(hi.Sub(lo) / 2)
		if ok, _, _ := alg.clone().peek(mid); ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
