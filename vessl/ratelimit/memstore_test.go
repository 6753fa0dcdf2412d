package ratelimit

import (
	"testing"
	"time"
)

// step is one row of a bucket step table: at time t0+at, either take
// (report == nil) or report the response to request seq.
type step struct {
	at     time.Duration
	report *Report // nil: Take
	seq    uint64  // request reported
	// for Take rows:
	wantOK   bool
	wantWait time.Duration // checked if !wantOK and >= 0
}

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func take(at time.Duration, ok bool, wait time.Duration) step {
	return step{at: at, wantOK: ok, wantWait: wait}
}

func report(at time.Duration, seq uint64, r Report) step {
	return step{at: at, report: &r, seq: seq}
}

func headers(remaining int, reset time.Duration) Report {
	return Report{Status: 200, Limit: 10, Remaining: remaining, HasRemaining: true, Reset: reset, HasReset: true}
}

// runSteps runs a step table against a fresh bucket without jitter, with
// a burst tolerance of a tenth of the quota.
func runSteps(t *testing.T, steps []step) *memBucket {
	t.Helper()
	return runStepsConfig(t, BucketConfig{Burst: 0.1}, steps)
}

// runStepsConfig runs a step table against a fresh bucket configured by cfg.
func runStepsConfig(t *testing.T, cfg BucketConfig, steps []step) *memBucket {
	t.Helper()
	b := newMemBucket(cfg)
	settled := map[uint64]uint64{} // Grant.Settled by seq, as a Ticket keeps it
	for i, s := range steps {
		now := t0.Add(s.at)
		if s.report != nil {
			r := *s.report
			r.Settled = settled[s.seq]
			b.mu.Lock()
			b.reportAt(now, s.seq, r)
			b.mu.Unlock()
			continue
		}
		g, _ := b.Take(now)
		if g.OK {
			settled[g.Seq] = g.Settled
		}
		if g.OK != s.wantOK {
			t.Fatalf("step %d (+%v): Take = %+v; want OK=%v (state %+v)", i, s.at, g, s.wantOK, b.Snapshot(now))
		}
		if !g.OK && s.wantWait >= 0 && g.Wait != s.wantWait {
			t.Fatalf("step %d (+%v): Take wait = %v; want %v", i, s.at, g.Wait, s.wantWait)
		}
	}
	return b
}

const anyWait = time.Duration(-1)

func TestBucketColdStartGrows(t *testing.T) {
	ok := Report{Status: 200}
	runSteps(t, []step{
		take(0, true, 0),
		take(0, false, minProbeWait), // one in flight until an answer
		report(100*time.Millisecond, 1, ok),
		take(100*time.Millisecond, true, 0), // cwnd 2
		take(100*time.Millisecond, true, 0),
		take(100*time.Millisecond, false, anyWait),
		report(200*time.Millisecond, 2, ok),
		report(200*time.Millisecond, 3, ok), // cwnd 4
		take(200*time.Millisecond, true, 0),
		take(200*time.Millisecond, true, 0),
		take(200*time.Millisecond, true, 0),
		take(200*time.Millisecond, true, 0),
		take(200*time.Millisecond, false, anyWait),
	})
}

func TestBucketColdStartReleasesSlowly(t *testing.T) {
	runSteps(t, []step{
		take(0, true, 0),
		take(minProbeWait-1, false, 1),
		take(minProbeWait, true, 0), // the first answer is late: one more
		take(minProbeWait, false, minProbeWait),
	})
}

func TestBucketPacesOverReset(t *testing.T) {
	runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, headers(10, 10*time.Second)), // 10 left over 10s: 1s apart
		take(0, true, 0),
		take(0, false, time.Second),
		take(999*time.Millisecond, false, time.Millisecond),
		take(time.Second, true, 0),
	})
}

func TestBucketCountsInFlight(t *testing.T) {
	runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Remaining: 100, HasRemaining: true}), // no reset: no pacing
		take(0, true, 0), // 2
		take(0, true, 0), // 3
		take(0, true, 0), // 4
		// The server says 2 left after request 2; 3 and 4 may not be
		// counted yet, so nothing is left.
		report(0, 2, Report{Status: 200, Remaining: 2, HasRemaining: true, Reset: time.Minute, HasReset: true}),
		take(0, false, time.Minute),
	})
}

