package ratelimit

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Budget is the client's model of one server-side bucket (one scope).
//
// Callers Acquire before sending a request and Report its response (or
// Cancel if it was never sent). The budget counts requests in flight, so K
// concurrent requests never overspend what the server said remains; it paces
// admissions over the time left to the reset; it waits out 429s; and waiters
// are served first come, first served. It is safe for concurrent use.
type Budget struct {
	scope  string
	cfg    *config
	bucket Bucket

	// waiting counts queued waiters (plus one tentatively, while a caller
	// decides whether to queue); when it is 0, Acquire and Report skip mu.
	waiting atomic.Int64
	shut    atomic.Bool // the Limiter was closed

	learn learner // what is learned across responses (learn.go)

	mu     sync.Mutex // guards the fields below
	queue  []*waiter  // FIFO; only the head asks the bucket
	timer  Timer      // wakes the head; nil until first needed
	headAt time.Time  // expected admission of the head
	headOK bool       // headAt is an estimate, not a bound
	pacing time.Duration
	closed bool
}

// Ticket is the admission of one request, returned by Acquire and handed
// back to Report or Cancel. It is a small value; the zero Ticket is invalid.
type Ticket struct {
	seq     uint64
	settled uint64 // Grant.Settled
	sent    time.Time
	waited  time.Duration
}

// Seq returns the ticket's sequence number in its budget (1, 2, ...).
func (t Ticket) Seq() uint64 { return t.seq }

// Sent returns when the ticket was granted.
func (t Ticket) Sent() time.Time { return t.sent }

// Waited returns how long Acquire waited for the ticket: 0 when it was
// granted at once.
func (t Ticket) Waited() time.Duration { return t.waited }

type waiter struct {
	ch chan result // buffered(1); receives exactly once
	// The waiter's bounds, to fail it at once when a wait learned later
	// (say, from a probe's answer) cannot end in time.
	maxAt    time.Time // enqueue time + MaxWait on the Limiter's clock; zero if none
	deadline time.Time // ctx's deadline (real time); zero if none
	since    time.Time // when Acquire was called, on the Limiter's clock
}

type result struct {
	t   Ticket
	err error
}

func newBudget(scope string, cfg *config, bucket Bucket) *Budget {
	return &Budget{scope: scope, cfg: cfg, bucket: bucket}
}

// Scope returns the budget's scope.
func (b *Budget) Scope() string { return b.scope }

// Acquire waits until a request may be sent, in FIFO order behind earlier
// callers, paced by the budget, and bounded by ctx and the maximum wait
// (WithMaxWait). A wait known to be too long fails at once with a
// *WaitError carrying the expected admit time; a wait cancelled by ctx
// returns promptly and gives its place back. The caller must pass the
// returned Ticket to Report or Cancel exactly once.
//
// Acquire on an uncontended budget does not allocate.
func (b *Budget) Acquire(ctx context.Context) (Ticket, error) {
	if err := ctx.Err(); err != nil {
		return Ticket{}, &WaitError{Scope: b.scope, Err: err}
	}
	if b.shut.Load() {
		return Ticket{}, ErrClosed
	}
	now := b.cfg.clock.Now()
	if b.waiting.Load() == 0 {
		g, err := b.bucket.Take(now)
		if err != nil {
			return Ticket{}, fmt.Errorf("ratelimit: scope %s: %w", b.scope, err)
		}
		if g.OK {
			return Ticket{seq: g.Seq, settled: g.Settled, sent: now}, nil
		}
	}
	return b.wait(ctx, now)
}

