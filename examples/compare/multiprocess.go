package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/ratelimit/redisstore"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// The multi-process scenario: P OS processes (this program re-executed as a
// child) share ONE token, first each with its own in-memory budget, then
// with one budget in Redis (-redis, or an in-process miniredis the children
// reach over loopback).
const (
	childEnv      = "VESSL_COMPARE_CHILD" // set: run as a child, see runChild
	childURL      = "VESSL_COMPARE_URL"
	childToken    = "VESSL_COMPARE_TOKEN"
	childN        = "VESSL_COMPARE_N"
	childK        = "VESSL_COMPARE_K"
	childRedisURL = "VESSL_COMPARE_REDIS" // "" = private in-memory budget
	childPrefix   = "VESSL_COMPARE_PREFIX"

	multiProcessScenario = "multi-process/sliding-log" // its name in the table (and for -only)
)

// runMultiProcess runs w.N requests split over procs processes with w.K
// workers each, on one token, with private budgets and with a shared one.
func runMultiProcess(ctx context.Context, w workload, procs int, redisURL string) ([]row, error) {
	if redisURL == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, err
		}
		defer mr.Close()
		redisURL = "redis://" + mr.Addr() + "/0"
	}
	limit := testserver.Limit{Algorithm: testserver.SlidingLog, Requests: w.L, Window: w.W}
	headers := testserver.HeaderStyle{XRateLimit: true, Reset: testserver.ResetDelta, RetryAfter: true}
	var rows []row
	for _, shared := range []bool{false, true} {
		srv := testserver.Start(testserver.WithLimits(limit), testserver.WithHeaders(headers))
		name, store := fmt.Sprintf("vessl-go, %d processes, private budgets", procs), ""
		if shared {
			name, store = fmt.Sprintf("vessl-go, %d processes, shared Redis budget", procs), redisURL
		}
		start, sstart := time.Now(), srv.Now()
		ok, err := startChildren(ctx, procs, []string{
			childURL + "=" + srv.URL + "/api/v1/organizations/" + srv.Organization() + "/projects/" + srv.Project(),
			childToken + "=" + srv.Token(),
			childK + "=" + strconv.Itoa(w.K),
			childRedisURL + "=" + store,
			childPrefix + "=" + fmt.Sprintf("compare-%d:", time.Now().UnixNano()),
		}, w.N)
		elapsed := time.Since(start)
		st := srv.Stats(srv.Token())
		srv.Close()
		if err != nil {
			return rows, err
		}
		tmin := limit.MinDuration(ok, sstart)
		r := row{
			Scenario: multiProcessScenario, Client: name, N: w.N,
			Requests: st.Requests, OK: ok, HTTP429: st.Throttled,
			ElapsedS: elapsed.Seconds(), TMinS: tmin.Seconds(), Exceeded: st.Exceeded,
		}
		if elapsed > 0 {
			r.Efficiency = tmin.Seconds() / elapsed.Seconds()
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// startChildren runs procs children that share n requests and returns how
// many succeeded.
func startChildren(ctx context.Context, procs int, env []string, n int) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	var (
		ok    atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for i := range procs {
		share := n / procs
		if i < n%procs {
			share++
		}
		cmd := exec.CommandContext(ctx, exe)
		cmd.Env = append(append(os.Environ(), env...), childEnv+"=1", childN+"="+strconv.Itoa(share))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		wg.Go(func() {
			var res struct{ OK int }
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				_ = json.Unmarshal(sc.Bytes(), &res)
			}
			err := cmd.Wait()
			ok.Add(int64(res.OK))
			if err != nil {
				mu.Lock()
				first = firstErr(first, fmt.Errorf("compare: child %d: %w", i, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return int(ok.Load()), first
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// runChild is a child process: it sends its share of the requests through
// vessl-go's transport, on a private or a Redis budget, and prints
// {"OK": n} on stdout.
func runChild(ctx context.Context) error {
	n, _ := strconv.Atoi(os.Getenv(childN))
	k, _ := strconv.Atoi(os.Getenv(childK))
	var opts []ratelimit.Option
	if url := os.Getenv(childRedisURL); url != "" {
		// A patient timeout: the scenario measures the shared budget, and
		// on a loaded machine a slow call would otherwise send this child
		// to its local fallback budget (redisstore's degraded mode).
		store, err := redisstore.Dial(url, redisstore.WithPrefix(os.Getenv(childPrefix)),
			redisstore.WithTimeout(5*time.Second))
		if err != nil {
			return err
		}
		opts = append(opts, ratelimit.WithStore(store))
	}
	lim := ratelimit.NewLimiter(opts...)
	defer lim.Close()
	tr := transport.New(transport.WithLimiter(lim))
	defer tr.Close()
	hc := &http.Client{Transport: tr}
	url, token := os.Getenv(childURL), os.Getenv(childToken)
	var next, ok atomic.Int64
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					return
				}
				req.Header.Set("Authorization", "Token "+token)
				resp, err := hc.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return json.NewEncoder(os.Stdout).Encode(struct{ OK int }{int(ok.Load())})
}
