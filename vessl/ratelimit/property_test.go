package ratelimit

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The property test simulates a batch against a rate-limited server as a
// discrete-event simulation on the bucket's time-explicit API: K workers,
// N requests, random network latencies each way (so responses arrive out of
// order), a fixed-window, sliding-log or token-bucket server. The property: the bucket
// never sends a request the server refuses (no 429s), and the batch
// finishes (no stall).

type simServer struct {
	fixed    bool // fixed window, else sliding log (or token bucket)
	bucket   bool // token bucket of limit tokens refilled over window
	tokens   float64
	last     time.Time
	roundUp  bool // reset as whole seconds, rounded up
	limit    int
	window   time.Duration
	start    time.Time
	winIdx   int64
	count    int
	log      []time.Time // sliding log: accepted times within the window
	admitted int
	refused  int
}

func (s *simServer) handle(now time.Time) Report {
	var remaining int
	var reset time.Duration
	accept := false
	if s.bucket {
		rate := float64(s.limit) / s.window.Seconds()
		if !s.last.IsZero() {
			s.tokens = math.Min(float64(s.limit), s.tokens+now.Sub(s.last).Seconds()*rate)
		}
		s.last = now
		if s.tokens >= 1 {
			s.tokens--
			accept = true
		}
		remaining = int(s.tokens)
		// Reset: until the bucket is full again.
		reset = time.Duration((float64(s.limit) - s.tokens) / rate * float64(time.Second))
	} else if s.fixed {
		idx := int64(now.Sub(s.start) / s.window)
		if idx != s.winIdx {
			s.winIdx, s.count = idx, 0
		}
		if s.count < s.limit {
			s.count++
			accept = true
		}
		remaining = s.limit - s.count
		reset = s.start.Add(time.Duration(idx+1) * s.window).Sub(now)
	} else {
		i := 0
		for i < len(s.log) && !s.log[i].After(now.Add(-s.window)) {
			i++
		}
		s.log = s.log[i:]
		if len(s.log) < s.limit {
			s.log = append(s.log, now)
			accept = true
		}
		remaining = s.limit - len(s.log)
		reset = s.log[0].Add(s.window).Sub(now)
	}
	if s.roundUp {
		reset = time.Duration(math.Ceil(reset.Seconds())) * time.Second
	}
	r := Report{Status: 200, Limit: s.limit, Remaining: remaining, HasRemaining: true, Reset: reset, HasReset: true}
	if accept {
		s.admitted++
	} else {
		s.refused++
		r.Status = 429
	}
	return r
}

type simEvent struct {
	at      time.Time
	order   int
	kind    int // evTry, evArrive, evRespond
	worker  int
	gen     int
	seq     uint64
	settled uint64
	sent    time.Time
	rep     Report
}

const (
	evTry = iota
	evArrive
	evRespond
)

