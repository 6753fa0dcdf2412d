package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
)

// newServer starts a fake VESSL API with a tight limit and quick
// experiments, and points the environment's credentials at it.
func newServer(t *testing.T, opts ...testserver.Option) *testserver.Server {
	t.Helper()
	opts = append([]testserver.Option{
		testserver.WithLimits(testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 20, Window: time.Second}),
		testserver.WithRunDuration(50 * time.Millisecond),
	}, opts...)
	srv := testserver.NewTest(t, opts...)
	t.Setenv("HOME", t.TempDir()) // no ~/.vessl/config of the machine
	t.Setenv(vessl.EnvConfigPath, "")
	t.Setenv(vessl.EnvAccessToken, srv.Token())
	t.Setenv(vessl.EnvDefaultOrganization, srv.Organization())
	t.Setenv(vessl.EnvDefaultProject, srv.Project())
	return srv
}

// result is what one run of the command produced.
type result struct {
	code    int
	stdout  string
	stderr  string
	summary summary
}

// runCmd runs the command with args (plus quiet, fast defaults) and parses
// the JSON summary on the last line of stdout.
func runCmd(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append([]string{"-json", "-progress", "off", "-poll", "20ms"}, args...)
	e := env{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr}
	r := result{code: run(ctx, args, e), stdout: stdout.String(), stderr: stderr.String()}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r.summary); err != nil {
		t.Fatalf("last stdout line is not the JSON summary: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return r
}

// readRecords returns the item lines of an -out file.
func readRecords(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if r.ID != "" {
			recs = append(recs, r)
		}
	}
	return recs
}

// checkGroundTruth fails the test if the client broke the server's limit or
// applied a write twice.
func checkGroundTruth(t *testing.T, srv *testserver.Server) {
	t.Helper()
	if st := srv.Stats(srv.Token()); st.Exceeded {
		t.Errorf("server limit exceeded: %+v", st)
	}
	if d := srv.Duplicates(); d != 0 {
		t.Errorf("Duplicates() = %d; want 0", d)
	}
}

func TestAllSucceed(t *testing.T) {
	srv := newServer(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "12", "-concurrency", "4", "-out", out)
	if r.code != exitOK {
		t.Fatalf("exit = %d; want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	s := r.summary
	if s.Items != 12 || s.OK != 12 || s.Failed != 0 {
		t.Errorf("summary = %+v; want 12 items, 12 ok", s)
	}
	if s.Requests < 12*3 || s.HTTP429 != 0 {
		t.Errorf("requests = %d, 429s = %d; want >= 36 requests (create, poll, logs) and no 429", s.Requests, s.HTTP429)
	}
	checkGroundTruth(t, srv)
	if got := srv.Writes().Applied; got != 12 {
		t.Errorf("writes applied = %d; want 12 (one create per item)", got)
	}
	recs := readRecords(t, out)
	if len(recs) != 12 {
		t.Fatalf("-out has %d item lines; want 12", len(recs))
	}
	for _, rec := range recs {
		if rec.Outcome != outcomeSucceeded || rec.Stage != stageFinished || rec.Experiment == 0 || rec.Status != "completed" || rec.ElapsedS <= 0 || rec.LogLines == 0 {
			t.Errorf("record %+v; want succeeded, finished, completed experiment, logs read, elapsed set", rec)
		}
	}
}

func TestResumeSkipsFinishedItems(t *testing.T) {
	srv := newServer(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if r := runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "4", "-out", out); r.code != exitOK {
		t.Fatalf("first run: exit = %d\n%s", r.code, r.stderr)
	}
	r := runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "6", "-out", out)
	if r.code != exitOK {
		t.Fatalf("second run: exit = %d\n%s", r.code, r.stderr)
	}
	if s := r.summary; s.Skipped != 4 || s.OK != 6 {
		t.Errorf("second run summary = %+v; want 4 skipped, 6 ok", s)
	}
	if got := srv.Writes().Applied; got != 6 {
		t.Errorf("writes applied over both runs = %d; want 6 (no item created twice)", got)
	}
	if n := len(readRecords(t, out)); n != 6 {
		t.Errorf("-out has %d item lines; want 6", n)
	}
	// A third run has nothing left to do.
	r = runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "6", "-out", out)
	if r.code != exitOK || r.summary.Skipped != 6 || r.summary.Requests != 0 {
		t.Errorf("third run: exit %d, summary %+v; want 0, 6 skipped, no request", r.code, r.summary)
	}
	checkGroundTruth(t, srv)
}

