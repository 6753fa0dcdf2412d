package redisstore

import (
	_ "embed"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

//go:embed bucket.lua
var bucketSource string

// bucketScript is immutable once built: go-redis sends EVALSHA and falls
// back to EVAL when Redis does not know the script yet.
var bucketScript = redis.NewScript(bucketSource)

// Script operations (ARGV[1]) and item kinds.
const (
	opTake     = 1
	opFlush    = 2
	opBackoff  = 3
	opSnapshot = 4

	kindReport = 1
	kindCancel = 2
)

// Ticket sequence numbers: the count in the low bits; above it the epoch
// of the Redis state (a state that expired or was lost starts a new epoch,
// so an old ticket is never taken for a new one), or for tickets of the
// local fallback budget (the top bit) the outage it was made for.
const (
	seqBits  = 42
	seqMask  = 1<<seqBits - 1
	genMask  = 1<<20 - 1
	localBit = 1 << 63
)

const (
	maxPending = 4096 // reports kept while Redis is away; the oldest go first
	maxBatch   = 256  // reports carried by one call
	nrand      = 4    // random numbers passed to each call, for jitter
)

// pending is a report or cancel waiting to be carried to Redis.
type pending struct {
	kind  int
	at    time.Time // caller's clock
	epoch uint64
	seq   uint64
	r     ratelimit.Report
}

// bucket is a Store's view of one scope: the state in Redis, a queue of
// reports not yet sent, and a local budget for when Redis is unavailable.
type bucket struct {
	s     *Store
	scope string
	cfg   ratelimit.BucketConfig
	keys  []string

	lmu      sync.Mutex       // guards local and localGen
	local    ratelimit.Bucket // the fallback budget of the current outage
	localGen uint64

	mu      sync.Mutex // guards the fields below
	queue   []pending
	timer   ratelimit.Timer
	armed   bool
	stopped bool
}

// Take implements ratelimit.Bucket. It carries the pending reports with it:
// one round trip.
func (b *bucket) Take(now time.Time) (ratelimit.Grant, error) {
	if b.s.useRedis(now) {
		v, err := b.call(now, opTake, 7)
		if err == nil {
			g := ratelimit.Grant{
				OK:        v[1] == 1,
				Settled:   uint64(v[3]),
				Wait:      micros(v[4]),
				WaitKnown: v[5] == 1,
				Interval:  micros(v[6]),
			}
			if g.OK {
				g.Seq = uint64(v[0])<<seqBits | uint64(v[2])
			}
			if !g.OK && !g.WaitKnown {
				// Waiting for an answer that may reach another process.
				g.Wait = min(g.Wait, b.s.cfg.poll)
			}
			return g, nil
		}
		if b.s.cfg.failFast {
			return ratelimit.Grant{}, err
		}
	}
	local, gen := b.localBucket()
	g, err := local.Take(now)
	if g.OK {
		g.Seq |= localBit | gen<<seqBits
		b.s.localGrants.Add(1)
	}
	return g, err
}

// localBucket returns the fallback budget of the current outage and its
// number. Each outage starts a fresh one, which probes the server as a new
// process would: what an earlier one learned is stale by then.
func (b *bucket) localBucket() (ratelimit.Bucket, uint64) {
	gen := uint64(b.s.fallbacks.Load()) & genMask
	b.lmu.Lock()
	defer b.lmu.Unlock()
	if b.local == nil || b.localGen != gen {
		b.local, b.localGen = ratelimit.NewMemoryStore().Open(b.scope, b.cfg), gen
	}
	return b.local, gen
}

// localFor returns the fallback budget that admitted seq, or nil if that
// outage's budget is gone.
func (b *bucket) localFor(seq uint64) ratelimit.Bucket {
	b.lmu.Lock()
	defer b.lmu.Unlock()
	if b.local == nil || (seq&^localBit)>>seqBits != b.localGen {
		return nil
	}
	return b.local
}

// Report implements ratelimit.Bucket. A report of a Redis ticket waits for
// the next call to Redis (at most the flush delay).
func (b *bucket) Report(now time.Time, seq uint64, r ratelimit.Report) error {
	if seq&localBit != 0 {
		if local := b.localFor(seq); local != nil {
			return local.Report(now, seq&seqMask, r)
		}
		return nil
	}
	b.push(pending{kind: kindReport, at: now, epoch: seq >> seqBits, seq: seq & seqMask, r: r})
	return nil
}

// Cancel implements ratelimit.Bucket.
func (b *bucket) Cancel(now time.Time, seq uint64) error {
	if seq&localBit != 0 {
		if local := b.localFor(seq); local != nil {
			return local.Cancel(now, seq&seqMask)
		}
		return nil
	}
	b.push(pending{kind: kindCancel, at: now, epoch: seq >> seqBits, seq: seq & seqMask})
	return nil
}

// Backoff implements ratelimit.Bucket. It is called after a 429, off the
// hot path, and asks Redis (carrying the 429's report); without Redis it
// answers from the local budget.
func (b *bucket) Backoff(now time.Time) time.Duration {
	if b.s.useRedis(now) {
		if v, err := b.call(now, opBackoff, 2); err == nil {
			return micros(v[1])
		}
	}
	local, _ := b.localBucket()
	return local.Backoff(now)
}

// Snapshot implements ratelimit.Bucket: the shared state, or the local
// budget's while Redis is unavailable.
func (b *bucket) Snapshot(now time.Time) ratelimit.Snapshot {
	if b.s.useRedis(now) {
		if v, err := b.call(now, opSnapshot, 10); err == nil {
			s := ratelimit.Snapshot{
				At:          now,
				Limit:       int(v[1]),
				Known:       v[2] == 1,
				Remaining:   int(v[3]),
				Window:      micros(v[5]),
				InFlight:    int(v[6]),
				Interval:    micros(v[7]),
				Concurrency: float64(v[8]) / 1000,
				Throttled:   int(v[9]),
			}
			if v[4] >= 0 {
				s.Reset = now.Add(micros(v[4]))
			}
			return s
		}
	}
	local, _ := b.localBucket()
	return local.Snapshot(now)
}

// call runs the script with op and the pending reports, and records the
// outcome for the store's health. It must be called only after useRedis
// returned true. Reports stay queued if the call fails.
func (b *bucket) call(now time.Time, op, replyLen int) ([]int64, error) {
	batch := b.takeQueue()
	v, err := b.s.eval(b.keys, b.args(now, op, batch))
	if err == nil && len(v) < replyLen {
		err = fmt.Errorf("redisstore: reply of %d values to op %d; want %d", len(v), op, replyLen)
	}
	b.s.done(now, err)
	if err != nil {
		b.requeue(batch)
		return nil, err
	}
	return v, nil
}

// args encodes a script call.
func (b *bucket) args(now time.Time, op int, batch []pending) []any {
	jitter, hasRand := b.cfg.Jitter, 0
	if b.cfg.Rand != nil {
		hasRand = 1
	}
	a := make([]any, 0, 9+nrand+len(batch)*15)
	a = append(a, op, jitter, b.cfg.Burst, hasRand, b.s.cfg.inflightExpiry.Microseconds(), ttlMargin.Microseconds(), nrand)
	for range nrand {
		r := 0.5
		if b.cfg.Rand != nil {
			r = b.cfg.Rand()
		}
		a = append(a, r)
	}
	a = append(a, len(batch))
	for _, p := range batch {
		age := max(now.Sub(p.at), 0)
		r := p.r
		a = append(a, p.kind, age.Microseconds(), p.epoch, p.seq,
			r.Status, r.Limit, r.Remaining, flag(r.HasRemaining),
			r.Reset.Microseconds(), flag(r.HasReset), r.Window.Microseconds(),
			r.RetryAfter.Microseconds(), flag(r.HasRetryAfter), r.RTT.Microseconds(), r.Settled)
	}
	return a
}

// ttlMargin is added to the keys' time to live beyond the longest of the
// window, the time to reset and the in-flight expiry.
const ttlMargin = time.Minute

func flag(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

func micros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// push queues p and arms the flush timer.
func (b *bucket) push(p pending) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) >= maxPending {
		n := copy(b.queue, b.queue[1:])
		b.queue = b.queue[:n]
		b.s.dropped.Add(1)
	}
	b.queue = append(b.queue, p)
	b.armLocked(b.s.cfg.flushDelay)
}

