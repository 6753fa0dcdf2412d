package redisstore

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

// Environment of the integration test.
const (
	// EnvRedisURL names a real redis-server for the integration test and
	// the redis-server benchmark; .ci/run starts one and sets it.
	envRedisURL = "VESSL_TEST_REDIS_URL"

	// The helper process's settings.
	envHelper  = "VESSL_REDISSTORE_HELPER"
	envServer  = "VESSL_REDISSTORE_SERVER"
	envToken   = "VESSL_REDISSTORE_TOKEN"
	envPrefix  = "VESSL_REDISSTORE_PREFIX"
	envItems   = "VESSL_REDISSTORE_ITEMS"
	envWorkers = "VESSL_REDISSTORE_WORKERS"
)

// TestProcessesShareBudget starts several OS processes (this test binary,
// re-executed as TestHelperProcess) that share one token against a fake
// VESSL server run by this process, and one budget through a real Redis.
// The server only observes: its ground truth says whether the processes
// together ever broke the limit.
func TestProcessesShareBudget(t *testing.T) {
	url := os.Getenv(envRedisURL)
	if url == "" {
		t.Skipf("no real Redis: set %s=redis://127.0.0.1:6390/0 to a redis-server (.ci/run starts one)", envRedisURL)
	}
	const (
		procs, workers, items = 3, 8, 40
		quota                 = 30
		window                = time.Second
	)
	limit := testserver.Limit{Algorithm: testserver.SlidingLog, Requests: quota, Window: window, Observe: true}
	srv := testserver.NewTest(t, testserver.WithLimits(limit))
	prefix := fmt.Sprintf("vessl-test-%d:", time.Now().UnixNano()) // a budget of its own

	type result struct {
		ok    int
		stats string
		err   error
	}
	results := make([]result, procs)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			envHelper+"=1",
			envServer+"="+srv.URL+"/api/v1/organizations/"+srv.Organization()+"/projects",
			envToken+"="+srv.Token(),
			envPrefix+"="+prefix,
			envItems+"="+strconv.Itoa(items),
			envWorkers+"="+strconv.Itoa(workers))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if line, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok {
					ok, stats, _ := strings.Cut(line, " ")
					r.ok, _ = strconv.Atoi(ok)
					r.stats = stats
				}
			}
			if err := cmd.Wait(); err != nil {
				r.err = err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	st := srv.Stats(srv.Token())
	t.Logf("%d processes x %d items, %d workers each, %v: %v (T_min %v); server: %d admitted, max %d in a sliding %v, exceeded %v",
		procs, items, workers, limit, elapsed.Round(time.Millisecond), limit.MinDuration(procs*items, start).Round(time.Millisecond),
		st.Admitted, st.MaxInWindow, window, st.Exceeded)
	for i, r := range results {
		t.Logf("process %d: %d items ok, store %s", i, r.ok, r.stats)
		if r.err != nil || r.ok != items {
			t.Errorf("process %d: %d of %d items succeeded (exit: %v)", i, r.ok, items, r.err)
		}
	}
	if st.Exceeded {
		t.Errorf("server limit exceeded: max %d in a sliding %v; quota %d", st.MaxInWindow, window, quota)
	}
	if st.Admitted != procs*items {
		t.Errorf("server admitted %d; want %d", st.Admitted, procs*items)
	}
}

// TestHelperProcess is one process of TestProcessesShareBudget; it does
// nothing unless started by it.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("a helper process of TestProcessesShareBudget")
	}
	items, _ := strconv.Atoi(os.Getenv(envItems))
	workers, _ := strconv.Atoi(os.Getenv(envWorkers))
	s, err := Dial(os.Getenv(envRedisURL), WithPrefix(os.Getenv(envPrefix)), WithFailFast(), WithTimeout(patient))
	if err != nil {
		t.Fatal(err)
	}
	m := newMember(s)
	ok, err := runItems(m.client, os.Getenv(envServer), os.Getenv(envToken), items, workers, nil)
	if cerr := m.close(); cerr != nil {
		t.Error(cerr)
	}
	st := s.Stats()
	fmt.Printf("RESULT %d calls=%d,errors=%d,fallbacks=%d\n", ok, st.Calls, st.Errors, st.Fallbacks)
	if err != nil {
		t.Error(err)
	}
}
