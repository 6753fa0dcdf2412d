package redisstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// TestMirrorsMemoryStore drives the Redis bucket and the in-memory bucket
// of package ratelimit through the same batch, in lock step on one
// simulated clock (miniredis's TIME follows it), and checks that they make
// the same decisions: same admissions, same waits (to the microsecond the
// script counts in), same state at the end. The batch has requests in
// flight answering out of order, cancels, requests lost after sending,
// stale responses, 429s and resets of a fixed-window server stating its
// budget in headers, in Retry-After only, or not at all; jitter is off so
// both are deterministic.
func TestMirrorsMemoryStore(t *testing.T) {
	for _, tc := range []struct {
		name    string
		burst   float64
		workers int
		items   int
		quota   int
		style   string // headers: "xrl" (remaining and reset), "retry-after" (on 429 only), "none"
	}{
		{"one worker", 0.1, 1, 25, 10, "xrl"},
		{"8 workers", 0.1, 8, 60, 10, "xrl"},
		{"32 workers burst 0.5", 0.5, 32, 120, 20, "xrl"},
		{"4 workers no burst", 0, 4, 40, 7, "xrl"},
		{"16 workers retry-after only", 0.1, 16, 80, 10, "retry-after"},
		{"16 workers no headers", 0.1, 16, 80, 10, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mirrorBatch(t, tc.burst, tc.workers, tc.items, tc.quota, tc.style)
		})
	}
}

type flight struct {
	seq, rseq uint64 // memory and Redis ticket
	settled   uint64 // Grant.Settled (the same in both, checked)
	sent, due time.Time
	r         ratelimit.Report
}

func mirrorBatch(t *testing.T, burst float64, workers, items, quota int, style string) {
	mr, rdb := newMiniredis(t)
	s := New(rdb, WithPollInterval(time.Hour), WithFlushDelay(time.Hour), WithFailFast())
	defer s.Close()
	cfg := ratelimit.BucketConfig{Burst: burst}
	mem := ratelimit.NewMemoryStore().Open("scope", cfg)
	red := s.Open("scope", cfg)

	const window = time.Second
	start := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	now := start
	at := func(d time.Time) { now = d; mr.SetTime(d) }
	at(start)
	counts := map[int64]int{} // requests served per server window
	var inflight []flight
	nextTake := now
	done, admitted, throttled, lost := 0, 0, 0, 0
	for step := 0; done < items; step++ {
		if step > 100000 {
			t.Fatal("no progress")
		}
		// The next event: the earliest response, or the next Take.
		resp := -1
		for i, f := range inflight {
			if resp < 0 || f.due.Before(inflight[resp].due) {
				resp = i
			}
		}
		canTake := admitted < items && len(inflight) < workers
		if canTake && (resp < 0 || !inflight[resp].due.Before(nextTake)) {
			resp = -1
			at(maxTime(now, nextTake))
		} else {
			at(inflight[resp].due)
		}
		if resp >= 0 {
			f := inflight[resp]
			inflight = append(inflight[:resp], inflight[resp+1:]...)
			f.r.RTT = now.Sub(f.sent)
			f.r.Settled = f.settled
			elapsed := now.Sub(f.sent.Add(f.due.Sub(f.sent) / 2)) // since processed
			if f.r.HasReset {
				f.r.Reset = max(f.r.Reset-elapsed, 0)
			}
			if f.r.HasRetryAfter {
				f.r.RetryAfter = max(f.r.RetryAfter-elapsed, 0)
			}
			_ = mem.Report(now, f.seq, f.r)
			_ = red.Report(now, f.rseq, f.r)
			if f.r.Status == 429 {
				throttled++
				if bm, br := mem.Backoff(now), red.Backoff(now); !near(bm, br) {
					t.Fatalf("+%v: redis Backoff %v; memory Backoff %v", now.Sub(start), br, bm)
				}
				admitted-- // sent again
			} else if f.r.Status == 0 {
				lost++
				admitted-- // sent again
			} else {
				done++
			}
			continue
		}
		gm, _ := mem.Take(now)
		gr, err := red.Take(now)
		if err != nil {
			t.Fatal(err)
		}
		if gm.OK != gr.OK || gm.Settled != gr.Settled || gm.WaitKnown != gr.WaitKnown ||
			!near(gm.Wait, gr.Wait) || !near(gm.Interval, gr.Interval) {
			t.Fatalf("+%v, %d admitted: redis Take = %+v; memory Take = %+v", now.Sub(start), admitted, gr, gm)
		}
		if !gm.OK {
			// Wake a whole millisecond later, so that the microsecond
			// rounding of the script cannot flip the answer.
			nextTake = now.Add(gm.Wait).Truncate(time.Millisecond).Add(time.Millisecond)
			continue
		}
		if gm.Seq != gr.Seq&seqMask {
			t.Fatalf("redis seq %d; memory seq %d", gr.Seq&seqMask, gm.Seq)
		}
		if gm.Seq%7 == 3 { // never sent
			_ = mem.Cancel(now, gm.Seq)
			_ = red.Cancel(now, gr.Seq)
			continue
		}
		admitted++
		// The fake server: a fixed window, which processes the request
		// half-way through its round trip of 30 to 70ms.
		rtt := time.Duration(30+10*(gm.Seq%5)) * time.Millisecond
		processed := now.Add(rtt / 2)
		win := int64(processed.Sub(start) / window)
		reset := start.Add(time.Duration(win+1) * window).Sub(processed)
		r := ratelimit.Report{Status: 200}
		if counts[win] >= quota {
			r.Status = 429
		} else {
			counts[win]++
		}
		switch {
		case gm.Seq%11 == 5: // the connection breaks after the server counted it
			r = ratelimit.Report{}
		case style == "xrl":
			r.Limit, r.Remaining, r.HasRemaining = quota, quota-counts[win], true
			r.Reset, r.HasReset = reset, true
		case style == "retry-after" && r.Status == 429:
			r.RetryAfter, r.HasRetryAfter = reset, true
		}
		inflight = append(inflight, flight{seq: gm.Seq, rseq: gr.Seq, settled: gm.Settled, sent: now, due: now.Add(rtt), r: r})
	}
	for w, n := range counts {
		if n > quota {
			t.Errorf("window %d admitted %d; quota %d", w, n, quota)
		}
	}
	sm, sr := mem.Snapshot(now), red.Snapshot(now)
	if fmt.Sprint(sm.Known, sm.Remaining, sm.InFlight, sm.Limit, sm.Throttled) != fmt.Sprint(sr.Known, sr.Remaining, sr.InFlight, sr.Limit, sr.Throttled) ||
		!near(sm.Interval, sr.Interval) || !near(sm.Reset.Sub(now), sr.Reset.Sub(now)) {
		t.Errorf("redis snapshot %+v; memory snapshot %+v", sr, sm)
	}
	if bm, br := mem.Backoff(now), red.Backoff(now); !near(bm, br) {
		t.Errorf("redis Backoff %v; memory Backoff %v", br, bm)
	}
	t.Logf("%d items in %v, %d windows, %d throttled, %d lost after sending", items, now.Sub(start), len(counts), throttled, lost)
}

// near reports whether two durations agree to the microsecond arithmetic
// of the script: each admission may move the next slot by up to a
// microsecond less than in nanoseconds, so a long run drifts by a few
// hundred microseconds at most. A logic difference shows as far more.
func near(a, b time.Duration) bool { return (a - b).Abs() < 500*time.Microsecond }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
