package testserver

import (
	"math"
	"time"
)

// slidingCounter estimates the count in the sliding window ending at now as
// prev*(1-elapsed/W) + curr, where prev and curr are the counts of the
// previous and current fixed windows. A request is admitted if the estimate
// plus the request stays within limit. Reset is the end of the current fixed
// window, as go-chi/httprate reports it: the quota is not full then.
type slidingCounter struct {
	limit      int
	window     time.Duration
	start      time.Time
	prev, curr int
}

func (s *slidingCounter) roll(now time.Time) {
	start := now.Truncate(s.window)
	switch {
	case start.Equal(s.start):
	case start.Equal(s.start.Add(s.window)):
		s.prev, s.curr = s.curr, 0
	default:
		s.prev, s.curr = 0, 0
	}
	s.start = start
}

func (s *slidingCounter) estimate(now time.Time) float64 {
	weight := 1 - float64(now.Sub(s.start))/float64(s.window)
	return float64(s.prev)*weight + float64(s.curr)
}

func (s *slidingCounter) peek(now time.Time) (bool, int, time.Duration) {
	s.roll(now)
	reset := s.start.Add(s.window).Sub(now)
	left := float64(s.limit) - s.estimate(now) - 1
	// A tiny epsilon keeps float rounding from denying an exact fit.
	if left < -1e-9 {
		return false, 0, reset
	}
	return true, int(math.Floor(left + 1e-9)), reset
}

func (s *slidingCounter) take(now time.Time) {
	s.roll(now)
	s.curr++
}

func (s *slidingCounter) clone() algorithm {
	c := *s
	return &c
}
