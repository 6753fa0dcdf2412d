package testserver

import "time"

// slidingLog admits at most limit requests in any half-open interval of
// length window: a request at now is admitted if fewer than limit admitted
// requests happened in (now-window, now]. Reset is the time until the oldest
// admitted request in the window leaves it, freeing one slot.
type slidingLog struct {
	limit  int
	window time.Duration
	ring   []time.Time // admitted times, oldest at head
	head   int
	n      int
}

func newSlidingLog(limit int, window time.Duration) *slidingLog {
	return &slidingLog{limit: limit, window: window, ring: make([]time.Time, min(limit, 64))}
}

// grow doubles the ring (up to limit entries) when it is full.
func (s *slidingLog) grow() {
	if s.n < len(s.ring) || len(s.ring) >= s.limit {
		return
	}
	ring := make([]time.Time, min(2*len(s.ring), s.limit))
	for i := range s.n {
		ring[i] = s.ring[(s.head+i)%len(s.ring)]
	}
	s.ring, s.head = ring, 0
}

// expire drops the entries that have left the window ending at now.
func (s *slidingLog) expire(now time.Time) {
	for s.n > 0 && !s.ring[s.head].After(now.Add(-s.window)) {
		s.head = (s.head + 1) % len(s.ring)
		s.n--
	}
}

func (s *slidingLog) peek(now time.Time) (bool, int, time.Duration) {
	s.expire(now)
	if s.n >= s.limit {
		return false, 0, s.ring[s.head].Add(s.window).Sub(now)
	}
	oldest := now
	if s.n > 0 {
		oldest = s.ring[s.head]
	}
	return true, s.limit - s.n - 1, oldest.Add(s.window).Sub(now)
}

func (s *slidingLog) take(now time.Time) {
	s.expire(now)
	s.grow()
	if s.n == s.limit { // only reachable in Observe mode: forget the oldest
		s.head = (s.head + 1) % len(s.ring)
		s.n--
	}
	s.ring[(s.head+s.n)%len(s.ring)] = now
	s.n++
}

func (s *slidingLog) clone() algorithm {
	c := *s
	c.ring = append([]time.Time(nil), s.ring...)
	return &c
}
