package ratelimit

import (
	"testing"
	"time"
)

// learnStep is one response fed to a learner: the request was sent at
// t0+sent and answered at t0+at; wantReset is the reset (from t0) the
// learner passes on, 0 for "unchanged".
type learnStep struct {
	sent, at  time.Duration
	status    int
	remaining int
	reset     time.Duration // from t0
	wantReset time.Duration
}

func runLearner(t *testing.T, l *learner, steps []learnStep) {
	t.Helper()
	for i, s := range steps {
		now := t0.Add(s.at)
		o := Observation{At: now, Status: s.status, Limit: 10, Remaining: s.remaining, HasRemaining: true, Reset: t0.Add(s.reset)}
		l.correct(&o, Ticket{seq: uint64(i + 1), sent: t0.Add(s.sent)}, now)
		want := s.wantReset
		if want == 0 {
			want = s.reset
		}
		if got := o.Reset.Sub(t0); got != want {
			t.Fatalf("step %d: reset +%v; want +%v (continuous %v)", i, got, want, l.continuous)
		}
	}
}

func TestLearnerContinuousRefill(t *testing.T) {
	ms := time.Millisecond
	var l learner
	runLearner(t, &l, []learnStep{
		{sent: 0, at: 0, status: 200, remaining: 9, reset: time.Second},       // window: at least 1s
		{sent: 0, at: 20 * ms, status: 200, remaining: 0, reset: time.Second}, // nothing known yet: wait for the reset
		// The first answer from after the reset: little left, and the
		// next reset a whole window away. A fixed window would be full.
		// 5 of the 10 are used by the previous window's count, which
		// decays over this one.
		{sent: 1010 * ms, at: 1020 * ms, status: 200, remaining: 4, reset: 2000 * ms},
		// From now on, nothing left means: try again after Window/5.
		{sent: 1030 * ms, at: 1040 * ms, status: 200, remaining: 0, reset: 2000 * ms, wantReset: 1240 * ms},
		{sent: 1250 * ms, at: 1260 * ms, status: 200, remaining: 0, reset: 2000 * ms, wantReset: 1460 * ms},
		// Near the window's end: one long-run interval into the next.
		{sent: 1940 * ms, at: 1950 * ms, status: 200, remaining: 0, reset: 2000 * ms, wantReset: 2100 * ms},
		// One 429 is the price of probing: the server's wait is
		// honoured, and the mode goes on.
		{sent: 1270 * ms, at: 1280 * ms, status: 429, remaining: 0, reset: 2000 * ms},
		{sent: 1290 * ms, at: 1300 * ms, status: 200, remaining: 0, reset: 2000 * ms, wantReset: 1500 * ms},
		// Two in a row end it.
		{sent: 1410 * ms, at: 1420 * ms, status: 429, remaining: 0, reset: 2000 * ms},
		{sent: 1430 * ms, at: 1440 * ms, status: 429, remaining: 0, reset: 2000 * ms},
		{sent: 1450 * ms, at: 1460 * ms, status: 200, remaining: 0, reset: 2000 * ms},
	})
	if l.continuous {
		t.Errorf("still refilling continuously after two 429s in a row")
	}
	// Refused right after the reset: nothing came back there.
	l = learner{}
	runLearner(t, &l, []learnStep{
		{sent: 0, at: 0, status: 200, remaining: 0, reset: time.Second},
		{sent: 1000 * ms, at: 1010 * ms, status: 429, remaining: 0, reset: 2000 * ms},
		{sent: 2000 * ms, at: 2010 * ms, status: 200, remaining: 0, reset: 3000 * ms, wantReset: 2010*ms + time.Second/9},
	})
}

// TestLearnerIgnoresLying429AtReset: a 429 to the probe after a reset that
// says there is room, or that the next slot is near, is not the sign of a
// continuous refill: a sliding log refusing one request spuriously must not
// switch the mode on (its early probes would overspend the log).
func TestLearnerIgnoresLying429AtReset(t *testing.T) {
	ms := time.Millisecond
	for _, refusal := range []learnStep{
		{sent: 1000 * ms, at: 1010 * ms, status: 429, remaining: 3, reset: 2000 * ms},   // says there is room
		{sent: 1000 * ms, at: 1010 * ms, status: 429, remaining: 0, reset: 1200 * ms},   // the next slot is near
		{sent: 1000 * ms, at: 1010 * ms, status: 429, remaining: 0, reset: 1010*ms + 1}, // resetting now
	} {
		var l learner
		runLearner(t, &l, []learnStep{
			{sent: 0, at: 0, status: 200, remaining: 0, reset: time.Second},
			refusal,
			// A sliding log announcing its next free slot: passed on as is.
			{sent: 2000 * ms, at: 2010 * ms, status: 200, remaining: 0, reset: 2400 * ms},
		})
		if l.continuous {
			t.Errorf("429 %+v at the reset switched the continuous mode on", refusal)
		}
	}
}

