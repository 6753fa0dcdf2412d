package chaos

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// Chaos parameters (issue 8).
const (
	chaosItems   = 1000
	chaosWorkers = 64
	// chaosDeadline bounds the whole run: when it passes, every call
	// returns with the context's error and the items in flight fail with
	// it. The run is expected to end long before.
	chaosDeadline = 120 * time.Second
)

// chaosFaults is the background every phase adds to: 5 % of admitted
// requests answered 502/503/504 (504 after the write was applied), 2 % of
// connections cut mid-body after the write was applied, a server clock 7
// minutes ahead of ours (the Date header and the epoch resets move with it),
// and a little latency.
var chaosFaults = testserver.Faults{
	ServerErrors: 0.05,
	ConnReset:    0.02,
	ClockOffset:  7*time.Minute + 13*time.Second,
	Jitter:       3 * time.Millisecond,
}

// chaosPhases is the fault schedule, cycled: calm, a 429 storm whose
// headers lie (every other request refused although X-RateLimit-Remaining
// says there is room), calm, a latency spike, calm. Each 429 rightly stops
// the budget for its Retry-After (at least a second), so storms are short
// and spaced out to keep the run's wall time reasonable.
var chaosPhases = []struct {
	name  string
	d     time.Duration
	apply func(*testserver.Faults)
}{
	{"calm", 300 * time.Millisecond, func(*testserver.Faults) {}},
	{"429 storm", 1500 * time.Millisecond, func(f *testserver.Faults) { f.SpuriousThrottle = 0.5 }},
	{"calm", time.Second, func(*testserver.Faults) {}},
	{"latency spike", 400 * time.Millisecond, func(f *testserver.Faults) { f.Latency, f.Jitter = 80*time.Millisecond, 120*time.Millisecond }},
	{"calm", 700 * time.Millisecond, func(*testserver.Faults) {}},
}

// TestChaos runs the batch workload over 1,000 items against a server that
// misbehaves in every way Faults offers, and checks the promises against the
// server's ground truth: every item succeeded or failed with its cause, no
// write was applied twice (by request id, and no item has two experiments),
// the server's limit was never exceeded, and the run ended within its
// deadline without leaving a reservation or a waiter behind.
//
// The workload repeats a call that failed with a transient error (up to 4
// attempts), as a batch job should; TestChaosSDKOnly runs without that.
//
//	go test -race -run TestChaos -v ./internal/chaos
func TestChaos(t *testing.T) {
	n := chaosItems
	if testing.Short() {
		n = 200
	}
	r := runChaos(t, n, 4, chaosFaults)
	// Failures are the exception: the faults are retried, the items the
	// server fails on purpose (1 %) are not.
	if failed := n - r.ok; failed > n/20 {
		t.Errorf("%d of %d items failed; want at most %d", failed, n, n/20)
	}
	// A run this long meets several storms (a shorter one may fall into
	// a pause of the budget and miss them).
	if r.spurious == 0 || r.throttled == 0 {
		t.Errorf("the 429 storms were not met: %d spurious 429s sent, %d 429s seen", r.spurious, r.throttled)
	}
}

// TestChaosSDKOnly is TestChaos over fewer items with a workload that
// never repeats a call itself: what the SDK does not absorb (a body cut
// after the server applied the write, say) must fail the item with its
// cause, never lose it or apply a write twice.
func TestChaosSDKOnly(t *testing.T) {
	runChaos(t, 300, 1, chaosFaults)
}

// TestChaosGarbledHeaders adds broken rate-limit headers to the faults:
// 2 % of responses with one header garbled (non-numeric, negative, a reset
// twenty digits long) and HTML pages for 429s and 5xx. A garbled header
// must not stop the budget: a reset clamped to a day once stretched the
// learned window to a day and failed half the items with ErrMaxWait.
// (Responses without any header are left out: a probe answered without
// them may let one request too many through, a documented limit of
// package ratelimit.)
func TestChaosGarbledHeaders(t *testing.T) {
	f := chaosFaults
	f.MalformedHeaders, f.HTMLErrors = 0.02, true
	n := 200
	if r := runChaos(t, n, 4, f); n-r.ok > n/20 {
		t.Errorf("%d of %d items failed; want at most %d", n-r.ok, n, n/20)
	}
}

// chaosResult is what a chaos run counted.
type chaosResult struct {
	ok        int   // items that succeeded
	spurious  int   // 429s the server sent although it had room
	throttled int64 // 429s the client received
}

