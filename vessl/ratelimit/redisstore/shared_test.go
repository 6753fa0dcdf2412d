package redisstore

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

// TestSharedBudget runs one batch from several members (each with its own
// Redis connection, store, limiter and transport, as separate processes
// would) on one token against a server that only observes: its ground
// truth tells whether the members together ever broke the limit. Then the
// same batch without the shared store, which does.
func TestSharedBudget(t *testing.T) {
	const (
		members, workers, items = 3, 8, 40
		quota                   = 30
		window                  = time.Second
	)
	limit := testserver.Limit{Algorithm: testserver.SlidingLog, Requests: quota, Window: window, Observe: true}
	for _, shared := range []bool{true, false} {
		name := map[bool]string{true: "shared", false: "private"}[shared]
		t.Run(name, func(t *testing.T) {
			if !shared && testing.Short() {
				t.Skip("the private run only shows the contrast")
			}
			mr, _ := newMiniredis(t)
			srv := testserver.NewTest(t, testserver.WithLimits(limit))
			url := fmt.Sprintf("%s/api/v1/organizations/%s/projects", srv.URL, srv.Organization())
			var wg sync.WaitGroup
			oks := make([]int, members)
			errs := make([]error, members)
			stores := make([]*Store, members)
			start := time.Now()
			for i := range members {
				rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true, DialerRetries: 1})
				prefix := "shared:"
				if !shared {
					prefix = fmt.Sprintf("private-%d:", i) // one budget each
				}
				m := newMember(New(rdb, WithPrefix(prefix), WithTimeout(patient)))
				stores[i] = m.store
				wg.Add(1)
				go func() {
					defer wg.Done()
					oks[i], errs[i] = runItems(m.client, url, srv.Token(), items, workers, nil)
					_ = m.close()
					_ = rdb.Close()
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			st := srv.Stats(srv.Token())
			tmin := limit.MinDuration(members*items, start)
			t.Logf("%d members x %d items, %d workers each, %v: %v (T_min %v); server: %d admitted, max %d in a sliding %v, exceeded %v",
				members, items, workers, limit, elapsed.Round(time.Millisecond), tmin.Round(time.Millisecond), st.Admitted, st.MaxInWindow, window, st.Exceeded)
			for i := range members {
				if oks[i] != items {
					t.Errorf("member %d: %d of %d items succeeded (first error: %v)", i, oks[i], items, errs[i])
				}
				if ss := stores[i].Stats(); ss.Errors > 0 {
					// A fallback to the local budget is the degraded mode;
					// this test is about the shared one.
					t.Errorf("member %d: store %+v; want every Redis call to succeed", i, ss)
				}
			}
			if shared && st.Exceeded {
				t.Errorf("server limit exceeded: max %d in a sliding %v; quota %d", st.MaxInWindow, window, quota)
			}
			if !shared && !st.Exceeded {
				t.Logf("private budgets happened not to exceed the limit (max %d)", st.MaxInWindow)
			}
		})
	}
}

// TestSharedBudgetUnderFaults runs the members against a server that
// enforces its limit and misbehaves: latency with jitter, 5xx answers and
// 429s that break the headers' promise. Every item still finishes, and the
// only 429s are (nearly all) the injected ones.
func TestSharedBudgetUnderFaults(t *testing.T) {
	const members, workers, items = 3, 6, 20
	mr, _ := newMiniredis(t)
	srv := testserver.NewTest(t,
		testserver.WithLimits(testserver.Limit{Algorithm: testserver.FixedWindow, Requests: 30, Window: time.Second}),
		testserver.WithFaults(testserver.Faults{Latency: 5 * time.Millisecond, Jitter: 20 * time.Millisecond,
			ServerErrors: 0.05, SpuriousThrottle: 0.05}))
	url := fmt.Sprintf("%s/api/v1/organizations/%s/projects", srv.URL, srv.Organization())
	var wg sync.WaitGroup
	oks := make([]int, members)
	errs := make([]error, members)
	for i := range members {
		s, err := Dial("redis://"+mr.Addr()+"/0", WithFailFast(), WithTimeout(patient))
		if err != nil {
			t.Fatal(err)
		}
		m := newMember(s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			oks[i], errs[i] = runItems(m.client, url, srv.Token(), items, workers, nil)
			_ = m.close()
		}()
	}
	wg.Wait()
	st := srv.Stats(srv.Token())
	t.Logf("server: %d requests, %d admitted, %d throttled (%d injected)", st.Requests, st.Admitted, st.Throttled, st.Spurious)
	for i := range members {
		if oks[i] != items {
			t.Errorf("member %d: %d of %d items succeeded (first error: %v)", i, oks[i], items, errs[i])
		}
	}
	if real := st.Throttled - st.Spurious; real > 3 {
		t.Errorf("%d 429s beyond the injected ones; want at most 3", real)
	}
}

// TestRedisDiesMidBatch closes Redis while the members run, starts it
// again on the same address, then loses its data: every item still
// finishes, the stores fell back to their local budgets and rejoined.
func TestRedisDiesMidBatch(t *testing.T) {
	const members, workers, items = 3, 4, 40
	mr, _ := newMiniredis(t)
	srv := testserver.NewTest(t, testserver.WithLimits(
		testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 40, Window: time.Second}))
	url := fmt.Sprintf("%s/api/v1/organizations/%s/projects", srv.URL, srv.Organization())

	var finished atomic.Int64
	var once1, once2 sync.Once
	events := func() {
		switch n := finished.Add(1); {
		case n >= 20 && n < 60:
			once1.Do(mr.Close)
		case n >= 60:
			once2.Do(func() {
				if err := mr.Restart(); err != nil {
					t.Error(err)
				}
				mr.FlushAll() // and it lost its data: a new epoch
			})
		}
	}
	var wg sync.WaitGroup
	oks := make([]int, members)
	errs := make([]error, members)
	stores := make([]*Store, members)
	for i := range members {
		s, err := Dial("redis://"+mr.Addr()+"/0", WithTimeout(100*time.Millisecond), WithCooldown(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
		m := newMember(s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			oks[i], errs[i] = runItems(m.client, url, srv.Token(), items, workers, events)
			_ = m.close()
		}()
	}
	wg.Wait()
	st := srv.Stats(srv.Token())
	var fallbacks, rejoins, local int64
	for i, s := range stores {
		ss := s.Stats()
		fallbacks += ss.Fallbacks
		rejoins += ss.Rejoins
		local += ss.LocalGrants
		if oks[i] != items {
			t.Errorf("member %d: %d of %d items succeeded (first error: %v)", i, oks[i], items, errs[i])
		}
		t.Logf("member %d: %+v", i, ss)
	}
	t.Logf("server: %d admitted, %d throttled; stores: %d fallbacks, %d rejoins, %d local admissions", st.Admitted, st.Throttled, fallbacks, rejoins, local)
	if fallbacks == 0 || local == 0 {
		t.Errorf("%d fallbacks, %d local admissions; want some while Redis was down", fallbacks, local)
	}
	if rejoins == 0 {
		t.Error("no store rejoined Redis after it came back")
	}
}