// wait queues the caller behind the current waiters.
func (b *Budget) wait(ctx context.Context, now time.Time) (Ticket, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return Ticket{}, ErrClosed
	}
	b.waiting.Add(1)
	if len(b.queue) == 0 {
		// Ask again now that Report sees us waiting: a response that
		// arrived since the first try is not missed.
		g, err := b.bucket.Take(now)
		if err != nil || g.OK {
			b.waiting.Add(-1)
			b.mu.Unlock()
			if err != nil {
				return Ticket{}, fmt.Errorf("ratelimit: scope %s: %w", b.scope, err)
			}
			return Ticket{seq: g.Seq, settled: g.Settled, sent: now}, nil
		}
		b.noteHead(now, g)
	}
	if werr := b.tooLong(ctx, now); werr != nil {
		b.waiting.Add(-1)
		if len(b.queue) == 0 && b.timer != nil {
			b.timer.Stop()
		}
		b.mu.Unlock()
		return Ticket{}, werr
	}
	w := &waiter{ch: make(chan result, 1), since: now}
	if b.cfg.maxWait > 0 {
		w.maxAt = now.Add(b.cfg.maxWait)
	}
	if dl, ok := ctx.Deadline(); ok {
		w.deadline = dl
	}
	b.queue = append(b.queue, w)
	if len(b.queue) == 1 {
		b.armLocked(now)
	}
	b.mu.Unlock()

	var maxC <-chan struct{}
	if b.cfg.maxWait > 0 {
		c := make(chan struct{})
		t := b.cfg.clock.AfterFunc(b.cfg.maxWait, func() { close(c) })
		defer t.Stop()
		maxC = c
	}
	select {
	case r := <-w.ch:
		if r.err == nil {
			r.t.waited = max(r.t.sent.Sub(now), 0)
		}
		return r.t, r.err
	case <-ctx.Done():
		return b.abandon(w, ctx.Err(), 0)
	case <-maxC:
		return b.abandon(w, ErrMaxWait, b.cfg.maxWait)
	}
}

// tooLong returns a *WaitError if the known wait of a caller joining the
// queue now exceeds the maximum wait or ctx's deadline. Requires b.mu held.
func (b *Budget) tooLong(ctx context.Context, now time.Time) *WaitError {
	if !b.headOK {
		return nil
	}
	at := b.headAt.Add(mulDuration(len(b.queue), b.pacing))
	need := at.Sub(now)
	if b.cfg.maxWait > 0 && need > b.cfg.maxWait {
		return &WaitError{Scope: b.scope, Wait: need, Reset: at, Max: b.cfg.maxWait, Err: ErrMaxWait}
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(time.Now()); need > left {
			return &WaitError{Scope: b.scope, Wait: need, Reset: at, Max: max(left, 0), Err: context.DeadlineExceeded}
		}
	}
	return nil
}

// noteHead records the bucket's answer for the head of the queue. Requires
// b.mu held.
func (b *Budget) noteHead(now time.Time, g Grant) {
	b.headAt = now.Add(g.Wait)
	b.headOK = g.WaitKnown
	b.pacing = g.Interval
}

// armLocked sets the single timer to wake the head. Requires b.mu held.
func (b *Budget) armLocked(now time.Time) {
	d := max(b.headAt.Sub(now), time.Millisecond)
	if b.timer == nil {
		b.timer = b.cfg.clock.AfterFunc(d, b.onTimer)
		return
	}
	b.timer.Reset(d)
}

func (b *Budget) onTimer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pumpLocked(b.cfg.clock.Now())
}

// pumpLocked admits waiters from the head of the queue while the bucket
// allows, then re-arms the timer. Requires b.mu held.
func (b *Budget) pumpLocked(now time.Time) {
	for len(b.queue) > 0 && !b.closed {
		g, err := b.bucket.Take(now)
		if err != nil {
			b.popLocked(result{err: fmt.Errorf("ratelimit: scope %s: %w", b.scope, err)})
			continue
		}
		if !g.OK {
			b.noteHead(now, g)
			if g.WaitKnown {
				b.expireLocked(now)
				if len(b.queue) == 0 {
					break
				}
			}
			b.armLocked(now)
			return
		}
		b.popLocked(result{t: Ticket{seq: g.Seq, settled: g.Settled, sent: now}})
	}
	if b.timer != nil {
		b.timer.Stop()
	}
}

// expireLocked fails at once every waiter whose expected admission, now
// known, falls after its bound. Requires b.mu held.
func (b *Budget) expireLocked(now time.Time) {
	kept := b.queue[:0]
	for _, w := range b.queue {
		at := b.headAt.Add(mulDuration(len(kept), b.pacing))
		var werr *WaitError
		switch {
		case !w.maxAt.IsZero() && at.After(w.maxAt):
			werr = &WaitError{Scope: b.scope, Wait: at.Sub(now), Reset: at, Max: b.cfg.maxWait, Err: ErrMaxWait}
		case !w.deadline.IsZero() && at.Sub(now) > time.Until(w.deadline):
			werr = &WaitError{Scope: b.scope, Wait: at.Sub(now), Reset: at, Max: max(time.Until(w.deadline), 0), Err: context.DeadlineExceeded}
		}
		if werr == nil {
			kept = append(kept, w)
			continue
		}
		werr.Waited = max(now.Sub(w.since), 0)
		b.waiting.Add(-1)
		w.ch <- result{err: werr}
	}
	clear(b.queue[len(kept):])
	b.queue = kept
}

