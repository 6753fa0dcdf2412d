package redisstore

import (
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// step is one row of a lock-step table: at t0+at, Take (report == nil) or
// report the response to the admission with sequence number seq (1, 2, ...
// in admission order).
type step struct {
	at     time.Duration
	report *ratelimit.Report
	seq    int
}

func take(at time.Duration) step { return step{at: at} }

func report(at time.Duration, seq int, r ratelimit.Report) step {
	return step{at: at, report: &r, seq: seq}
}

// mirrorSteps runs steps on the in-memory bucket and on the Redis bucket,
// both with the burst tolerance burst, miniredis's clock following the
// steps, and fails at the first decision on which they differ.
func mirrorSteps(t *testing.T, burst float64, steps []step) {
	t.Helper()
	mr, rdb := newMiniredis(t)
	s := New(rdb, WithPollInterval(time.Hour), WithFlushDelay(time.Hour), WithFailFast())
	defer s.Close()
	cfg := ratelimit.BucketConfig{Burst: burst}
	mem := ratelimit.NewMemoryStore().Open("s", cfg)
	red := s.Open("s", cfg)
	var memSeq, redSeq []uint64
	for i, st := range steps {
		now := t0.Add(st.at)
		mr.SetTime(now)
		if st.report != nil {
			if st.seq > len(memSeq) {
				t.Fatalf("step %d: ticket %d was never admitted", i, st.seq)
			}
			r := *st.report // RTT as the table says (0: no sample, as in package ratelimit's tables)
			_ = mem.Report(now, memSeq[st.seq-1], r)
			_ = red.Report(now, redSeq[st.seq-1], r)
			continue
		}
		gm, _ := mem.Take(now)
		gr, err := red.Take(now)
		if err != nil {
			t.Fatal(err)
		}
		if gm.OK != gr.OK || gm.WaitKnown != gr.WaitKnown || !near(gm.Wait, gr.Wait) || !near(gm.Interval, gr.Interval) {
			t.Fatalf("step %d (+%v): redis Take = %+v; memory Take = %+v", i, st.at, gr, gm)
		}
		if gm.OK {
			memSeq, redSeq = append(memSeq, gm.Seq), append(redSeq, gr.Seq)
		}
	}
	now := t0.Add(steps[len(steps)-1].at)
	sm, sr := mem.Snapshot(now), red.Snapshot(now)
	if sm.Known != sr.Known || sm.Remaining != sr.Remaining || sm.InFlight != sr.InFlight || !near(sm.Reset.Sub(now), sr.Reset.Sub(now)) {
		t.Errorf("end: redis snapshot %+v; memory snapshot %+v", sr, sm)
	}
}

// TestMirrorSteps runs a few more tables, without pacing (burst 1).
func TestMirrorSteps(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"old 429 after the probe is ignored", []step{
			take(0),
			report(0, 1, headers(2, 5*time.Second)),
			take(0),
			take(4500 * ms),
			report(4600*ms, 2, headers(0, 400*ms)),
			take(5 * time.Second),
			take(5500 * ms),
			report(5600*ms, 4, headers(9, 10*time.Second)),
			report(5700*ms, 3, ratelimit.Report{Status: 429, RetryAfter: time.Second, HasRetryAfter: true}),
			take(5700 * ms),
			take(5700 * ms),
		}},
		{"lost request stays spent", []step{
			take(0),
			report(10*ms, 1, headers(3, time.Minute)),
			take(20 * ms),
			take(20 * ms),
			report(30*ms, 2, ratelimit.Report{}), // broke after sending
			take(40 * ms),
			report(50*ms, 3, headers(1, time.Minute)),
			take(60 * ms),
			report(70*ms, 4, headers(0, time.Minute)),
			take(80 * ms),
		}},
		{"429 without hints backs off, then probes", []step{
			take(0),
			report(10*ms, 1, ratelimit.Report{Status: 429}),
			take(20 * ms),
			take(600 * ms),
			report(650*ms, 2, ratelimit.Report{Status: 200}),
			take(700 * ms),
			take(700 * ms),
			take(700 * ms),
		}},
		{"stale higher remaining never raises the estimate", []step{
			take(0),
			report(10*ms, 1, headers(5, time.Second)),
			take(20 * ms),
			take(200 * ms),
			take(400 * ms),
			report(500*ms, 4, headers(2, 500*ms)),
			report(510*ms, 2, headers(4, 500*ms)), // older, says more
			take(600 * ms),
			report(650*ms, 3, headers(3, 350*ms)),
			take(700 * ms),
			take(1100 * ms),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { mirrorSteps(t, 1, tc.steps) })
	}
}
