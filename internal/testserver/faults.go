package testserver

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Faults switches fault injection on. Shares are probabilities in 0..1 drawn
// per request from the server's seeded source (WithSeed); the zero value
// injects nothing. Set it with WithFaults or, at run time, Server.SetFaults.
type Faults struct {
	// Latency delays every response by Latency plus a uniform random
	// amount in [0, Jitter).
	Latency, Jitter time.Duration
	// ServerErrors is the share of admitted requests answered with a 5xx:
	// 502 or 503 before the handler runs (nothing applied), or 504 after it
	// ran (a write WAS applied, as when a gateway times out on a slow backend).
	ServerErrors float64
	// ConnReset is the share of admitted requests whose connection is closed
	// after the handler ran and part of the body was sent (a write WAS applied).
	ConnReset float64
	// SpuriousThrottle is the share of requests answered 429 although the
	// bucket had room: the headers promise quota the server then refuses.
	SpuriousThrottle float64
	// MalformedHeaders is the share of limited responses whose rate-limit
	// headers carry garbage (non-numeric, negative, huge).
	MalformedHeaders float64
	// MissingHeaders is the share of limited responses, 429s included, sent
	// without any rate-limit header.
	MissingHeaders float64
	// ClockOffset moves the server's clock as clients see it: the Date header
	// and epoch resets move together. The limiters themselves are unaffected.
	ClockOffset time.Duration
	// HTMLErrors makes 429 and 5xx answers an HTML proxy page instead of the
	// VESSL JSON error body.
	HTMLErrors bool
}

// dice is the server's seeded random source, safe for concurrent use.
type dice struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newDice(seed uint64) *dice {
	return &dice{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// hit reports whether an event of probability p happens. p <= 0 never draws,
// so switching a fault off keeps the sequence of the others unchanged.
func (d *dice) hit(p float64) bool {
	if p <= 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.Float64() < p
}

// intN returns a uniform int in [0, n).
func (d *dice) intN(n int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.IntN(n)
}

// duration returns a uniform duration in [0, max).
func (d *dice) duration(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return time.Duration(d.rng.Int64N(int64(max)))
}
