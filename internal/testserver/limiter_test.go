package testserver

import (
	"testing"
	"time"
)

// step is one admission attempt at t0+at.
type step struct {
	at        time.Duration
	ok        bool
	remaining int
	reset     time.Duration
}

// t0 is aligned to every window the tests use, so fixed windows start there.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func runSteps(t *testing.T, l Limit, steps []step) {
	t.Helper()
	a := newAlgorithm(l)
	for i, s := range steps {
		ok, rem, reset := admit(a, t0.Add(s.at))
		if ok != s.ok || rem != s.remaining || reset != s.reset {
			t.Errorf("%s step %d at +%v: admit = %v, %d, %v; want %v, %d, %v",
				l.Algorithm, i, s.at, ok, rem, reset, s.ok, s.remaining, s.reset)
		}
	}
}

func TestFixedWindowEdges(t *testing.T) {
	ms := time.Millisecond
	runSteps(t, Limit{Algorithm: FixedWindow, Requests: 3, Window: time.Second}, []step{
		{0, true, 2, time.Second},
		{500 * ms, true, 1, 500 * ms},
		{999 * ms, true, 0, ms},
		{999 * ms, false, 0, ms},                    // last instant of the window: full
		{time.Second, true, 2, time.Second},         // boundary: full quota at once
		{time.Second + 1, true, 1, time.Second - 1}, // a burst at the boundary...
		{time.Second + 2, true, 0, time.Second - 2}, // ...gets the whole quota
		{1999 * ms, false, 0, ms},                   // still the same window
		{5 * time.Second, true, 2, time.Second},     // idle windows in between forget
	})
}

func TestSlidingLogEdges(t *testing.T) {
	ms := time.Millisecond
	runSteps(t, Limit{Algorithm: SlidingLog, Requests: 2, Window: time.Second}, []step{
		{0, true, 1, time.Second},
		{300 * ms, true, 0, 700 * ms},     // oldest (at 0) frees at +1s
		{999 * ms, false, 0, ms},          // 2 in (−1ms, 999ms]
		{time.Second, true, 0, 300 * ms},  // the request at 0 left: (0, 1s] holds only 300ms
		{time.Second, false, 0, 300 * ms}, // no more until 300ms leaves
		{1300 * ms, true, 0, 700 * ms},    // 300ms left at exactly 1.3s (half-open)
		{2 * time.Second, true, 0, 300 * ms},
		{5 * time.Second, true, 1, time.Second}, // idle: window empty
	})
}

func TestSlidingCounterEdges(t *testing.T) {
	ms := time.Millisecond
	runSteps(t, Limit{Algorithm: SlidingCounter, Requests: 4, Window: time.Second}, []step{
		{0, true, 3, time.Second},
		{100 * ms, true, 2, 900 * ms},
		{200 * ms, true, 1, 800 * ms},
		{300 * ms, true, 0, 700 * ms},
		{999 * ms, false, 0, ms},
		// New window: previous count 4 weighs 4*(1-0)=4 at the boundary: still full.
		{time.Second, false, 0, time.Second},
		// At +1.25s the estimate is 4*0.75=3: one request fits, leaving 0.
		{1250 * ms, true, 0, 750 * ms},
		{1250 * ms, false, 0, 750 * ms},
		// At +1.5s: 4*0.5+1 = 3, one more fits.
		{1500 * ms, true, 0, 500 * ms},
		// Two windows later both counts are gone.
		{3 * time.Second, true, 3, time.Second},
	})
}

func TestTokenBucketEdges(t *testing.T) {
	ms := time.Millisecond
	// 4 per second: one token every 250ms, burst 2.
	runSteps(t, Limit{Algorithm: TokenBucket, Requests: 4, Window: time.Second, Burst: 2}, []step{
		{0, true, 1, 250 * ms}, // full after 250ms
		{0, true, 0, 250 * ms}, // empty: next token in 250ms
		{0, false, 0, 250 * ms},
		{249 * ms, false, 0, ms},
		{250 * ms, true, 0, 250 * ms},    // exactly one token back
		{time.Second, true, 1, 250 * ms}, // refilled to the burst, not beyond
		{time.Second, true, 0, 250 * ms},
		{time.Second, false, 0, 250 * ms},
	})
}