// popLocked hands r to the head waiter. Requires b.mu held.
func (b *Budget) popLocked(r result) {
	w := b.queue[0]
	b.queue[0] = nil
	b.queue = b.queue[1:]
	b.waiting.Add(-1)
	w.ch <- r
}

// abandon removes w from the queue after ctx ended or the maximum wait
// passed; if w was admitted meanwhile, its admission is given back.
func (b *Budget) abandon(w *waiter, cause error, bound time.Duration) (Ticket, error) {
	b.mu.Lock()
	werr := &WaitError{Scope: b.scope, Max: bound, Err: cause, Waited: max(b.cfg.clock.Now().Sub(w.since), 0)}
	if b.headOK {
		werr.Reset = b.headAt
	}
	for i, q := range b.queue {
		if q != w {
			continue
		}
		copy(b.queue[i:], b.queue[i+1:])
		b.queue[len(b.queue)-1] = nil
		b.queue = b.queue[:len(b.queue)-1]
		b.waiting.Add(-1)
		if i == 0 {
			b.pumpLocked(b.cfg.clock.Now())
		}
		b.mu.Unlock()
		return Ticket{}, werr
	}
	b.mu.Unlock()
	// Already served: give the admission back.
	if r := <-w.ch; r.err == nil {
		b.Cancel(r.t)
	}
	return Ticket{}, werr
}

// Report feeds the response to the request t was acquired for, whatever its
// status; obs may be the zero Observation when the response carried nothing
// or the request failed after it was sent. It releases t's in-flight slot
// and may admit waiting callers.
//
// obs.At, when set, is taken as the current time (it saves a clock read on
// the hot path), so it must come from the Limiter's clock: with the default
// clock, pass time.Now() to ParseHeaders. A zero At means "now".
func (b *Budget) Report(t Ticket, obs Observation) {
	if t.seq == 0 {
		return // the zero Ticket: nothing was admitted
	}
	now := obs.At
	if now.IsZero() {
		now = b.cfg.clock.Now()
	}
	b.learn.correct(&obs, t, now)
	_ = b.bucket.Report(now, t.seq, reportFrom(&obs, now, t))
	b.kick()
}

// Cancel gives back a Ticket whose request was never sent: its admission is
// returned to the budget. Each Ticket goes to Report or Cancel exactly once.
func (b *Budget) Cancel(t Ticket) {
	if t.seq == 0 {
		return
	}
	_ = b.bucket.Cancel(b.cfg.clock.Now(), t.seq)
	b.kick()
}

// kick re-evaluates the queue after the bucket changed.
func (b *Budget) kick() {
	if b.waiting.Load() == 0 {
		return
	}
	b.mu.Lock()
	b.pumpLocked(b.cfg.clock.Now())
	b.mu.Unlock()
}

// Backoff returns how long to wait after a 429 that came without any reset
// hint: the remaining wait the budget imposed, or an adaptive back-off that
// grows with consecutive 429s and shrinks on success; already jittered.
func (b *Budget) Backoff() time.Duration { return b.bucket.Backoff(b.cfg.clock.Now()) }

// Snapshot returns the budget's current state.
func (b *Budget) Snapshot() Snapshot {
	s := b.bucket.Snapshot(b.cfg.clock.Now())
	s.Scope = b.scope
	s.Waiters = int(b.waiting.Load())
	return s
}

// close fails every waiter with ErrClosed and stops the timer.
func (b *Budget) close() {
	b.shut.Store(true)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for len(b.queue) > 0 {
		b.popLocked(result{err: ErrClosed})
	}
	if b.timer != nil {
		b.timer.Stop()
	}
}

// mulDuration returns n*d, saturating instead of overflowing.
func mulDuration(n int, d time.Duration) time.Duration {
	if f := float64(n) * float64(d); f < float64(math.MaxInt64) {
		return time.Duration(f)
	}
	return math.MaxInt64
}
