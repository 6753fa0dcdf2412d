package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Tuning constants of the in-memory bucket.
const (
	resetTolerance = time.Second // integer-second reset hints jitter by this much
	minProbeWait   = time.Second // release another request if no answer comes
	maxProbeWait   = 10 * time.Second
	backoffBase    = 500 * time.Millisecond // first back-off after a hint-less 429
	backoffMax     = 60 * time.Second
	maxConcurrency = 4096 // cap of the adaptive concurrency
	maxSpread      = time.Second
)

// NewMemoryStore returns the default Store, which keeps every bucket in this
// process's memory.
func NewMemoryStore() Store { return &memoryStore{buckets: make(map[string]*memBucket)} }

type memoryStore struct {
	mu      sync.Mutex
	buckets map[string]*memBucket
}

func (s *memoryStore) Open(scope string, cfg BucketConfig) Bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.buckets[scope]; ok {
		return b
	}
	b := newMemBucket(cfg)
	s.buckets[scope] = b
	return b
}

func (s *memoryStore) Close() error { return nil }

// memBucket is the client's model of one server-side bucket.
//
// It has two modes. While known, avail estimates how many more requests the
// server will accept before reset, and admissions are paced over the time
// left. When nothing current is known (cold start, a window that has just
// ended, the end of a 429 wait) it admits a bounded number of requests and
// waits for their responses: one probe, once nothing else is in flight, if
// the server has ever sent headers, else an adaptive concurrency window
// (slow start, then additive increase; halved on 429). If no answer comes
// within probeWait it releases one more, so a lost response cannot stall it.
//
// All fields are guarded by mu.
type memBucket struct {
	mu  sync.Mutex
	cfg BucketConfig

	seq      uint64 // sequence number of the last admitted request
	settled  uint64 // requests reported or cancelled so far
	inflight int    // admitted and not yet reported

	known        bool // avail is a live estimate of the current window
	avail        int  // requests the client may still send before reset
	limit        int  // last known quota
	window       time.Duration
	windowStated bool      // window came from the server, not learned
	reset        time.Time // local deadline of the refill; zero if unknown
	wake         time.Time // reset plus a random spread: when the window ends for us
	stateSeq     uint64    // requests <= stateSeq were admitted before the state was set
	low          int       // the lowest remaining the server reported in this window
	lost         int       // requests that failed after sending, since lostMark
	lostMark     uint64    // seq admitted last when a request was lost
	freshAvail   int       // avail as the last fresh response set it

	nextSlot  time.Time // earliest next admission (pacing, GCRA-like)
	lastAdmit time.Time
	interval  time.Duration // pacing interval at the last admission

	everHeaders bool   // the server has sent rate-limit headers
	epochSeq    uint64 // requests <= epochSeq were sent before the last rollover (the current window)

	cwnd     float64 // allowed concurrency while unknown, headerless servers
	ssthresh float64
	// Headerless servers: after the first 429, admissions are also paced at
	// aimdIv, halved in rate on each overrun and sped up on each success.
	aimdIv       time.Duration
	firstAdmit   time.Time
	sinceOverrun int    // successes since the last overrun
	throttles    int    // consecutive 429s (one per round of requests)
	throttleSeq  uint64 // requests <= throttleSeq were sent before the last 429 arrived
	srtt         time.Duration
}

func newMemBucket(cfg BucketConfig) *memBucket {
	return &memBucket{cfg: cfg, cwnd: 1, ssthresh: math.Inf(1)}
}

// jitter returns d randomised by ±cfg.Jitter. Requires b.mu held.
func (b *memBucket) jitter(d time.Duration) time.Duration {
	if b.cfg.Jitter <= 0 || b.cfg.Rand == nil || d <= 0 {
		return d
	}
	f := 1 + b.cfg.Jitter*(2*b.cfg.Rand()-1)
	return time.Duration(float64(d) * f)
}

// spread returns a small random delay added to reset wake-ups, so that
// waiters (and other processes) do not all probe at the same instant.
// Requires b.mu held.
func (b *memBucket) spread() time.Duration {
	if b.cfg.Jitter <= 0 || b.cfg.Rand == nil {
		return 0
	}
	unit := maxSpread
	if iv := b.longRun(); iv > 0 && iv < unit {
		unit = iv
	}
	return time.Duration(b.cfg.Rand() * b.cfg.Jitter * float64(unit))
}

// longRun is the long-run interval Window/Limit, 0 if unknown. Requires
// b.mu held.
func (b *memBucket) longRun() time.Duration {
	if b.window <= 0 || b.limit <= 0 {
		return 0
	}
	return b.window / time.Duration(b.limit)
}

// probeWait bounds how long an unknown bucket waits for a response before
// releasing one more request. Requires b.mu held.
func (b *memBucket) probeWait() time.Duration {
	d := 3 * b.srtt
	return min(max(d, minProbeWait), maxProbeWait)
}