func TestBucketStaleNeverRaises(t *testing.T) {
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Remaining: 100, HasRemaining: true}),
		take(0, true, 0), // 2
		take(0, true, 0), // 3
		report(10*time.Millisecond, 3, Report{Status: 200, Remaining: 5, HasRemaining: true}),
		// Request 2 was processed first but answers last, with more left.
		report(20*time.Millisecond, 2, Report{Status: 200, Remaining: 6, HasRemaining: true}),
	})
	// 5 left after request 3. Request 2 says 6: it was processed before 3,
	// so it is already counted, and the estimate is 5, not 6.
	if s := b.Snapshot(t0); s.Remaining != 5 {
		t.Errorf("Remaining = %d after a stale response; want 5", s.Remaining)
	}
	b = runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Remaining: 100, HasRemaining: true}),
		take(0, true, 0), // 2
		take(0, true, 0), // 3
		report(10*time.Millisecond, 3, Report{Status: 200, Remaining: 5, HasRemaining: true}),
		report(20*time.Millisecond, 2, Report{Status: 200, Remaining: 1, HasRemaining: true}),
	})
	// Request 2 says 1: it was processed after 3, so 1 is news.
	if s := b.Snapshot(t0); s.Remaining != 1 {
		t.Errorf("Remaining = %d after a lower stale response; want 1", s.Remaining)
	}
}

func TestBucketProbesAtReset(t *testing.T) {
	runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, headers(0, 5*time.Second)),
		take(time.Second, false, 4*time.Second),
		take(5*time.Second, true, 0), // the probe
		take(5*time.Second, false, minProbeWait),
		take(5100*time.Millisecond, false, anyWait),
		report(5200*time.Millisecond, 2, headers(9, 10*time.Second)), // 9 over 10s
		take(5200*time.Millisecond, true, 0),
		// 9 over 10s is 1.11s apart, but the learned window (10s) and
		// limit (10) say the long-run pace is 1s: never slower.
		take(5200*time.Millisecond, false, time.Second),
	})
}

func TestBucketOldWindowIgnoredAfterProbe(t *testing.T) {
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, headers(5, 5*time.Second)),
		take(4*time.Second, true, 0), // 2, answers late
		take(5*time.Second, true, 0), // probe 3
		report(5100*time.Millisecond, 3, headers(9, 10*time.Second)),
		// Request 2's answer describes the old window.
		report(5200*time.Millisecond, 2, headers(0, 0)),
	})
	// 9 left; request 2, in flight when the probe answered, turned out to
	// belong to the old window: 9.
	if s := b.Snapshot(t0.Add(5200 * time.Millisecond)); s.Remaining != 9 {
		t.Errorf("Remaining = %d after an old window's answer; want 9", s.Remaining)
	}
}

func TestBucket429RetryAfterWins(t *testing.T) {
	runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 429, Remaining: 0, HasRemaining: true, Reset: time.Second, HasReset: true, RetryAfter: 7 * time.Second, HasRetryAfter: true}),
		take(time.Second, false, 6*time.Second),
		take(7*time.Second, true, 0),
	})
}

func TestBucket429WithoutHintBacksOff(t *testing.T) {
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 429}),
		take(0, false, backoffBase),
	})
	if got := b.Backoff(t0); got != backoffBase {
		t.Errorf("Backoff() = %v; want %v", got, backoffBase)
	}
	if got := b.backoffAt(3); got != 4*backoffBase {
		t.Errorf("backoffAt(3) = %v; want %v", got, 4*backoffBase)
	}
	if got := b.backoffAt(100); got != backoffMax {
		t.Errorf("backoffAt(100) = %v; want %v", got, backoffMax)
	}
}

func TestBucketLongRunRateCapsInterval(t *testing.T) {
	// 2 left over a day, but the window says 10 per minute: never slower
	// than 6s apart.
	runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Limit: 10, Window: time.Minute, Remaining: 3, HasRemaining: true, Reset: 24 * time.Hour, HasReset: true}),
		take(0, true, 0),
		take(0, false, 6*time.Second),
	})
}

func TestBucketCancelGivesBack(t *testing.T) {
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Remaining: 1, HasRemaining: true}),
		take(0, true, 0),
		take(0, false, anyWait),
	})
	_ = b.Cancel(t0, 2)
	if g, _ := b.Take(t0); !g.OK {
		t.Errorf("Take after Cancel = %+v; want admitted", g)
	}
}

