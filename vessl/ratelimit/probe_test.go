package ratelimit

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// acquireAll starts n goroutines acquiring from b; admitted tickets go to
// the returned channel.
func acquireAll(t *testing.T, b *Budget, n int) (<-chan Ticket, *sync.WaitGroup) {
	t.Helper()
	ch := make(chan Ticket, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := b.Acquire(context.Background())
			if err != nil {
				if err != ErrClosed {
					t.Error(err)
				}
				return
			}
			ch <- tk
		}()
	}
	return ch, &wg
}

func TestBudgetColdStartOneInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestLimiter(t).Budget("s")
		admitted, wg := acquireAll(t, b, 64)
		synctest.Wait()
		if s := b.Snapshot(); s.InFlight != 1 || s.Waiters != 63 {
			t.Fatalf("cold start: %d in flight, %d waiting; want 1, 63", s.InFlight, s.Waiters)
		}
		first := <-admitted
		now := time.Now()
		b.Report(first, Observation{At: now, Status: 200, Limit: 1000, Remaining: 999, HasRemaining: true, Reset: now.Add(time.Hour)})
		synctest.Wait()
		// 999 left over an hour: all 63 go at once (they would with a
		// burst of a tenth of the quota, 100, too).
		if s := b.Snapshot(); s.InFlight != 63 || s.Waiters != 0 {
			t.Errorf("after the first answer: %d in flight, %d waiting; want 63, 0", s.InFlight, s.Waiters)
		}
		wg.Wait()
		for range 63 {
			b.Report(<-admitted, Observation{})
		}
	})
}

func TestBudgetOneProbeAtReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// WithBurst(0.1): after the probe, a tenth of the quota goes at
		// once and the rest is paced (the default would send all of it).
		l := newTestLimiter(t, WithJitter(0.1), WithBurst(0.1))
		b := l.Budget("s")
		setState(t, b, 0, time.Second) // nothing left for a second
		admitted, wg := acquireAll(t, b, 20)
		<-time.After(1100 * time.Millisecond) // past the reset and its spread
		synctest.Wait()
		if s := b.Snapshot(); s.InFlight != 1 || s.Waiters != 19 {
			t.Fatalf("at the reset: %d in flight, %d waiting; want 1 probe, 19 waiting", s.InFlight, s.Waiters)
		}
		probe := <-admitted
		// The probe's answer: the quota is not all back (a sliding counter).
		now := time.Now()
		b.Report(probe, Observation{At: now, Status: 200, Limit: 100, Remaining: 12, HasRemaining: true, Reset: now.Add(10 * time.Second)})
		synctest.Wait()
		// A tenth of the quota goes at once (give or take the jitter), the
		// rest of what is left is paced, the others wait for the reset.
		if s := b.Snapshot(); s.InFlight < 9 || s.InFlight > 10 || s.InFlight+s.Waiters != 19 {
			t.Errorf("after the probe: %d in flight, %d waiting; want a burst of about 10", s.InFlight, s.Waiters)
		}
		<-time.After(2 * time.Second)
		if s := b.Snapshot(); s.InFlight != 12 || s.Remaining != 0 {
			t.Errorf("2s after the probe: %d in flight, %d left; want all 12 sent", s.InFlight, s.Remaining)
		}
		seen := map[time.Time]int{}
		for range 12 {
			seen[(<-admitted).Sent()]++
		}
		for at, n := range seen {
			if n > 1 && at.After(now) {
				t.Errorf("%d paced admissions at the same instant +%v", n, at.Sub(now))
			}
		}
		_ = l.Close() // the 7 still waiting for the next reset get ErrClosed
		wg.Wait()
	})
}