// burst is how many admissions may run ahead of the pace (the GCRA burst
// tolerance): cfg.Burst of the quota, or of what the last fresh response
// left if the quota is unknown; at least 1. It must not shrink as the
// budget is spent, or the tolerance would melt with it; avail bounds the
// admissions anyway. Requires b.mu held.
func (b *memBucket) burst() int {
	quota := b.limit
	if quota <= 0 {
		quota = b.freshAvail
	}
	return max(1, int(float64(quota)*b.cfg.Burst))
}

// pace returns the interval between admissions at now: what remains spread
// over the time left to the reset, never slower than the long-run rate.
// Requires b.mu held.
func (b *memBucket) pace(now time.Time) time.Duration {
	var iv time.Duration
	if b.avail > 0 && !b.reset.IsZero() {
		if ttr := b.reset.Sub(now); ttr > 0 {
			iv = ttr / time.Duration(b.avail)
		}
	}
	if lr := b.longRun(); lr > 0 && (iv == 0 && b.reset.IsZero() || iv > lr) {
		iv = lr
	}
	return iv
}

// rollover ends the current window once its reset (plus spread) has passed.
// Quota never shrinks at a reset, so what was left stays usable; but if
// nothing was left, nothing is known about the new window until a request
// sent after now answers (a probe). Requires b.mu held.
func (b *memBucket) rollover(now time.Time) {
	if !b.known || b.wake.IsZero() || now.Before(b.wake) {
		return
	}
	b.reset, b.wake = time.Time{}, time.Time{}
	b.epochSeq = b.seq
	if b.avail > 0 {
		return // keep spending it, at the long-run pace
	}
	b.known = false
}

// Take implements Bucket.
func (b *memBucket) Take(now time.Time) (Grant, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.takeAt(now), nil
}

// takeAt is Take's logic. Requires b.mu held.
func (b *memBucket) takeAt(now time.Time) Grant {
	b.rollover(now)
	if b.known {
		if b.avail <= 0 {
			if b.wake.IsZero() { // defensive: never wait without a bound
				b.wake = now.Add(b.backoffAt(b.throttles))
			}
			return Grant{Wait: b.wake.Sub(now), WaitKnown: true, Interval: b.interval}
		}
		// GCRA: nextSlot is the theoretical time of the next admission;
		// up to burst admissions may run ahead of it.
		iv := b.pace(now)
		// (In floating point: a large quota times a long interval would
		// overflow a Duration.)
		tolerance := time.Duration(min(float64(b.burst()-1)*float64(iv), float64(MaxDelay)))
		earliest := b.nextSlot.Add(-tolerance)
		if now.Before(earliest) {
			return Grant{Wait: earliest.Sub(now), WaitKnown: true, Interval: iv}
		}
		b.interval = iv
		b.avail--
		if iv > 0 { // unpaced, nextSlot stays behind: callers' clock reads may arrive out of order
			if b.nextSlot.Before(now) {
				b.nextSlot = now
			}
			b.nextSlot = b.nextSlot.Add(b.jitter(iv))
		}
		return b.admit(now)
	}
	// The probe of a new window waits for every request still in flight:
	// one sent just before the reset may land in the new window and use
	// the very slot the probe would take (a sliding log frees one at a
	// time).
	capacity := 1
	if !b.everHeaders {
		capacity = int(b.cwnd)
	}
	if b.inflight >= capacity {
		// Waiting for an answer; release one more if it is late.
		late := b.lastAdmit.Add(b.probeWait())
		if now.Before(late) {
			return Grant{Wait: late.Sub(now), Interval: b.probeWait()}
		}
	}
	if now.Before(b.nextSlot) {
		return Grant{Wait: b.nextSlot.Sub(now), WaitKnown: true, Interval: b.aimdIv}
	}
	if !b.everHeaders && b.aimdIv > 0 {
		b.interval = b.aimdIv
		b.nextSlot = now.Add(b.jitter(b.aimdIv))
	}
	return b.admit(now)
}

// admit records an admission. Requires b.mu held.
func (b *memBucket) admit(now time.Time) Grant {
	if b.seq == 0 {
		b.firstAdmit = now
	}
	b.seq++
	b.inflight++
	b.lastAdmit = now
	return Grant{OK: true, Seq: b.seq, Settled: b.settled, Interval: b.interval}
}

// Report implements Bucket.
func (b *memBucket) Report(now time.Time, seq uint64, r Report) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reportAt(now, seq, r)
	return nil
}

// settle removes seq from the in-flight counts. Requires b.mu held.
func (b *memBucket) settle(seq uint64) {
	b.settled++
	if b.inflight > 0 {
		b.inflight--
	}
}

