// Command vessl-testserver serves the fake VESSL API of internal/testserver,
// for examples, clients in other languages and people trying the SDK.
//
//	go run ./internal/testserver/cmd/vessl-testserver -algorithm sliding-log -limit 100 -window 1m
//
// It prints its base URL, seeds the organization and project named by -org
// and -project, accepts the token -token, and shuts down cleanly on SIGINT or
// SIGTERM. With -algorithm none it sends no rate-limit headers and never
// answers 429.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h asked for the usage, which was printed
		}
		fmt.Fprintln(os.Stderr, "vessl-testserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done. ready, if not nil, receives the base URL once
// the server listens.
func run(ctx context.Context, args []string, out io.Writer, ready func(url string)) error {
	fs := flag.NewFlagSet("vessl-testserver", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address host:port (port 0 picks a free one)")
	token := fs.String("token", testserver.DefaultToken, "accepted access token")
	org := fs.String("org", testserver.DefaultOrg, "name of the seeded organization")
	project := fs.String("project", testserver.DefaultProject, "name of the seeded project")
	algorithm := fs.String("algorithm", string(testserver.SlidingLog), "rate-limit algorithm: fixed|sliding-log|sliding-counter|token-bucket|none")
	limit := fs.Int("limit", 100, "requests allowed per window")
	window := fs.Duration("window", time.Minute, "rate-limit window")
	burst := fs.Int("burst", 0, "token-bucket burst (0: -limit)")
	createLimit := fs.Int("create-limit", 0, "if > 0, a separate bucket of this many creates per window")
	resetFormat := fs.String("reset-format", string(testserver.ResetDelta), "X-RateLimit-Reset format: delta|epoch|epoch-ms|delta-frac|http-date|rfc3339")
	ietf := fs.Bool("ietf", false, "also send the IETF RateLimit and RateLimit-Policy fields")
	retryAfter := fs.Bool("retry-after", false, "send Retry-After on 429")
	latency := fs.Duration("latency", 0, "added latency per request")
	jitter := fs.Duration("jitter", 0, "random extra latency in [0, jitter)")
	serverErrors := fs.Float64("server-errors", 0, "share of requests answered 502/503/504 (fault injection)")
	connReset := fs.Float64("conn-reset", 0, "share of responses cut mid-body (fault injection)")
	runDuration := fs.Duration("run-duration", 10*time.Second, "time from creation to the end of an experiment or run")
	failureShare := fs.Float64("failure-share", 0.1, "share of experiments and runs that fail")
	seed := fs.Uint64("seed", 1, "random seed for failures and faults")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	alg, err := testserver.ParseAlgorithm(*algorithm)
	if err != nil {
		return err
	}
	rf, err := testserver.ParseResetFormat(*resetFormat)
	if err != nil {
		return err
	}
	limits := []testserver.Limit{{Algorithm: alg, Requests: *limit, Window: *window, Burst: *burst}}
	if *createLimit > 0 && alg != testserver.None {
		limits = append(limits, testserver.Limit{Algorithm: alg, Requests: *createLimit, Window: *window, Group: testserver.GroupCreate})
	}
	for _, l := range limits {
		if err := l.Validate(); err != nil {
			return err
		}
	}
	srv := testserver.New(
		testserver.WithDefaultToken(*token),
		testserver.WithOrganization(*org),
		testserver.WithProject(*project),
		testserver.WithLimits(limits...),
		testserver.WithHeaders(testserver.HeaderStyle{XRateLimit: true, Reset: rf, IETF: *ietf, RetryAfter: *retryAfter}),
		testserver.WithRunDuration(*runDuration),
		testserver.WithFailureShare(*failureShare),
		testserver.WithSeed(*seed),
		testserver.WithFaults(testserver.Faults{Latency: *latency, Jitter: *jitter, ServerErrors: *serverErrors, ConnReset: *connReset}),
	)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "vessl-testserver: serving %s (algorithm %s, %d per %v; organization %q, project %q)\n",
		url, alg, *limit, *window, *org, *project)
	// The token is this fake server's own, chosen by -token: printing it is
	// what lets a client be pointed at the server in one paste.
	fmt.Fprintf(out, "  export VESSL_API_HOST=%s VESSL_ACCESS_TOKEN=%s VESSL_DEFAULT_ORGANIZATION=%s VESSL_DEFAULT_PROJECT=%s\n", url, *token, *org, *project)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	fmt.Fprintln(out, "vessl-testserver: stopped")
	return err
}
