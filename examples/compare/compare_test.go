package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

// TestTinyScenario runs every peer through one small scenario, so the
// comparison code keeps working; it asserts only what must hold whatever
// the timing: every request is accounted for and vessl-go keeps the limit.
func TestTinyScenario(t *testing.T) {
	w := workload{N: 12, K: 3, L: 6, W: 300 * time.Millisecond}
	sc := scenario{
		name:    "token-bucket/delta",
		limit:   testserver.Limit{Algorithm: testserver.TokenBucket, Requests: w.L, Window: w.W},
		headers: testserver.HeaderStyle{XRateLimit: true, RetryAfter: true},
	}
	res := runScenario(t.Context(), sc, w, peers(nil), false)
	if len(res) != 4 {
		t.Fatalf("got %d results; want 4", len(res))
	}
	for _, r := range res {
		if r.Requests < r.OK || r.Requests != len(r.admissions)+r.HTTP429 {
			t.Errorf("%s: requests %d, ok %d, admitted %d, 429s %d: do not add up", r.Client, r.Requests, r.OK, len(r.admissions), r.HTTP429)
		}
		if r.ElapsedS <= 0 || r.Efficiency < 0 {
			t.Errorf("%s: elapsed %v, efficiency %v", r.Client, r.ElapsedS, r.Efficiency)
		}
	}
	v := res[3]
	if !strings.HasPrefix(v.Client, "vessl") || v.OK != w.N || v.Exceeded {
		t.Errorf("vessl-go row %+v; want all %d ok and the limit kept", v.row, w.N)
	}
	if o := res[2]; !strings.Contains(o.Client, "oracle") {
		t.Errorf("third client %q is not the oracle", o.Client)
	}
}

// TestRunJSONAndPlot runs the command with tiny settings and checks the JSON
// rows and that the chart is written.
func TestRunJSONAndPlot(t *testing.T) {
	png := filepath.Join(t.TempDir(), "chart.png")
	var stdout, stderr bytes.Buffer
	args := []string{"-n", "6", "-k", "2", "-limit", "6", "-window", "300ms", "-only", "token-bucket", "-json", "-plot", png, "-plot-scenario", "token-bucket/delta", "-q"}
	if err := run(t.Context(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(&stdout)
	n := 0
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("row %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"scenario", "client", "requests", "ok", "http_429", "elapsed_s", "efficiency"} {
			if _, ok := m[k]; !ok {
				t.Errorf("row %q lacks %q", sc.Text(), k)
			}
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d JSON rows; want 4", n)
	}
	if fi, err := os.Stat(png); err != nil || fi.Size() == 0 {
		t.Errorf("plot not written: %v", err)
	}
}

func TestScenarioTable(t *testing.T) {
	w := workload{N: 1, K: 1, L: 1, W: time.Second}
	if n := len(scenarios(w)); n != 7 {
		t.Errorf("default scenarios = %d; want 7", n)
	}
	w.Matrix = true
	if n := len(scenarios(w)); n != 16 {
		t.Errorf("matrix scenarios = %d; want 16", n)
	}
}
