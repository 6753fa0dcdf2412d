// Command batch is the job vessl-go exists for: for each of N items it
// creates a VESSL experiment with its own hyperparameters, waits until it
// ends, fetches its logs and records the outcome, as fast as the API's rate
// limit allows and never faster.
//
//	go run ./examples/batch                     # against an embedded fake VESSL API
//	go run ./examples/batch -n 200 -out sweep.jsonl -base-url https://api.vessl.ai
//
// Every item ends as succeeded or failed with its cause; the exit status is 0
// only if all succeeded. With -out, a re-run resumes: items recorded as done
// are skipped, experiments already created are waited for rather than created
// again, and every create carries an Idempotency-Key derived from the item,
// so a crash between a create and its record does not double it either.
// Ctrl-C stops cleanly: items in flight are recorded as interrupted (a
// resume redoes them) and a summary is printed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1   // some item failed
	exitUsage       = 2   // bad flags or set-up
	exitInterrupted = 130 // Ctrl-C / SIGTERM
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr, terminal: term.IsTerminal(int(os.Stderr.Fd()))})
	stop()
	os.Exit(code)
}

// env is the outside world of one run.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	terminal       bool // stderr is a terminal
}

// summary is the result of a run; with -json it is the last line of stdout.
type summary struct {
	Items       int     `json:"items"`
	OK          int     `json:"ok"`
	Failed      int     `json:"failed"`
	Skipped     int     `json:"skipped"`     // done by an earlier run (-out)
	Cancelled   int     `json:"cancelled"`   // failed because interrupted (a resume redoes them)
	NotStarted  int     `json:"not_started"` // left when interrupted
	Interrupted bool    `json:"interrupted"`
	Requests    int64   `json:"requests"` // HTTP requests sent, retries included
	HTTP429     int64   `json:"http_429"`
	Retries     int64   `json:"retries"`
	WaitedS     float64 `json:"waited_s"` // summed over all workers
	ElapsedS    float64 `json:"elapsed_s"`
	AchievedRPS float64 `json:"achieved_rps"`
	ServerLimit string  `json:"server_limit,omitempty"` // e.g. "sliding-log 20/2s", when known
	LimitRPS    float64 `json:"limit_rps,omitempty"`    // the limit's long-run rate, when known
	// Ground truth of the embedded server.
	ServerAdmitted *int  `json:"server_admitted,omitempty"`
	ServerExceeded *bool `json:"server_exceeded,omitempty"`
	Duplicates     *int  `json:"duplicates,omitempty"`
}

// target is the API a run talks to.
type target struct {
	opts   []vessl.Option
	poll   time.Duration
	server *testserver.Server // the embedded server, nil for a real one
	limit  *testserver.Limit  // known limit, nil if not
}

// newTarget starts the embedded server unless -base-url or VESSL_API_HOST
// names one.
func newTarget(cfg config, e env) target {
	if cfg.BaseURL != "" || e.getenv(vessl.EnvAPIHost) != "" {
		var opts []vessl.Option
		if cfg.BaseURL != "" {
			opts = append(opts, vessl.WithBaseURL(cfg.BaseURL))
		}
		return target{opts: opts, poll: cfg.Poll}
	}
	lim := cfg.Server.Limit
	srv := testserver.Start(
		testserver.WithLimits(lim),
		testserver.WithRunDuration(cfg.Server.RunDuration),
	)
	poll := cfg.Poll
	if poll == 0 {
		poll = defaultEmbeddedPoll
	}
	fmt.Fprintf(e.stderr, "batch: embedded fake VESSL API at %s (%v per token; experiments run %v)\n", srv.URL, lim, cfg.Server.RunDuration)
	return target{
		opts: []vessl.Option{
			vessl.WithBaseURL(srv.URL),
			vessl.WithToken(srv.Token()),
			vessl.WithOrganization(srv.Organization()),
			vessl.WithProject(srv.Project()),
		},
		poll:   poll,
		server: srv,
		limit:  &lim,
	}
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, e env) int {
	cfg, err := parseFlags(args, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "batch:", err)
		return exitUsage
	}
	code, err := runBatch(ctx, cfg, e)
	if err != nil {
		fmt.Fprintln(e.stderr, "batch:", err)
	}
	return code
}

