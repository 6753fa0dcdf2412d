package testserver

import (
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// arrivals draws a sorted sequence of request times starting at t0.
func arrivals(t *rapid.T) []time.Time {
	gaps := rapid.SliceOfN(rapid.Int64Range(0, int64(400*time.Millisecond)), 1, 200).Draw(t, "gaps")
	out := make([]time.Time, len(gaps))
	at := t0
	for i, g := range gaps {
		at = at.Add(time.Duration(g))
		out[i] = at
	}
	return out
}

// TestAlgorithmInvariants checks, for random arrivals, that each algorithm
// never admits beyond its limit and never denies a request it had room for.
func TestAlgorithmInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "n")
		w := time.Duration(rapid.IntRange(1, 20).Draw(t, "w100ms")) * 100 * time.Millisecond
		times := arrivals(t)
		for _, alg := range []Algorithm{FixedWindow, SlidingLog, SlidingCounter, TokenBucket} {
			l := Limit{Algorithm: alg, Requests: n, Window: w}
			a := newAlgorithm(l)
			var admitted []time.Time
			for _, at := range times {
				ok, rem, reset := admit(a, at)
				if rem < 0 || rem >= n || reset < 0 || reset > w {
					t.Fatalf("%s: admit(+%v) = %v, %d, %v out of range (n=%d, w=%v)", alg, at.Sub(t0), ok, rem, reset, n, w)
				}
				inWindow := 0 // admissions in (at-w, at]
				for _, x := range admitted {
					if x.After(at.Add(-w)) {
						inWindow++
					}
				}
				inSlot := 0 // admissions in at's fixed window
				for _, x := range admitted {
					if x.Truncate(w).Equal(at.Truncate(w)) {
						inSlot++
					}
				}
				switch alg {
				case SlidingLog:
					if ok != (inWindow < n) {
						t.Fatalf("sliding log at +%v: ok=%v with %d of %d in the window", at.Sub(t0), ok, inWindow, n)
					}
				case FixedWindow:
					if ok != (inSlot < n) {
						t.Fatalf("fixed window at +%v: ok=%v with %d of %d in the slot", at.Sub(t0), ok, inSlot, n)
					}
				case SlidingCounter:
					if ok && inSlot >= n {
						t.Fatalf("sliding counter at +%v admitted a request beyond %d in one slot", at.Sub(t0), n)
					}
				}
				if ok {
					admitted = append(admitted, at)
				}
			}
			if exceeded(l, admitted) {
				t.Fatalf("%s: replaying its own admissions reports the limit exceeded", alg)
			}
			if alg == SlidingLog {
				if m := MaxInWindow(admitted, w); m > n {
					t.Fatalf("sliding log admitted %d in one window; limit %d", m, n)
				}
			}
			if alg == TokenBucket { // at most burst + elapsed/interval in any span
				interval := w / time.Duration(n)
				for i := range admitted {
					for j := i; j < len(admitted); j++ {
						if j-i+1 > n+int(admitted[j].Sub(admitted[i])/interval) {
							t.Fatalf("token bucket admitted %d in %v", j-i+1, admitted[j].Sub(admitted[i]))
						}
					}
				}
			}
		}
	})
}

// TestConcurrentAdmission hammers one token from many goroutines with the
// real clock and checks the ground truth: nothing over the limit, every
// request accounted for.
func TestConcurrentAdmission(t *testing.T) {
	for _, alg := range []Algorithm{FixedWindow, SlidingLog, SlidingCounter, TokenBucket} {
		t.Run(string(alg), func(t *testing.T) {
			s := New(WithLimits(
				Limit{Algorithm: alg, Requests: 5, Window: 20 * time.Millisecond},
				Limit{Algorithm: alg, Requests: 2, Window: 20 * time.Millisecond, Group: GroupLogs},
			))
			ts := s.tokens[s.Token()]
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					groups := inRead
					if g%2 == 0 {
						groups |= inLogs
					}
					for range 200 {
						ts.decide(time.Now(), groups, nil)
					}
				}()
			}
			wg.Wait()
			st := s.Stats(s.Token())
			if st.Exceeded {
				t.Errorf("Stats = %+v; a bucket was exceeded", st)
			}
			if st.Admitted+st.Throttled != 1600 {
				t.Errorf("admitted %d + throttled %d != 1600 requests", st.Admitted, st.Throttled)
			}
			if got := len(s.Admissions(s.Token())); got != st.Admitted {
				t.Errorf("Admissions has %d entries; Stats says %d admitted", got, st.Admitted)
			}
		})
	}
}
