package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
)

// TestRedisSharesTheBudget runs two batches at once on one token, each with
// its own client, both pointed at one Redis with -redis: together they must
// keep the server's limit without drawing a single 429, and finish every
// item.
func TestRedisSharesTheBudget(t *testing.T) {
	srv := newServer(t)
	mr := miniredis.RunT(t)
	url := "redis://" + mr.Addr() + "/0"

	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, sweep := range []string{"sweep-a", "sweep-b"} {
		wg.Go(func() {
			results[i] = runCmd(t, t.Context(), "-base-url", srv.URL, "-redis", url, "-sweep", sweep, "-n", "10", "-concurrency", "4")
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.code != exitOK || r.summary.OK != 10 {
			t.Errorf("batch %d: exit %d, summary %+v; want 0 and 10 ok\n%s", i, r.code, r.summary, r.stderr)
		}
		if r.summary.HTTP429 != 0 {
			t.Errorf("batch %d: %d 429s; want 0 with a shared budget", i, r.summary.HTTP429)
		}
	}
	checkGroundTruth(t, srv)
}

func TestRedisBadURL(t *testing.T) {
	newServer(t)
	var stdout, stderr bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr}
	r := run(t.Context(), []string{"-redis", "mysql://nope", "-n", "1", "-progress", "off"}, e)
	if r != exitUsage || !strings.Contains(stderr.String(), "-redis") {
		t.Errorf("exit = %d, stderr %q; want %d (usage) naming -redis", r, stderr.String(), exitUsage)
	}
}