func TestAdmitDoesNotTakeOnDeny(t *testing.T) {
	for _, alg := range []Algorithm{FixedWindow, SlidingLog, SlidingCounter, TokenBucket} {
		a := newAlgorithm(Limit{Algorithm: alg, Requests: 1, Window: time.Second})
		admit(a, t0)
		for i := 0; i < 5; i++ {
			if ok, _, _ := admit(a, t0.Add(time.Duration(i)*time.Millisecond)); ok {
				t.Errorf("%s: second request within the window admitted", alg)
			}
		}
		if ok, _, _ := admit(a, t0.Add(2*time.Second)); !ok {
			t.Errorf("%s: denied requests pushed the next admission past 2s", alg)
		}
	}
}

func TestMaxInWindowAndExceeded(t *testing.T) {
	at := func(ms ...int) []time.Time {
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = t0.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		l        Limit
		times    []time.Time
		max      int
		exceeded bool
	}{
		{"sliding ok", Limit{Algorithm: SlidingLog, Requests: 2, Window: time.Second}, at(0, 500, 1000, 1500), 2, false},
		{"sliding over", Limit{Algorithm: SlidingLog, Requests: 2, Window: time.Second}, at(0, 500, 999), 3, true},
		// Fixed windows allow 2 at the end of one slot and 2 at the start of the next.
		{"fixed boundary burst", Limit{Algorithm: FixedWindow, Requests: 2, Window: time.Second}, at(900, 950, 1000, 1050), 4, false},
		{"fixed over", Limit{Algorithm: FixedWindow, Requests: 2, Window: time.Second}, at(100, 200, 300), 3, true},
		{"bucket over", Limit{Algorithm: TokenBucket, Requests: 2, Window: time.Second}, at(0, 0, 100), 3, true},
		{"empty", Limit{Algorithm: SlidingLog, Requests: 2, Window: time.Second}, nil, 0, false},
	} {
		if got := MaxInWindow(tc.times, tc.l.Window); got != tc.max {
			t.Errorf("%s: MaxInWindow = %d; want %d", tc.name, got, tc.max)
		}
		if got := exceeded(tc.l, tc.times); got != tc.exceeded {
			t.Errorf("%s: exceeded = %v; want %v", tc.name, got, tc.exceeded)
		}
	}
}

func TestLimitValidate(t *testing.T) {
	for _, tc := range []struct {
		l  Limit
		ok bool
	}{
		{Limit{Algorithm: None}, true},
		{Limit{Algorithm: FixedWindow, Requests: 1, Window: time.Second}, true},
		{Limit{Algorithm: FixedWindow, Requests: 0, Window: time.Second}, false},
		{Limit{Algorithm: SlidingLog, Requests: 1}, false},
		{Limit{Algorithm: "leaky", Requests: 1, Window: time.Second}, false},
		{Limit{Algorithm: TokenBucket, Requests: 1, Window: time.Second, Burst: -1}, false},
	} {
		if err := tc.l.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v; want ok=%v", tc.l, err, tc.ok)
		}
	}
}

// TestDecideNeverStepsBack: the server reads the clock before it takes a
// bucket's lock, so a request stamped earlier can reach the bucket after a
// later one. The bucket must not read that as a new window and forget what
// it admitted (this let 20 requests through a 5-per-window limit under load).
func TestDecideNeverStepsBack(t *testing.T) {
	ms := time.Millisecond
	for _, alg := range []Algorithm{FixedWindow, SlidingLog, SlidingCounter, TokenBucket} {
		t.Run(string(alg), func(t *testing.T) {
			ts := newTokenState("tok", []Limit{{Algorithm: alg, Requests: 3, Window: time.Second}})
			for i := range 3 {
				if d := ts.decide(t0.Add(1100*ms), inRead, nil); !d.ok {
					t.Fatalf("request %d at +1.1s denied; the window had room", i)
				}
			}
			// Stamped in the previous window, arriving after the three above.
			d := ts.decide(t0.Add(900*ms), inRead, nil)
			if d.ok {
				t.Fatalf("a late-arriving request stamped +0.9s was admitted over a full window")
			}
			if !d.at.Equal(t0.Add(1100 * ms)) {
				t.Errorf("decision at %v; want the bucket's latest time +1.1s", d.at.Sub(t0))
			}
			st := ts.buckets[0]
			if exceeded(st.limit, st.admitted) {
				t.Errorf("replaying the admissions reports the limit exceeded")
			}
		})
	}
}