func TestBucketTighterPolicyWithEarlierResetIsAccepted(t *testing.T) {
	// The daily policy governed; then the per-minute one became the
	// tightest: its earlier reset must not make the response look stale.
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Remaining: 500, HasRemaining: true, Reset: time.Hour, HasReset: true}),
		take(0, true, 0),
		report(0, 2, Report{Status: 200, Remaining: 2, HasRemaining: true, Reset: 30 * time.Second, HasReset: true}),
	})
	if s := b.Snapshot(t0); s.Remaining != 2 || s.Reset != t0.Add(30*time.Second) {
		t.Errorf("after a tighter policy: remaining %d, reset +%v; want 2, +30s", s.Remaining, s.Reset.Sub(t0))
	}
}

func TestBucketCancelDuring429GivesNothingBack(t *testing.T) {
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Remaining: 5, HasRemaining: true}),
		take(0, true, 0), // 2: will be cancelled
		take(0, true, 0), // 3: refused
		report(0, 3, Report{Status: 429, RetryAfter: 10 * time.Second, HasRetryAfter: true}),
	})
	_ = b.Cancel(t0, 2)
	if g, _ := b.Take(t0.Add(time.Second)); g.OK || g.Wait != 9*time.Second {
		t.Errorf("Take during a 429 wait after a Cancel = %+v; want to wait 9s", g)
	}
}

func TestBucketHugeQuotaLongIntervalNoOverflow(t *testing.T) {
	// A quota of ten million with two requests left for a day: the burst
	// tolerance (a million intervals of half a day) must not overflow and wrap.
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Limit: 10_000_000, Remaining: 2, HasRemaining: true, Reset: 24 * time.Hour, HasReset: true}),
		take(0, true, 0),
		take(0, true, 0),
		take(0, false, anyWait), // nothing left
	})
	_ = b
}

func TestBucketLostRequestStaysSpent(t *testing.T) {
	b := runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, Report{Status: 200, Remaining: 5, HasRemaining: true}),
		take(0, true, 0),                // 2
		take(0, true, 0),                // 3: fails after it was sent
		report(0, 3, Report{Status: 0}), // lost: the server may count it later
		// 2 was sent before the loss: the server may count 3 after it.
		report(0, 2, Report{Status: 200, Remaining: 4, HasRemaining: true}),
	})
	if s := b.Snapshot(t0); s.Remaining != 3 {
		t.Errorf("Remaining = %d; want 3 (4, minus the lost request)", s.Remaining)
	}
	b.mu.Lock()
	g := b.takeAt(t0) // 4, sent after the loss
	b.reportAt(t0, g.Seq, Report{Status: 200, Remaining: 2, HasRemaining: true})
	b.mu.Unlock()
	if s := b.Snapshot(t0); s.Remaining != 2 {
		t.Errorf("Remaining = %d after a response sent after the loss; want 2", s.Remaining)
	}
}

func TestBucketOld429AfterProbeIgnored(t *testing.T) {
	ms := time.Millisecond
	runSteps(t, []step{
		take(0, true, 0),
		report(0, 1, headers(2, 5*time.Second)),
		take(0, true, 0),                       // 2
		take(4500*ms, true, 0),                 // 3: slow, answers late
		report(4600*ms, 2, headers(0, 400*ms)), // nothing left until +5s
		take(5*time.Second, false, 500*ms),     // the probe waits for 3...
		take(5500*ms, true, 0),                 // ...for a while: probe 4
		report(5600*ms, 4, headers(9, 10*time.Second)),
		// 3 was refused before the reset: its 429 arrives now, with a
		// wait ending long before the new window's reset.
		report(5700*ms, 3, Report{Status: 429, RetryAfter: time.Second, HasRetryAfter: true}),
		take(5700*ms, true, 0),
	})
}

func TestBucketEarlierResetWithoutRolloverIsNews(t *testing.T) {
	// A token bucket reports the time until it is full (growing as tokens
	// are spent), and, once none is left, the time to the next token: the
	// last response of a burst carries the earliest reset. With no
	// rollover since it was sent, it is not from an ended window.
	runStepsConfig(t, BucketConfig{Burst: 1}, []step{
		take(0, true, 0),
		report(0, 1, headers(3, 4*time.Second)),
		take(0, true, 0), // 2: processed last
		take(0, true, 0), // 3
		take(0, true, 0), // 4
		report(0, 4, headers(1, 5*time.Second)),
		report(0, 3, headers(2, 5*time.Second)),
		report(0, 2, headers(0, time.Second)), // none left; the next token in 1s
		take(0, false, time.Second),
	})
}