type simQueue []*simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].order < q[j].order
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(*simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func TestPropertyNeverOverspends(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		srv := &simServer{
			fixed:   rapid.Bool().Draw(rt, "fixed"),
			bucket:  rapid.IntRange(0, 2).Draw(rt, "kind") == 0,
			roundUp: rapid.Bool().Draw(rt, "roundUp"),
			limit:   rapid.IntRange(1, 30).Draw(rt, "limit"),
			window:  time.Duration(rapid.IntRange(1, 10).Draw(rt, "windowSeconds")) * time.Second,
			start:   t0,
		}
		srv.tokens = float64(srv.limit)
		// The server's windows need not align with the client's start.
		offset := time.Duration(rapid.Int64Range(0, int64(srv.window)).Draw(rt, "offset"))
		srv.start = t0.Add(-offset)
		workers := rapid.IntRange(1, 64).Draw(rt, "workers")
		total := rapid.IntRange(1, 150).Draw(rt, "requests")
		maxLat := time.Duration(rapid.Int64Range(0, int64(400*time.Millisecond)).Draw(rt, "maxLatency"))
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 1))
		burst := rapid.Float64Range(0, 1).Draw(rt, "burst")
		b := newMemBucket(BucketConfig{Jitter: 0.1, Rand: rng.Float64, Burst: burst})
		lat := func() time.Duration { return time.Duration(rng.Int64N(int64(maxLat) + 1)) }
		// Some requests fail on the way (never processed; the client
		// reports a zero Observation) and some are cancelled before being
		// sent. (A response lost after the server processed it is not
		// simulated: with nothing known yet, no client can tell whether
		// the server counted it, and the next probe may be refused.)
		lossRate := rapid.Float64Range(0, 0.2).Draw(rt, "lossRate")
		cancelRate := rapid.Float64Range(0, 0.2).Draw(rt, "cancelRate")

		var q simQueue
		order := 0
		push := func(e *simEvent) { order++; e.order = order; heap.Push(&q, e) }
		gens := make([]int, workers)
		waiting := make([]bool, workers)
		for w := range workers {
			push(&simEvent{at: t0, kind: evTry, worker: w})
		}
		started, done := 0, 0
		// Generous liveness bound: four times the server's own minimum,
		// plus round trips for workers that are latency-bound.
		deadline := t0.Add(time.Duration(total/srv.limit+3)*srv.window*4 +
			time.Duration(total/workers+2)*2*maxLat*2 + 5*time.Second)
		for q.Len() > 0 {
			e := heap.Pop(&q).(*simEvent)
			now := e.at
			if now.After(deadline) {
				rt.Fatalf("stalled: %d of %d done at +%v (state %+v)", done, total, now.Sub(t0), b.Snapshot(now))
			}
			switch e.kind {
			case evTry:
				if e.gen != gens[e.worker] || started == total {
					continue
				}
				g, _ := b.Take(now)
				if !g.OK {
					waiting[e.worker] = true
					gens[e.worker]++
					push(&simEvent{at: now.Add(max(g.Wait, time.Nanosecond)), kind: evTry, worker: e.worker, gen: gens[e.worker]})
					continue
				}
				waiting[e.worker] = false
				if rng.Float64() < cancelRate {
					_ = b.Cancel(now, g.Seq)
					gens[e.worker]++
					push(&simEvent{at: now, kind: evTry, worker: e.worker, gen: gens[e.worker]})
					continue
				}
				started++
				rt.Logf("+%v admit seq %d (w%d)", now.Sub(t0), g.Seq, e.worker)
				push(&simEvent{at: now.Add(lat()), kind: evArrive, worker: e.worker, seq: g.Seq, settled: g.Settled, sent: now})
			case evArrive:
				if rng.Float64() < lossRate {
					e.rep = Report{} // dropped: the server never sees it
				} else {
					e.rep = srv.handle(now)
				}
				e.kind = evRespond
				e.at = now.Add(lat())
				push(e)
			case evRespond:
				if e.rep.Status == 429 {
					rt.Logf("+%v resp seq %d st %d rem %d reset %v", now.Sub(t0), e.seq, e.rep.Status, e.rep.Remaining, e.rep.Reset)
					rt.Fatalf("server refused request %d at +%v (limit %d per %v)", e.seq, now.Sub(t0), srv.limit, srv.window)
				}
				rt.Logf("+%v resp seq %d st %d rem %d reset %v", now.Sub(t0), e.seq, e.rep.Status, e.rep.Remaining, e.rep.Reset)
				if e.rep.Status == 0 { // failed: the worker tries this item again
					started--
					done--
				}
				e.rep.RTT = now.Sub(e.sent)
				e.rep.Settled = e.settled
				_ = b.Report(now, e.seq, e.rep)
				done++
				gens[e.worker]++
				push(&simEvent{at: now, kind: evTry, worker: e.worker, gen: gens[e.worker]})
				// A response may release waiters (as Budget.kick does).
				for w := range workers {
					if waiting[w] {
						gens[w]++
						push(&simEvent{at: now, kind: evTry, worker: w, gen: gens[w]})
					}
				}
			}
		}
		if done != total {
			rt.Fatalf("finished %d of %d requests", done, total)
		}
	})
}
