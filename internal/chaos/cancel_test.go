package chaos

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// Every blocking call of the client returns promptly once its context is
// cancelled and gives back what it reserved: a poll loop (Experiments.Wait,
// Runs.Wait), an iterator, a call waiting on the rate-limit budget, a call
// whose server is slow to answer, and Budget.Acquire itself. goleak
// (TestMain) then checks that nothing they started lives on.

// promptly bounds how long a call may take to return after its cancel, on a
// loaded 2-core CI machine with the race detector.
const promptly = 2 * time.Second

// cancelled runs call with a context cancelled after d and checks that it
// returns within promptly of the cancel, with an error matching
// context.Canceled.
func cancelled(t *testing.T, name string, d time.Duration, call func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stop := time.AfterFunc(d, cancel)
	defer stop.Stop()
	start := time.Now()
	err := call(ctx)
	if late := time.Since(start) - d; late > promptly {
		t.Errorf("%s returned %v after its cancel; want within %v", name, late, promptly)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%s error %v; want one matching context.Canceled", name, err)
	}
}

func checkBudgetIdle(t *testing.T, name string, b *ratelimit.Budget) {
	t.Helper()
	if s := b.Snapshot(); s.InFlight != 0 || s.Waiters != 0 {
		t.Errorf("%s: budget afterwards: %d in flight, %d waiting; want 0, 0", name, s.InFlight, s.Waiters)
	}
}

// TestBlockingCallsReturnOnCancel covers the client's blocking calls.
func TestBlockingCallsReturnOnCancel(t *testing.T) {
	srv := testserver.NewTest(t,
		testserver.WithDefaultToken(secretToken),
		testserver.WithRunDuration(time.Hour),
		testserver.WithSeedData(testserver.SeedData{Experiments: 250}))
	c := newClient(t, srv.URL, vessl.WithOrganization(srv.Organization()), vessl.WithProject(srv.Project()))
	ctx := t.Context()
	exp, _, err := c.Experiments.Create(ctx, "", "", &vessl.ExperimentCreateRequest{StartCommand: "sleep 3600"})
	if err != nil {
		t.Fatal(err)
	}

	cancelled(t, "Experiments.Wait", 300*time.Millisecond, func(ctx context.Context) error {
		_, _, err := c.Experiments.Wait(ctx, "", "", exp.Number, &vessl.WaitOptions{PollInterval: 50 * time.Millisecond})
		return err
	})
	checkBudgetIdle(t, "Experiments.Wait", c.Budget())

	// An iterator over 250+ experiments, one per page, on a server that
	// takes a second per answer: the cancel lands in a request.
	srv.SetFaults(testserver.Faults{Latency: time.Second})
	cancelled(t, "Experiments.ListIter", 300*time.Millisecond, func(ctx context.Context) error {
		n := 0
		for _, err := range c.Experiments.ListIter(ctx, "", "", &vessl.ExperimentListOptions{ListOptions: vessl.ListOptions{Limit: 1}}) {
			if err != nil {
				return err
			}
			n++
		}
		return errors.New("the iteration ended without an error")
	})
	srv.SetFaults(testserver.Faults{})
	checkBudgetIdle(t, "Experiments.ListIter", c.Budget())

	// A run's Wait, cancelled before its first poll returns.
	srv.SetFaults(testserver.Faults{Latency: 10 * time.Second})
	cancelled(t, "Runs.Wait on a slow server", 100*time.Millisecond, func(ctx context.Context) error {
		_, _, err := c.Runs.Wait(ctx, "", "", 1, nil)
		return err
	})
	srv.SetFaults(testserver.Faults{})
	checkBudgetIdle(t, "Runs.Wait", c.Budget())
}

// TestBudgetWaitReturnsOnCancel: calls queued on a budget the server has
// emptied for an hour (no maximum wait: only the context bounds them)
// return at the cancel, and the budget is left with nothing in flight and
// nobody waiting; so does Budget.Acquire called directly.
func TestBudgetWaitReturnsOnCancel(t *testing.T) {
	srv := testserver.NewTest(t,
		testserver.WithDefaultToken(secretToken),
		testserver.WithLimits(testserver.Limit{Algorithm: testserver.FixedWindow, Requests: 2, Window: time.Hour}))
	waiting := make(chan struct{}, 64)
	c := newClient(t, srv.URL, vessl.WithOrganization(srv.Organization()), vessl.WithProject(srv.Project()),
		vessl.WithMaxWait(0), vessl.WithTransportOptions(transport.WithWaitHook(func(e transport.WaitEvent) {
			if e.Reason == transport.WaitBudget {
				waiting <- struct{}{}
			}
		})))
	ctx := t.Context()
	for range 2 {
		if _, _, err := c.Accounts.Me(ctx); err != nil {
			t.Fatal(err)
		}
	}
	const n = 6
	errs := make(chan error, n)
	cctx, cancel := context.WithCancel(ctx)
	for range n {
		go func() {
			_, _, err := c.Accounts.Me(cctx)
			errs <- err
		}()
	}
	// The transport announces each budget wait just before it starts;
	// then give the waiters the moment they need to queue.
	for range n {
		<-waiting
	}
	for deadline := time.Now().Add(10 * time.Second); c.Budget().Snapshot().Waiters < n && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	if w := c.Budget().Snapshot().Waiters; w != n {
		t.Errorf("%d calls waiting on the budget; want %d", w, n)
	}
	start := time.Now()
	cancel()
	for range n {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("a waiting call returned %v; want one matching context.Canceled", err)
		}
	}
	if el := time.Since(start); el > promptly {
		t.Errorf("the waiting calls returned %v after the cancel; want within %v", el, promptly)
	}
	checkBudgetIdle(t, "queued calls", c.Budget())

	cancelled(t, "Budget.Acquire", 100*time.Millisecond, func(ctx context.Context) error {
		tk, err := c.Budget().Acquire(ctx)
		if err == nil {
			c.Budget().Cancel(tk)
		}
		return err
	})
	checkBudgetIdle(t, "Budget.Acquire", c.Budget())
	if st := srv.Stats(secretToken); st.Requests != 2 || st.Exceeded {
		t.Errorf("server saw %d requests (exceeded %v); want 2, false", st.Requests, st.Exceeded)
	}
}
