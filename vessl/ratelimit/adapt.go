package ratelimit

import "time"

// This file holds how a bucket adapts to success and to 429s: the adaptive
// concurrency and rate for servers that send no headers, and the back-off.

// grow widens the adaptive concurrency after a success. Requires b.mu held.
func (b *memBucket) grow() {
	if b.throttles > 0 {
		b.throttles--
	}
	b.sinceOverrun++
	if b.aimdIv > 0 {
		b.aimdIv -= b.aimdIv / 100 // about +1% rate per success
	}
	if b.cwnd < b.ssthresh {
		b.cwnd++
	} else {
		b.cwnd += 1 / b.cwnd
	}
	b.cwnd = min(b.cwnd, maxConcurrency)
}

// throttled handles a 429: nothing is left until the server's delay
// (Retry-After wins) or, without a hint, an adaptive back-off. Requires b.mu
// held.
func (b *memBucket) throttled(now time.Time, seq uint64, r Report) {
	// 429s to requests sent before the previous 429 arrived belong to the
	// same overrun: they must not compound the back-off or the cut.
	if seq > b.throttleSeq {
		b.throttleSeq = b.seq
		b.throttles++
		b.cwnd = max(1, b.cwnd/2)
		b.ssthresh = b.cwnd
		b.slowDown(now)
	}
	var d time.Duration
	switch {
	case r.HasRetryAfter:
		d = r.RetryAfter
	case r.HasReset && r.Reset > 0: // a refusal "resetting now" is no hint
		d = r.Reset
	default:
		d = b.backoffAt(b.throttles)
	}
	if r.HasRemaining || r.HasReset || r.HasRetryAfter {
		b.everHeaders = true
	}
	// A refusal of a request sent before the current state was set, whose
	// wait ends well before the current window's reset, was about a window
	// that has ended (say, a straggler refused just before the reset the
	// probe has since crossed): it says nothing about this one.
	if b.known && seq <= b.stateSeq && !b.reset.IsZero() && now.Add(d).Before(b.reset.Add(-resetTolerance)) {
		return
	}
	// Every request sent so far predates this refusal: their responses
	// may only lower the estimate, and their cancellations give nothing
	// back.
	b.stateSeq = max(b.stateSeq, b.seq)
	b.low = 0
	reset := now.Add(d)
	if !r.HasRetryAfter && !r.HasReset && b.known && b.reset.After(reset) {
		reset = b.reset // a guessed back-off never shortens a known wait
	}
	b.setWindow(now, reset, 0)
}

// slowDown halves the admission rate of a headerless bucket after an
// overrun: the current paced rate, or the first time the rate achieved
// since the first admission. Requires b.mu held.
func (b *memBucket) slowDown(now time.Time) {
	var rate float64 // requests per second that led to the overrun
	switch {
	case b.aimdIv > 0:
		rate = float64(time.Second) / float64(b.aimdIv)
	case now.After(b.firstAdmit) && b.sinceOverrun > 0:
		rate = float64(b.sinceOverrun) / now.Sub(b.firstAdmit).Seconds()
	}
	if rate > 0 {
		iv := time.Duration(2 * float64(time.Second) / rate)
		b.aimdIv = min(max(iv, time.Millisecond), backoffMax)
	}
	b.sinceOverrun = 0
}

// backoffAt is the jittered back-off after n consecutive 429s without a
// hint: 500ms doubling up to 60s, scaled by a random factor in [0.5, 1).
// Requires b.mu held.
func (b *memBucket) backoffAt(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	if b.cfg.Rand != nil {
		d = time.Duration(float64(d) * (0.5 + 0.5*b.cfg.Rand()))
	}
	return d
}
