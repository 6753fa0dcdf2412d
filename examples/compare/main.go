// Command compare runs the same workload — N GET requests by K concurrent
// workers against a server allowing L requests per window W — through four
// clients, under each server-side rate-limit algorithm and header format of
// internal/testserver, and prints how long each took against the
// theoretical minimum:
//
//	go run ./examples/compare -plot docs/compare.png
//
// The clients are a hand-written net/http loop that honours Retry-After,
// go-retryablehttp's default client, golang.org/x/time/rate configured with
// the true limit (an oracle: a real user does not know the limit) and
// vessl-go's transport. Each gets its own token on one server, so their
// buckets are separate but their limits identical, and they run at the same
// time (-sequential runs them one after the other).
//
// Efficiency is T_min / elapsed, where T_min (testserver's
// Limit.MinDuration) is the time the server's own algorithm needs to admit
// the requests that succeeded, starting from an empty bucket with no network
// delay (../../../shared/RATE_LIMITING.md, section 3).
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
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if os.Getenv(childEnv) != "" { // a process of the multi-process scenario
		err := runChild(ctx)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "compare child:", err)
			os.Exit(1)
		}
		return
	}
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	workload
	JSON         bool
	Plot         string
	PlotScenario string
	Only         string // run only scenarios whose name contains this
	Clients      string // run only clients whose name contains this
	Sequential   bool
	Quiet        bool
	Verbose      bool
	Processes    int    // multi-process scenario: processes on one token; 0 = skip
	Redis        string // its shared store; "" = an in-process miniredis
}

func parseFlags(args []string, errOut io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.IntVar(&o.N, "n", 250, "requests per client and scenario")
	fs.IntVar(&o.K, "k", 8, "concurrent workers per client")
	fs.IntVar(&o.L, "limit", 50, "server limit: requests per window")
	fs.DurationVar(&o.W, "window", 5*time.Second, "server limit: window")
	fs.BoolVar(&o.Matrix, "matrix", false, "every algorithm with every header format (16 scenarios instead of 7)")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per row instead of the markdown table")
	fs.StringVar(&o.Plot, "plot", "", "write a PNG chart of admitted requests over time to `file`")
	fs.StringVar(&o.PlotScenario, "plot-scenario", "sliding-log/delta", "scenario the -plot chart shows")
	fs.StringVar(&o.Only, "only", "", "run only the scenarios whose name contains this")
	fs.StringVar(&o.Clients, "clients", "", "run only the clients whose name contains this (e.g. vessl)")
	fs.BoolVar(&o.Sequential, "sequential", false, "run the clients of a scenario one after the other instead of at once")
	fs.BoolVar(&o.Quiet, "q", false, "no progress lines on stderr")
	fs.BoolVar(&o.Verbose, "v", false, "log every wait and retry of the vessl-go transport to stderr")
	fs.IntVar(&o.Processes, "processes", 4, "multi-process scenario: N requests split over this many processes on ONE token, with private budgets and with one shared in Redis (0: skip)")
	fs.StringVar(&o.Redis, "redis", "", "multi-process scenario: the Redis `url` of the shared budget (default: an in-process miniredis)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.N < 1 || o.K < 1 || o.L < 1 || o.W <= 0:
		return o, errors.New("-n, -k, -limit and -window must be positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var log *slog.Logger
	if o.Verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ps := peers(log)
	if o.Clients != "" {
		ps = slices.DeleteFunc(ps, func(p peer) bool { return !strings.Contains(p.name, o.Clients) })
		if len(ps) == 0 {
			return fmt.Errorf("-clients %q matches no client", o.Clients)
		}
	}
	var rows []row
	var plotted []runResult
	var plotSc scenario
	begin := time.Now()
	for _, sc := range scenarios(o.workload) {
		if o.Only != "" && !strings.Contains(sc.name, o.Only) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		if !o.Quiet {
			fmt.Fprintf(stderr, "compare: %s (%v, N=%d, K=%d) ...\n", sc.name, sc.limit, o.N, o.K)
		}
		res := runScenario(ctx, sc, o.workload, ps, o.Sequential)
		for _, r := range res {
			rows = append(rows, r.row)
		}
		if sc.name == o.PlotScenario {
			plotted, plotSc = res, sc
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.Processes > 0 && (o.Only == "" || strings.Contains(multiProcessScenario, o.Only)) {
		if !o.Quiet {
			fmt.Fprintf(stderr, "compare: multi-process (%d processes on one token, N=%d, K=%d each) ...\n", o.Processes, o.N, o.K)
		}
		mp, err := runMultiProcess(ctx, o.workload, o.Processes, o.Redis)
		rows = append(rows, mp...)
		if err != nil {
			return err
		}
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	} else {
		writeTable(stdout, o.workload, rows)
	}
	if !o.Quiet {
		fmt.Fprintf(stderr, "compare: done in %v\n", time.Since(begin).Round(time.Second))
	}
	if o.Plot != "" {
		if plotted == nil {
			return fmt.Errorf("-plot: scenario %q did not run", o.PlotScenario)
		}
		return writePlot(o.Plot, plotSc, o.workload, plotted)
	}
	return nil
}

// writeTable prints rows as a markdown table.
func writeTable(w io.Writer, wl workload, rows []row) {
	fmt.Fprintf(w, "N=%d requests per client, K=%d workers, limit %d per %v.\n\n", wl.N, wl.K, wl.L, wl.W)
	fmt.Fprintln(w, "| scenario | client | requests sent | ok | 429s | elapsed | T_min | efficiency |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		ex := ""
		if r.Exceeded {
			ex = " (limit exceeded!)"
		}
		eff := fmt.Sprintf("%.2f", r.Efficiency)
		if r.TMinS == 0 {
			eff = "n/a" // every request fits in the first window: nothing to pace
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %.1fs | %.1fs | %s%s |\n",
			r.Scenario, r.Client, r.Requests, r.OK, r.HTTP429, r.ElapsedS, r.TMinS, eff, ex)
	}
}