// reportAt is Report's logic. Requires b.mu held.
func (b *memBucket) reportAt(now time.Time, seq uint64, r Report) {
	b.settle(seq)
	if r.RTT > 0 {
		if b.srtt == 0 {
			b.srtt = r.RTT
		} else {
			b.srtt += (r.RTT - b.srtt) / 8
		}
	}
	b.rollover(now)
	if r.Limit > 0 {
		b.limit = r.Limit
	}
	if r.Window > 0 {
		b.window, b.windowStated = r.Window, true
	}
	if r.Status == 429 {
		b.throttled(now, seq, r)
		return
	}
	if r.Status > 0 && r.Status < 500 {
		b.grow()
	}
	if !r.HasRemaining {
		if r.Status == 0 {
			// The request failed after it was sent: the server may have
			// counted it, at any time. Keep counting it as spent until a
			// response to a request sent after now says where we stand.
			b.lost++
			b.lostMark = b.seq
		}
		return
	}
	b.everHeaders = true
	var resetAt time.Time
	if r.HasReset {
		resetAt = now.Add(r.Reset)
	}
	// The server's remaining only falls as it processes requests (it rises
	// with time, at a reset or a refill). So of the responses seen, the one
	// with the lowest remaining, low, was processed last, and every request
	// still in flight may be processed after it: the estimate is low minus
	// what is in flight. A response to a request admitted before the one
	// that set low answered (older) was processed before it if it says
	// more: it is already counted, and leaving the in-flight count gives
	// its slot back. If it says less, it was processed later: it is news.
	// A response to a request admitted after that (fresh) is news anyway.
	older := seq <= b.stateSeq
	if !b.known && seq <= b.epochSeq {
		// From before the window being probed: it counts only if it says
		// the old window has not ended and nothing is left.
		if r.Remaining == 0 && r.HasReset && r.Reset > 0 {
			b.low = 0
			// Every request sent so far may have been processed before
			// this one: their answers may only lower the estimate, as
			// after a 429. (Without this, an answer to a request sent
			// between this one and its response, saying a slot had
			// freed meanwhile, passed for news and spent it twice.)
			b.stateSeq = max(b.stateSeq, b.seq)
			b.setWindow(now, resetAt, 0)
		}
		return
	}
	if b.known && older {
		// A window that ended (the request was sent before the last
		// rollover, and its reset is past or due, and earlier than the
		// current one) says nothing about the current window. Without a
		// rollover since, an earlier reset is no sign of an ended window:
		// a token bucket reports the time to the next token once none is
		// left, and the time until it is full otherwise.
		ended := seq <= b.epochSeq && r.HasReset && !b.reset.IsZero() &&
			resetAt.Before(b.reset.Add(-resetTolerance)) && !resetAt.After(now.Add(resetTolerance))
		if ended || r.Remaining >= b.low {
			b.avail = b.unspent(b.low)
			return
		}
	}
	if seq > b.lostMark {
		b.lost = 0 // processed after every lost request was sent
	}
	estimate := b.unspent(r.Remaining)
	b.low = r.Remaining
	b.stateSeq = b.seq
	switch {
	case r.HasReset:
		if !b.windowStated && r.Reset > b.window && r.Reset < MaxDelay { // a clamped reset says nothing of the window
			b.window = r.Reset // a window is at least as long as any reset delay
		}
		b.setWindow(now, resetAt, estimate)
	case estimate == 0 && (!b.known || b.reset.IsZero()):
		// Nothing left and no word on when it refills: probe again after
		// a back-off.
		b.setWindow(now, now.Add(b.backoffAt(max(b.throttles, 1))), 0)
	default:
		b.known, b.avail, b.freshAvail = true, estimate, estimate
	}
}

// unspent is what a server that said remaining has left for the client:
// minus the requests in flight and those lost, which it may count later.
// Requires b.mu held.
func (b *memBucket) unspent(remaining int) int {
	return max(remaining-b.inflight-b.lost, 0)
}

// setWindow makes the bucket known with avail requests left until reset.
// Requires b.mu held.
func (b *memBucket) setWindow(now, reset time.Time, avail int) {
	b.known = true
	b.avail, b.freshAvail = avail, avail
	b.reset = reset
	b.wake = reset.Add(b.spread())
	// A faster pace may pull the next slot earlier.
	if iv := b.pace(now); iv < b.interval && b.lastAdmit.Add(iv).Before(b.nextSlot) {
		b.nextSlot = b.lastAdmit.Add(iv)
	}
}

// Cancel implements Bucket.
func (b *memBucket) Cancel(now time.Time, seq uint64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.settle(seq)
	if b.known {
		b.avail = b.unspent(b.low) // its slot is free again
	}
	if seq == b.seq && b.nextSlot.After(now) {
		b.nextSlot = b.nextSlot.Add(-b.interval) // its slot is free again
	}
	return nil
}

// Backoff implements Bucket.
func (b *memBucket) Backoff(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.known && b.avail <= 0 && now.Before(b.wake) {
		return b.wake.Sub(now)
	}
	return b.backoffAt(max(b.throttles, 1))
}

// Snapshot implements Bucket.
func (b *memBucket) Snapshot(now time.Time) Snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover(now)
	s := Snapshot{
		At:          now,
		Limit:       b.limit,
		Known:       b.known,
		Remaining:   b.avail,
		Reset:       b.reset,
		Window:      b.window,
		InFlight:    b.inflight,
		Concurrency: b.cwnd,
		Throttled:   b.throttles,
	}
	switch {
	case b.known:
		s.Interval = b.pace(now)
	case b.everHeaders:
		s.Concurrency = 1 // probing a new window
	}
	return s
}
