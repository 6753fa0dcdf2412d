package vessl_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
)

// TestBatchAgainstTestserver runs a small batch (reads, creates and waits)
// from several goroutines sharing one client against a rate-limited fake
// server, and checks the server's ground truth: the limit was never broken,
// no write was applied twice, and every item succeeded.
func TestBatchAgainstTestserver(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about a second")
	}
	srv := testserver.NewTest(t,
		testserver.WithLimits(testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 20, Window: 250 * time.Millisecond}),
		testserver.WithRunDuration(30*time.Millisecond),
	)
	client, err := vessl.NewClient(
		vessl.WithBaseURL(srv.URL),
		vessl.WithToken(srv.Token()),
		vessl.WithOrganization(srv.Organization()),
		vessl.WithProject(srv.Project()),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clusters, _, err := client.Clusters.List(ctx, "", nil)
	if err != nil || len(clusters) == 0 {
		t.Fatalf("Clusters.List = %v, %v", clusters, err)
	}
	clusterID := clusters[0].ID
	const workers, items = 8, 16
	jobs := make(chan int)
	errs := make(chan error, items)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				errs <- runItem(ctx, client, clusterID, i)
			}
		}()
	}
	for i := range items {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}

	st := srv.Stats(srv.Token())
	if st.Exceeded {
		t.Errorf("server limit exceeded: max %d in a window of 20", st.MaxInWindow)
	}
	if d := srv.Duplicates(); d != 0 {
		t.Errorf("%d writes applied twice", d)
	}
	if w := srv.Writes(); w.Applied != items || w.WithoutID != 0 {
		t.Errorf("writes = %+v; want %d applied, all with a request id", w, items)
	}
	ts := client.Transport().Stats()
	t.Logf("server: %d requests, %d throttled, max %d in a window; client: %+v", st.Requests, st.Throttled, st.MaxInWindow, ts)
	// The budget learns the limit from the first answers; a few 429s
	// while it does are expected, a storm is not.
	if st.Throttled > workers {
		t.Errorf("%d requests throttled; want at most %d", st.Throttled, workers)
	}
}

func runItem(ctx context.Context, c *vessl.Client, clusterID int64, i int) error {
	if _, _, err := c.Accounts.Me(ctx); err != nil {
		return fmt.Errorf("item %d: me: %w", i, err)
	}
	exp, _, err := c.Experiments.Create(ctx, "", "", &vessl.ExperimentCreateRequest{
		ClusterID:    clusterID,
		StartCommand: "python train.py",
		Message:      fmt.Sprintf("item %d", i),
	})
	if err != nil {
		return fmt.Errorf("item %d: create: %w", i, err)
	}
	exp, _, err = c.Experiments.Wait(ctx, "", "", exp.Number, &vessl.WaitOptions{PollInterval: 20 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("item %d: wait: %w", i, err)
	}
	if !exp.Status.Terminal() {
		return fmt.Errorf("item %d: status %s", i, exp.Status)
	}
	return nil
}

// TestIdempotentResume: a create re-sent with the same Idempotency-Key (a
// re-run after a crash) is answered from the server's store, not applied
// again.
func TestIdempotentResume(t *testing.T) {
	srv := testserver.NewTest(t)
	client, err := vessl.NewClient(vessl.WithBaseURL(srv.URL), vessl.WithToken(srv.Token()),
		vessl.WithOrganization(srv.Organization()), vessl.WithProject(srv.Project()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	clusters, _, err := client.Clusters.List(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := vessl.ContextWithIdempotencyKey(context.Background(), "sweep-1/item-7")
	var numbers []int64
	for range 2 {
		exp, _, err := client.Experiments.Create(ctx, "", "", &vessl.ExperimentCreateRequest{ClusterID: clusters[0].ID, StartCommand: "train"})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, exp.Number)
	}
	if numbers[0] != numbers[1] {
		t.Errorf("experiment numbers = %v; want the same experiment twice", numbers)
	}
	if w := srv.Writes(); w.Applied != 1 || w.Replayed != 1 {
		t.Errorf("server writes = %+v; want 1 applied, 1 replayed", w)
	}
}