func TestResumeWaitsForAnInterruptedItemsExperiment(t *testing.T) {
	srv := newServer(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	// Launch only, then resume with waiting: the launched experiments are
	// waited for, not created again.
	r := runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "3", "-wait=false", "-out", out)
	if r.code != exitOK || r.summary.OK != 3 {
		t.Fatalf("launch run: exit %d, summary %+v", r.code, r.summary)
	}
	for _, rec := range readRecords(t, out) {
		if rec.Stage != stageLaunched || rec.LogLines != 0 {
			t.Errorf("-wait=false record %+v; want stage launched, no logs", rec)
		}
	}
	// An item interrupted after its create, recorded as such.
	rec, err := openRecorder(out, "", false)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := loadJournal(out)
	interrupted := j.Items["item-0001"]
	interrupted.Outcome, interrupted.Cause, interrupted.Retry = outcomeFailed, "interrupted during wait", true
	if err := rec.write(interrupted); err != nil {
		t.Fatal(err)
	}
	rec.Close()

	r = runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "3", "-out", out)
	if r.code != exitOK || r.summary.OK != 3 || r.summary.Skipped != 0 {
		t.Fatalf("resume: exit %d, summary %+v; want all 3 waited for", r.code, r.summary)
	}
	if got := srv.Writes().Applied; got != 3 {
		t.Errorf("writes applied = %d; want 3 (the resume created nothing)", got)
	}
	j, _ = loadJournal(out)
	if got := j.Items["item-0001"]; got.Outcome != outcomeSucceeded || got.Experiment != interrupted.Experiment {
		t.Errorf("item-0001 after resume = %+v; want succeeded on experiment %d", got, interrupted.Experiment)
	}
	checkGroundTruth(t, srv)
}

func TestFailingItemReportsCause(t *testing.T) {
	srv := newServer(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "4", "-fail", "2", "-out", out)
	if r.code != exitFailed {
		t.Errorf("exit = %d; want %d", r.code, exitFailed)
	}
	if s := r.summary; s.OK != 3 || s.Failed != 1 {
		t.Errorf("summary = %+v; want 3 ok, 1 failed", s)
	}
	j, _ := loadJournal(out)
	got := j.Items["item-0002"]
	if got.Outcome != outcomeFailed || !strings.Contains(got.Cause, "ended failed") || got.Retry {
		t.Errorf("item-0002 = %+v; want failed for good, cause naming the failed experiment", got)
	}
	// A failure for good is not redone by a resume.
	r = runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "4", "-fail", "2", "-out", out)
	if r.code != exitFailed || r.summary.Skipped != 4 || r.summary.Failed != 1 {
		t.Errorf("resume: exit %d, summary %+v; want 1, 4 skipped, 1 failed", r.code, r.summary)
	}
	checkGroundTruth(t, srv)
}

func TestAPIErrorIsTheCause(t *testing.T) {
	srv := newServer(t)
	t.Setenv(vessl.EnvDefaultProject, "no-such-project")
	r := runCmd(t, t.Context(), "-base-url", srv.URL, "-n", "2")
	if r.code != exitFailed || r.summary.Failed != 2 {
		t.Fatalf("exit %d, summary %+v; want 1 and 2 failed", r.code, r.summary)
	}
}

func TestInterruptedBeforeStart(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := runCmd(t, ctx, "-base-url", srv.URL, "-n", "5", "-out", out)
	if r.code != exitInterrupted || !r.summary.Interrupted {
		t.Errorf("exit %d, summary %+v; want %d, interrupted", r.code, r.summary, exitInterrupted)
	}
	if s := r.summary; s.OK+s.Failed+s.NotStarted != 5 {
		t.Errorf("summary %+v: ok+failed+not_started != 5 (an item was lost)", s)
	}
	for _, rec := range readRecords(t, out) {
		if rec.Outcome != outcomeFailed || !rec.Retry || !strings.HasPrefix(rec.Cause, "interrupted") {
			t.Errorf("record after interrupt = %+v; want failed, retry, cause interrupted", rec)
		}
	}
	if got := srv.Writes().Applied; got != 0 {
		t.Errorf("writes applied = %d; want 0", got)
	}
}

