package testserver

import "time"

// gcra is a token bucket in its GCRA form: one token every interval, at most
// burst tokens. tat is the theoretical arrival time of the next request if
// the bucket were used at exactly its rate. Reset is the time until the
// bucket is full again, or, when no token is left, until the next token.
type gcra struct {
	interval time.Duration
	burst    int
	tat      time.Time
}

func (g *gcra) peek(now time.Time) (bool, int, time.Duration) {
	tat := g.tat
	if tat.Before(now) {
		tat = now
	}
	newTat := tat.Add(g.interval)
	tolerance := time.Duration(g.burst) * g.interval
	allowAt := newTat.Add(-tolerance)
	if now.Before(allowAt) {
		return false, 0, allowAt.Sub(now)
	}
	remaining := int(now.Sub(allowAt) / g.interval)
	if remaining == 0 {
		return true, 0, allowAt.Add(g.interval).Sub(now)
	}
	return true, remaining, newTat.Sub(now)
}

func (g *gcra) take(now time.Time) {
	if g.tat.Before(now) {
		g.tat = now
	}
	g.tat = g.tat.Add(g.interval)
}

func (g *gcra) clone() algorithm {
	c := *g
	return &c
}