// armLocked arms the flush timer to fire after d unless it is armed or the
// bucket closed. Requires b.mu held.
func (b *bucket) armLocked(d time.Duration) {
	if b.armed || b.stopped {
		return
	}
	b.armed = true
	b.s.flushes.Add(1)
	if b.timer == nil {
		b.timer = b.s.cfg.clock.AfterFunc(d, b.onTimer)
		return
	}
	b.timer.Reset(d)
}

// onTimer sends the reports that no Take carried in time.
func (b *bucket) onTimer() {
	defer b.s.flushes.Done()
	b.mu.Lock()
	b.armed = false
	empty := len(b.queue) == 0
	b.mu.Unlock()
	if empty {
		return
	}
	now := b.s.cfg.clock.Now()
	if b.s.useRedis(now) {
		if _, err := b.call(now, opFlush, 1); err == nil {
			return
		}
	}
	// Redis is away: try again after the cool-down.
	b.mu.Lock()
	if len(b.queue) > 0 {
		b.armLocked(b.s.cfg.cooldown)
	}
	b.mu.Unlock()
}

// takeQueue removes up to maxBatch pending reports, oldest first.
func (b *bucket) takeQueue() []pending {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.queue), maxBatch)
	if n == 0 {
		return nil
	}
	batch := make([]pending, n)
	copy(batch, b.queue)
	rest := copy(b.queue, b.queue[n:])
	clear(b.queue[rest:])
	b.queue = b.queue[:rest]
	return batch
}

// requeue puts back the reports of a call that failed, ahead of newer ones.
func (b *bucket) requeue(batch []pending) {
	if len(batch) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q := append(batch, b.queue...)
	if over := len(q) - maxPending; over > 0 {
		q = q[over:]
		b.s.dropped.Add(int64(over))
	}
	b.queue = q
	b.armLocked(b.s.cfg.cooldown)
}

// close stops the flush timer and sends what is pending, once.
func (b *bucket) close() {
	b.mu.Lock()
	b.stopped = true
	if b.armed && b.timer.Stop() {
		b.armed = false
		b.s.flushes.Done()
	}
	empty := len(b.queue) == 0
	b.mu.Unlock()
	if empty {
		return
	}
	now := b.s.cfg.clock.Now()
	if b.s.useRedis(now) {
		_, _ = b.call(now, opFlush, 1)
	}
}
