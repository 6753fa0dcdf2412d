package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

// scenario is one server configuration every peer runs against.
type scenario struct {
	name    string
	limit   testserver.Limit
	headers testserver.HeaderStyle
}

// workload is what every peer does in every scenario.
type workload struct {
	N, K   int           // requests, concurrent workers
	L      int           // limit: L requests ...
	W      time.Duration // ... per window W
	Matrix bool          // every algorithm × every header format
}

var (
	algorithms = []testserver.Algorithm{testserver.FixedWindow, testserver.SlidingLog, testserver.SlidingCounter, testserver.TokenBucket}
	// headerFormats: X-RateLimit-* with each reset format, or the IETF
	// fields alone; Retry-After on every 429, as most servers send it.
	headerFormats = []struct {
		name string
		h    testserver.HeaderStyle
	}{
		{"delta", testserver.HeaderStyle{XRateLimit: true, Reset: testserver.ResetDelta, RetryAfter: true}},
		{"epoch", testserver.HeaderStyle{XRateLimit: true, Reset: testserver.ResetEpoch, RetryAfter: true}},
		{"epoch-ms", testserver.HeaderStyle{XRateLimit: true, Reset: testserver.ResetEpochMillis, RetryAfter: true}},
		{"ietf", testserver.HeaderStyle{IETF: true, RetryAfter: true}},
	}
)

// scenarios returns the scenario table: every algorithm with the VESSL
// header format (delta reset), and the sliding log (VESSL's documented
// semantics) with every other format; with Matrix, the full cross product.
func scenarios(w workload) []scenario {
	var out []scenario
	for _, alg := range algorithms {
		for i, hf := range headerFormats {
			if !w.Matrix && i > 0 && alg != testserver.SlidingLog {
				continue
			}
			out = append(out, scenario{
				name:    fmt.Sprintf("%s/%s", alg, hf.name),
				limit:   testserver.Limit{Algorithm: alg, Requests: w.L, Window: w.W},
				headers: hf.h,
			})
		}
	}
	return out
}

// row is one line of the result table.
type row struct {
	Scenario   string  `json:"scenario"`
	Client     string  `json:"client"`
	N          int     `json:"n"`
	Requests   int     `json:"requests"` // sent, as the server counted them
	OK         int     `json:"ok"`
	HTTP429    int     `json:"http_429"`
	ElapsedS   float64 `json:"elapsed_s"`
	TMinS      float64 `json:"t_min_s"`
	Efficiency float64 `json:"efficiency"`
	Exceeded   bool    `json:"exceeded"` // ground truth: the client broke the limit
}

// runResult is what one peer did in one scenario.
type runResult struct {
	row
	token      string
	start      time.Time // server clock at the start
	admissions []time.Time
}

// runScenario runs every peer against one server, each with its own token
// (and so its own buckets with identical limits), concurrently or one
// after the other.
func runScenario(ctx context.Context, sc scenario, w workload, ps []peer, sequential bool) []runResult {
	opts := []testserver.Option{testserver.WithLimits(sc.limit), testserver.WithHeaders(sc.headers)}
	tokens := make([]string, len(ps))
	for i := range ps {
		tokens[i] = fmt.Sprintf("token-%d", i)
		opts = append(opts, testserver.WithToken(tokens[i]))
	}
	srv := testserver.Start(opts...)
	defer srv.Close()

	res := make([]runResult, len(ps))
	one := func(i int) { res[i] = runPeer(ctx, srv, sc, w, ps[i], tokens[i]) }
	if sequential {
		for i := range ps {
			one(i)
		}
		return res
	}
	var wg sync.WaitGroup
	for i := range ps {
		wg.Go(func() { one(i) })
	}
	wg.Wait()
	return res
}

// runPeer sends w.N requests with w.K workers through one peer.
func runPeer(ctx context.Context, srv *testserver.Server, sc scenario, w workload, p peer, token string) runResult {
	url := srv.URL + "/api/v1/organizations/" + srv.Organization() + "/projects/" + srv.Project()

	// A client that never finishes must not hold the table up forever.
	tmin := sc.limit.MinDuration(w.N, srv.Now())
	ctx, cancel := context.WithTimeout(ctx, 3*tmin+30*time.Second)
	defer cancel()

	start, sstart := time.Now(), srv.Now()
	var ok atomic.Int64
	if p.runAll != nil {
		ok.Store(int64(p.runAll(ctx, url, token, sc.limit, w)))
	} else {
		call, closeFn := p.newCall(sc.limit)
		defer closeFn()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range w.K {
			wg.Go(func() {
				for next.Add(1) <= int64(w.N) {
					if call(ctx, url, token) == nil {
						ok.Add(1)
					}
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)

	// Efficiency counts the work done: a client that gave up on requests is
	// measured against the minimum time for those that succeeded.
	tmin = sc.limit.MinDuration(int(ok.Load()), sstart)
	st := srv.Stats(token)
	r := runResult{
		row: row{
			Scenario: sc.name, Client: p.name, N: w.N,
			Requests: st.Requests, OK: int(ok.Load()), HTTP429: st.Throttled,
			ElapsedS: elapsed.Seconds(), TMinS: tmin.Seconds(), Exceeded: st.Exceeded,
		},
		token: token, start: sstart, admissions: srv.Admissions(token),
	}
	if elapsed > 0 {
		r.Efficiency = tmin.Seconds() / elapsed.Seconds()
	}
	return r
}