func TestEmbeddedServer(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	r := runCmd(t, t.Context(), "-n", "5", "-server-limit", "10", "-server-window", "1s", "-run-duration", "50ms")
	if r.code != exitOK || r.summary.OK != 5 {
		t.Fatalf("exit %d, summary %+v\n%s", r.code, r.summary, r.stderr)
	}
	s := r.summary
	if s.ServerLimit != "sliding-log 10/1s" || s.LimitRPS != 10 {
		t.Errorf("server_limit %q, limit_rps %v; want sliding-log 10/1s, 10", s.ServerLimit, s.LimitRPS)
	}
	if s.ServerExceeded == nil || *s.ServerExceeded || s.Duplicates == nil || *s.Duplicates != 0 {
		t.Errorf("ground truth exceeded=%v duplicates=%v; want false, 0", s.ServerExceeded, s.Duplicates)
	}
	if !strings.Contains(r.stderr, "embedded fake VESSL API") {
		t.Errorf("stderr does not announce the embedded server:\n%s", r.stderr)
	}
}

func TestLogProgress(t *testing.T) {
	srv := newServer(t)
	var stdout, stderr bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr}
	code := run(t.Context(), []string{"-base-url", srv.URL, "-n", "3", "-fail", "1", "-poll", "20ms", "-progress", "log"}, e)
	if code != exitFailed {
		t.Errorf("exit = %d; want %d", code, exitFailed)
	}
	if !strings.Contains(stderr.String(), "item-0001 failed: experiment") {
		t.Errorf("log progress does not report the failure:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "3 items: 2 succeeded, 1 failed") {
		t.Errorf("summary missing:\n%s", stdout.String())
	}
}

func TestRecordDone(t *testing.T) {
	for _, tc := range []struct {
		r    record
		wait bool
		want bool
	}{
		{record{Outcome: outcomeSucceeded, Stage: stageFinished}, true, true},
		{record{Outcome: outcomeSucceeded, Stage: stageLaunched}, true, false},
		{record{Outcome: outcomeSucceeded, Stage: stageLaunched}, false, true},
		{record{Outcome: outcomeFailed}, true, true},
		{record{Outcome: outcomeFailed, Retry: true}, true, false},
		{record{}, true, false},
	} {
		if got := tc.r.done(tc.wait); got != tc.want {
			t.Errorf("%+v.done(%v) = %v; want %v", tc.r, tc.wait, got, tc.want)
		}
	}
}

func TestLoadJournalIgnoresATruncatedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	data := `{"sweep":"s1"}
{"id":"item-0000","outcome":"succeeded","stage":"finished","sweep":"s1"}
{"id":"item-0001","outcome":"failed","retry":true,"sweep":"s1"}
{"id":"item-0001","outcome":"succeeded","stage":"finished","sweep":"s1"}
{"id":"item-0002","outc`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := loadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if j.Sweep != "s1" || len(j.Items) != 2 || j.Items["item-0001"].Outcome != outcomeSucceeded {
		t.Errorf("loadJournal = %+v; want sweep s1, 2 items, the last record of item-0001", j)
	}
}

func TestParseFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-concurrency", "0"}, {"-n", "-1"}, {"-fail", "x"}, {"-progress", "fancy"},
		{"-server-algorithm", "magic"}, {"extra"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q) = nil error; want one", args)
		}
	}
	cfg, err := parseFlags([]string{"-fail", "1, 3", "-wait=false"}, &bytes.Buffer{})
	if err != nil || !cfg.Fail[1] || !cfg.Fail[3] || len(cfg.Fail) != 2 || cfg.Wait {
		t.Errorf("parseFlags = %+v, %v", cfg, err)
	}
}