// runChaos runs n items through the workload against a server with the
// given background faults (and the phases of chaosPhases on top), tries
// attempts per call, and checks every promise.
func runChaos(t *testing.T, n, tries int, faults testserver.Faults) chaosResult {
	// Observe: the server counts and sends headers but never refuses, so
	// its ground truth tells whether the client kept to the limit on its
	// own (in enforcing mode the server would hide an overrun behind 429s).
	limit := testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 600, Window: time.Second, Observe: true}
	srv := testserver.NewTest(t,
		testserver.WithLimits(limit),
		testserver.WithHeaders(testserver.HeaderStyle{XRateLimit: true, Reset: testserver.ResetEpoch, RetryAfter: true}),
		testserver.WithRunDuration(40*time.Millisecond),
		testserver.WithFailureShare(0.01),
		testserver.WithSeed(8),
		testserver.WithFaults(faults),
	)

	var retryEvents, waitEvents atomic.Int64
	var waitMu sync.Mutex
	waitBy := map[transport.WaitReason]time.Duration{}
	client, err := vessl.NewClient(
		vessl.WithToken(srv.Token()),
		vessl.WithBaseURL(srv.URL),
		vessl.WithOrganization(srv.Organization()),
		vessl.WithProject(srv.Project()),
		vessl.WithMaxWait(20*time.Second),
		vessl.WithTransportOptions(
			transport.WithBackoff(5*time.Millisecond, 200*time.Millisecond),
			transport.WithRetryHook(func(transport.RetryEvent) { retryEvents.Add(1) }),
			transport.WithWaitHook(func(e transport.WaitEvent) {
				waitEvents.Add(1)
				waitMu.Lock()
				waitBy[e.Reason] += e.Duration
				waitMu.Unlock()
			}),
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(t.Context(), chaosDeadline)
	defer cancel()
	stopSchedule := runSchedule(srv, faults)

	w := &workload{client: client, sweep: "chaos", poll: 20 * time.Millisecond, tries: tries}
	start := time.Now()
	done := make(chan []outcome, 1)
	go func() { done <- w.run(ctx, n, chaosWorkers) }()
	var out []outcome
	select {
	case out = <-done:
	case <-time.After(chaosDeadline + 15*time.Second):
		// Every call is bounded by ctx: not returning well after its
		// deadline is a hang. goleak's report will name the goroutines.
		stopSchedule()
		t.Fatalf("the workload did not return %v after its deadline", 15*time.Second)
	}
	elapsed := time.Since(start)
	phases := stopSchedule()
	runErr := ctx.Err()
	srv.SetFaults(testserver.Faults{})

	// Tally.
	ok, lost := 0, 0
	causes, retriedCauses := map[string]int{}, map[string]int{}
	retried := 0
	for _, o := range out {
		retried += o.Retries
		for _, c := range o.Retried {
			retriedCauses[c]++
		}
		switch {
		case o.OK:
			ok++
		case o.Stage != "" && o.Cause != "":
			causes[causeClass(o)]++
		default:
			lost++
			t.Errorf("item %s lost: neither succeeded nor failed with a cause: %+v", o.ID, o)
		}
	}
	st := srv.Stats(srv.Token())
	ws := srv.Writes()
	ts := client.Transport().Stats()
	snap := client.Budget().Snapshot()
	t.Logf("chaos: items=%d ok=%d failed=%d lost=%d duplicates=%d elapsed=%v (deadline %v, phases %d)",
		n, ok, n-ok-lost, lost, srv.Duplicates(), elapsed.Round(time.Millisecond), chaosDeadline, phases)
	for _, c := range slices.Sorted(maps.Keys(causes)) {
		t.Logf("chaos: failed %4d × %s", causes[c], c)
	}
	t.Logf("chaos: server %v: requests=%d admitted=%d 429s=%d (spurious %d) max-in-window=%d exceeded=%v; writes applied=%d replayed=%d",
		limit, st.Requests, st.Admitted, st.Throttled, st.Spurious, st.MaxInWindow, st.Exceeded, ws.Applied, ws.Replayed)
	t.Logf("chaos: client requests=%d attempts=%d 429s=%d transport retries=%d (hook %d) waits=%d waited=%v; workload retries=%d",
		ts.Requests, ts.Attempts, ts.Throttled, ts.Retries, retryEvents.Load(), waitEvents.Load(), ts.Waited.Round(time.Millisecond), retried)
	t.Logf("chaos: workload retries by cause: %v", retriedCauses)
	t.Logf("chaos: planned waits by reason: %v", waitBy)

	// The run ended on its own, within its bound.
	if runErr != nil {
		t.Errorf("the run hit its deadline (%v): %v", chaosDeadline, runErr)
	}
	if len(out) != n {
		t.Fatalf("got %d outcomes; want %d", len(out), n)
	}
	// The server's ground truth: never over the limit, no write twice.
	if st.Exceeded {
		t.Errorf("server limit %v exceeded: max %d in a window", limit, st.MaxInWindow)
	}
	if d := srv.Duplicates(); d != 0 {
		t.Errorf("server applied %d writes twice", d)
	}
	for id, c := range srv.WriteCounts() {
		if c != 1 {
			t.Errorf("request %s applied %d times; want 1", id, c)
		}
	}
	if ws.WithoutID != 0 {
		t.Errorf("%d writes carried no request id", ws.WithoutID)
	}
	checkOneExperimentPerItem(t, ctx, client, out)
	// The injected failures were actually met.
	if ts.Retries == 0 {
		t.Error("faults not exercised: no request was retried")
	}
	// Nothing reserved is left behind.
	if snap.InFlight != 0 || snap.Waiters != 0 {
		t.Errorf("budget after the run: %d in flight, %d waiting; want 0, 0", snap.InFlight, snap.Waiters)
	}
	return chaosResult{ok: ok, spurious: st.Spurious, throttled: ts.Throttled}
}

// runSchedule cycles srv through chaosPhases on top of base until the
// returned function is called; that function restores base and returns the
// number of phases run. A 429 storm that no request met (every worker was
// waiting on something else meanwhile, which a loaded machine makes
// likely) is held until one does, for at most maxStormHold more: the run
// is meant to meet its storms, not to be lucky with its timing.
func runSchedule(srv *testserver.Server, base testserver.Faults) (stop func() int) {
	const (
		storm        = "429 storm"
		maxStormHold = 10 * time.Second
		holdStep     = 100 * time.Millisecond
	)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	phases := 0
	wg.Go(func() {
		timer := time.NewTimer(chaosPhases[0].d)
		defer timer.Stop()
		cur, stormFrom, held := 0, 0, time.Duration(0)
		for {
			select {
			case <-quit:
				return
			case <-timer.C:
			}
			if chaosPhases[cur].name == storm && held < maxStormHold &&
				len(srv.Throttles(srv.Token())) == stormFrom {
				held += holdStep
				timer.Reset(holdStep)
				continue
			}
			cur = (cur + 1) % len(chaosPhases)
			p := chaosPhases[cur]
			if p.name == storm {
				stormFrom, held = len(srv.Throttles(srv.Token())), 0
			}
			f := base
			p.apply(&f)
			srv.SetFaults(f)
			phases++
			timer.Reset(p.d)
		}
	})
	var once sync.Once
	return func() int {
		once.Do(func() {
			close(quit)
			wg.Wait()
			srv.SetFaults(base)
		})
		return phases
	}
}

// checkOneExperimentPerItem lists every experiment of the project (with the
// faults switched off) and checks, independently of the server's request-id
// count, that no item got two experiments: each item that succeeded has
// exactly the experiment it recorded, and a failed one at most one.
func checkOneExperimentPerItem(t *testing.T, ctx context.Context, client *vessl.Client, out []outcome) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	byItem := map[string][]int64{}
	for exp, err := range client.Experiments.ListIter(ctx, "", "", &vessl.ExperimentListOptions{ListOptions: vessl.ListOptions{Limit: 200}}) {
		if err != nil {
			t.Errorf("listing experiments: %v", err)
			return
		}
		for _, h := range exp.Hyperparameters {
			if h.Key == "item" && strings.HasPrefix(exp.Message, "chaos ") {
				byItem[h.Value] = append(byItem[h.Value], exp.Number)
			}
		}
	}
	var twice []string
	for _, o := range out {
		nums := byItem[o.ID]
		switch {
		case len(nums) > 1:
			sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
			twice = append(twice, fmt.Sprintf("%s: %v", o.ID, nums))
		case o.OK && (len(nums) != 1 || nums[0] != o.Experiment):
			t.Errorf("item %s succeeded with experiment %d; the server has %v", o.ID, o.Experiment, nums)
		}
	}
	if len(twice) > 0 {
		t.Errorf("%d items have more than one experiment: %v", len(twice), twice)
	}
	if len(byItem) == 0 {
		t.Error("listing found no experiment of the run")
	}
}