func TestLearnerFixedWindowAndSlidingLogStay(t *testing.T) {
	ms := time.Millisecond
	var l learner
	runLearner(t, &l, []learnStep{
		{sent: 0, at: 10 * ms, status: 200, remaining: 0, reset: time.Second},
		// A fixed window is full again after its reset.
		{sent: 1010 * ms, at: 1020 * ms, status: 200, remaining: 9, reset: 2000 * ms},
		{sent: 1030 * ms, at: 1040 * ms, status: 200, remaining: 0, reset: 2000 * ms},
		// A sliding log frees its oldest slot at the reset, and
		// announces the next one, which is sooner than a window.
		{sent: 2010 * ms, at: 2020 * ms, status: 200, remaining: 0, reset: 2500 * ms},
		{sent: 2510 * ms, at: 2520 * ms, status: 200, remaining: 0, reset: 2700 * ms},
		// A burst it freed at once is spent by the client's own requests:
		// only the probe's answer (the first after the reset) counts.
		{sent: 2710 * ms, at: 2720 * ms, status: 200, remaining: 8, reset: 2721 * ms},
		{sent: 2720 * ms, at: 2730 * ms, status: 200, remaining: 2, reset: 3720 * ms},
		{sent: 2720 * ms, at: 2730 * ms, status: 200, remaining: 0, reset: 3722 * ms},
	})
	if l.continuous {
		t.Errorf("learner took a fixed window and a sliding log for a continuous refill")
	}
	// A sliding log whose slots free one by one, each taken by the
	// client's next request: the probe after the last one finds nothing
	// left and the next reset a window away, because of the client's own
	// requests.
	l = learner{}
	steps := []learnStep{{sent: 0, at: 0, status: 200, remaining: 0, reset: time.Second}}
	for i := range 9 {
		at := time.Second + time.Duration(i)*ms
		steps = append(steps, learnStep{sent: at, at: at + ms, status: 200, remaining: 0, reset: at + 2*ms})
	}
	steps = append(steps, learnStep{sent: 1012 * ms, at: 1013 * ms, status: 200, remaining: 0, reset: 2001 * ms})
	runLearner(t, &l, steps)
	if l.continuous {
		t.Errorf("learner took a sliding log filled by the client's own requests for a continuous refill")
	}
}

func TestLearnerClockOffset(t *testing.T) {
	// The server's clock is 3.4s ahead; responses take 10ms to come
	// back; the reset is the server's t0+10s, due locally at t0+6.6s.
	const off = 3400 * time.Millisecond
	e := t0.Add(10 * time.Second)
	due := e.Add(-off)
	var l learner
	for i, at := range []time.Duration{100 * time.Millisecond, 650 * time.Millisecond, 900 * time.Millisecond} {
		now := t0.Add(at)
		date := now.Add(off - 10*time.Millisecond).Truncate(time.Second)
		// As ParseHeaders reads an epoch reset against Date:
		o := Observation{At: now, Status: 200, Limit: 10, Remaining: 5, HasRemaining: true,
			Reset: now.Add(e.Sub(date)), ResetDated: true, Date: date}
		parsed := o.Reset
		l.correct(&o, Ticket{seq: uint64(i + 1), sent: now.Add(-20 * time.Millisecond)}, now)
		if o.Reset.Before(due) || o.Reset.After(parsed) {
			t.Errorf("response %d: reset +%v; want between the true +%v and the parsed +%v", i, o.Reset.Sub(t0), due.Sub(t0), parsed.Sub(t0))
		}
		if i == 2 && o.Reset.Sub(due) > 50*time.Millisecond {
			// The second response came 40ms after a server second began.
			t.Errorf("response %d: reset +%v; want within 50ms of +%v", i, o.Reset.Sub(t0), due.Sub(t0))
		}
	}
}

func TestParseHeadersDatedReset(t *testing.T) {
	date := "Fri, 27 Nov 2026 08:00:05 GMT"
	at := t0.Add(5300 * time.Millisecond)
	obs, err := ParseHeaders(hdr("Date", date, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1795766410"), 200, at)
	if err != nil || !obs.ResetDated || !obs.Date.Equal(t0.Add(5*time.Second)) || obs.Reset.Sub(at) != 5*time.Second {
		t.Errorf("epoch reset against Date: %+v, %v; want ResetDated, Date +5s, reset in 5s", obs, err)
	}
	obs, _ = ParseHeaders(hdr("Date", date, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "5"), 200, at)
	if obs.ResetDated || !obs.Date.IsZero() {
		t.Errorf("delta reset: %+v; want neither ResetDated nor Date", obs)
	}
}

func TestLearnerSharedStoreNeverProbesEarly(t *testing.T) {
	// With a Store shared by other processes, their requests may be what
	// filled the window: the continuous mode is never entered.
	ms := time.Millisecond
	l := learner{shared: true}
	runLearner(t, &l, []learnStep{
		{sent: 0, at: 0, status: 200, remaining: 0, reset: time.Second},
		{sent: 1010 * ms, at: 1020 * ms, status: 200, remaining: 4, reset: 2000 * ms},
		{sent: 1030 * ms, at: 1040 * ms, status: 200, remaining: 0, reset: 2000 * ms},
		{sent: 2000 * ms, at: 2010 * ms, status: 429, remaining: 0, reset: 3000 * ms},
		{sent: 3000 * ms, at: 3010 * ms, status: 200, remaining: 0, reset: 4000 * ms},
	})
	if l.continuous {
		t.Errorf("a learner of a shared store entered the continuous mode")
	}
}