// runBatch sets up the target, the client and the -out journal, runs the
// batch and prints the summary.
func runBatch(ctx context.Context, cfg config, e env) (int, error) {
	tgt := newTarget(cfg, e)
	if tgt.server != nil {
		defer tgt.server.Close()
	}
	waits := &waitState{}
	topts := []transport.Option{transport.WithWaitHook(waits.hook)}
	opts := append(tgt.opts, vessl.WithTransportOptions(topts...))
	if cfg.Verbose {
		opts = append(opts, vessl.WithLogger(slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	lopts, closeLimiter, err := limiterOptions(cfg)
	if err != nil {
		return exitUsage, err
	}
	defer closeLimiter()
	client, err := vessl.NewClient(append(opts, lopts...)...)
	if err != nil {
		return exitUsage, err
	}
	defer client.Close()

	j, err := loadJournal(cfg.Out)
	if err != nil {
		return exitUsage, err
	}
	sweep := cfg.Sweep
	if sweep == "" {
		sweep = j.Sweep
	}
	if sweep == "" {
		sweep = newSweepName()
	}
	rec, err := openRecorder(cfg.Out, sweep, j.Sweep == "" || j.Sweep != sweep)
	if err != nil {
		return exitUsage, err
	}

	m := &meter{stats: client.Transport().Stats, snapshot: client.Budget().Snapshot, waits: waits}
	if tgt.limit != nil {
		m.limitRPS = float64(tgt.limit.Requests) / tgt.limit.Window.Seconds()
	}
	mode := cfg.Progress
	if mode == "auto" {
		mode = "log"
		if e.terminal {
			mode = "bar"
		}
	}
	b := &batch{
		client: client, wait: cfg.Wait, poll: tgt.poll, sweep: sweep, rec: rec,
		prog: newDisplay(mode, e.stderr, m), conc: cfg.Concurrency,
	}
	start := time.Now()
	c, runErr := b.run(ctx, makeItems(cfg.N, cfg.Fail), j.Items)
	elapsed := time.Since(start)
	if err := rec.Close(); err != nil && runErr == nil {
		runErr = err
	}

	s := summarize(cfg.N, c, client, tgt, elapsed)
	printSummary(e, cfg, s)
	switch {
	case c.Interrupted:
		return exitInterrupted, runErr
	case runErr != nil || c.Failed > 0 || c.OK != cfg.N:
		return exitFailed, runErr
	}
	return exitOK, nil
}

// summarize gathers the numbers of a run.
func summarize(n int, c counts, client *vessl.Client, tgt target, elapsed time.Duration) summary {
	st := client.Transport().Stats()
	s := summary{
		Items: n, OK: c.OK, Failed: c.Failed, Skipped: c.Skipped, NotStarted: c.NotStarted, Cancelled: c.Cancelled,
		Interrupted: c.Interrupted,
		Requests:    st.Attempts, HTTP429: st.Throttled, Retries: st.Retries,
		WaitedS: st.Waited.Seconds(), ElapsedS: elapsed.Seconds(),
	}
	if elapsed > 0 {
		s.AchievedRPS = float64(st.Attempts) / elapsed.Seconds()
	}
	if tgt.limit != nil {
		s.ServerLimit = tgt.limit.String()
		s.LimitRPS = float64(tgt.limit.Requests) / tgt.limit.Window.Seconds()
	} else if snap := client.Budget().Snapshot(); snap.Limit > 0 {
		s.ServerLimit = fmt.Sprintf("%d per window", snap.Limit)
		if snap.Window > 0 {
			s.ServerLimit = fmt.Sprintf("%d/%v", snap.Limit, snap.Window)
			s.LimitRPS = float64(snap.Limit) / snap.Window.Seconds()
		}
	}
	if srv := tgt.server; srv != nil {
		gt := srv.Stats(srv.Token())
		dups := srv.Duplicates()
		s.ServerAdmitted, s.ServerExceeded, s.Duplicates = &gt.Admitted, &gt.Exceeded, &dups
	}
	return s
}

// printSummary writes the human summary, and with -json the JSON line last.
func printSummary(e env, cfg config, s summary) {
	if s.Interrupted {
		fmt.Fprintf(e.stdout, "interrupted: %d items stopped in flight, %d not started (a re-run with the same -out does them)\n", s.Cancelled, s.NotStarted)
	}
	done := "succeeded"
	if !cfg.Wait {
		done = "launched" // -wait=false: an item is done once its experiment exists
	}
	fmt.Fprintf(e.stdout, "%d items: %d %s, %d failed", s.Items, s.OK, done, s.Failed)
	if s.Skipped > 0 {
		fmt.Fprintf(e.stdout, " (%d done by an earlier run)", s.Skipped)
	}
	fmt.Fprintf(e.stdout, " in %.1fs\n", s.ElapsedS)
	fmt.Fprintf(e.stdout, "%d requests (%.1f/s", s.Requests, s.AchievedRPS)
	if s.LimitRPS > 0 {
		fmt.Fprintf(e.stdout, "; long-run limit %s = %.1f/s", s.ServerLimit, s.LimitRPS)
	}
	fmt.Fprintf(e.stdout, "), %d answered 429, %d retries\n", s.HTTP429, s.Retries)
	if s.ServerExceeded != nil {
		fmt.Fprintf(e.stdout, "server ground truth: %d admitted, limit exceeded: %v, duplicate writes: %d\n",
			*s.ServerAdmitted, *s.ServerExceeded, *s.Duplicates)
	}
	if cfg.JSON {
		line, _ := json.Marshal(s) // plain numbers and strings: cannot fail
		fmt.Fprintf(e.stdout, "%s\n", line)
	}
}
