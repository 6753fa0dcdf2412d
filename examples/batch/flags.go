package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

// config is what the command line asks for.
type config struct {
	BaseURL     string        // "" = VESSL_API_HOST, else the embedded server
	N           int           // items
	Concurrency int           // workers
	JSON        bool          // last stdout line is the summary as JSON
	Out         string        // JSON-lines record of every item; resumes from it
	Wait        bool          // wait for each experiment and fetch its logs
	Poll        time.Duration // status poll interval; 0 = the default for the target
	Sweep       string        // idempotency-key prefix; "" = from -out or random
	Fail        map[int]bool  // items whose experiment is asked to fail (hyperparameter fail=true)
	Progress    string        // auto, bar, log or off
	Verbose     bool          // log every wait and retry of the transport
	Redis       string        // share the rate-limit budget through this Redis; "" = in memory

	// The embedded server, used when neither -base-url nor VESSL_API_HOST
	// names a server.
	Server embeddedConfig
}

// embeddedConfig shapes the in-process fake VESSL API.
type embeddedConfig struct {
	Limit       testserver.Limit
	RunDuration time.Duration
}

// Defaults of the embedded run: a sliding log (VESSL's documented
// semantics) of 100 requests in any 10 s, experiments that run 2 s, polled
// every second by 16 workers. The workload (about 4.5 requests per item)
// asks for more than the limit allows, so after the first 100 requests the
// run visibly works at the limit; 100 items finish in about 45 s.
const (
	defaultN               = 100
	defaultConcurrency     = 16
	defaultServerLimit     = 100
	defaultServerWindow    = 10 * time.Second
	defaultRunDuration     = 2 * time.Second
	defaultEmbeddedPoll    = time.Second
	defaultServerAlgorithm = testserver.SlidingLog
)

// parseFlags reads args (without the program name). Usage and errors go to
// errOut; flag.ErrHelp is returned for -h.
func parseFlags(args []string, errOut io.Writer) (config, error) {
	cfg := config{Server: embeddedConfig{Limit: testserver.Limit{Algorithm: defaultServerAlgorithm}}}
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprint(errOut, `usage: go run ./examples/batch [flags]

For each of -n items, create a VESSL experiment with its own hyperparameters,
wait until it ends, fetch its logs and record the outcome, staying inside the
API's rate limit. Without -base-url or VESSL_API_HOST it runs against a fake
VESSL API started in-process; otherwise the token, organization and project
come from VESSL_ACCESS_TOKEN, VESSL_DEFAULT_ORGANIZATION, VESSL_DEFAULT_PROJECT
or ~/.vessl/config.

Exit status: 0 if every item succeeded, 1 if any failed, 2 on a usage or set-up
error, 130 when interrupted.

`)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.BaseURL, "base-url", "", "VESSL API base URL (default: $VESSL_API_HOST, else an embedded fake server)")
	fs.IntVar(&cfg.N, "n", defaultN, "number of items (experiments)")
	fs.IntVar(&cfg.Concurrency, "concurrency", defaultConcurrency, "number of items processed at once")
	fs.BoolVar(&cfg.JSON, "json", false, "print the summary as one JSON object on the last line of stdout")
	fs.StringVar(&cfg.Out, "out", "", "append one JSON line per finished item to `file`; items it already records as finished are skipped (resume)")
	fs.BoolVar(&cfg.Wait, "wait", true, "wait for each experiment to end and fetch its logs (false: only launch them)")
	fs.DurationVar(&cfg.Poll, "poll", 0, "status poll interval (default 1s embedded, else the SDK's 5s)")
	fs.StringVar(&cfg.Sweep, "sweep", "", "name of this sweep, prefix of each item's Idempotency-Key (default: kept in -out, else random)")
	fail := fs.String("fail", "", "comma-separated item numbers whose experiment gets hyperparameter fail=true (the embedded server fails those)")
	fs.StringVar(&cfg.Progress, "progress", "auto", "progress display on stderr: auto, bar, log or off")
	fs.BoolVar(&cfg.Verbose, "v", false, "log every rate-limit wait and retry to stderr")
	fs.StringVar(&cfg.Redis, "redis", "", "share the rate-limit budget with every process pointed at the Redis at `url` (redis://host:port/db)")
	alg := fs.String("server-algorithm", string(defaultServerAlgorithm), "embedded server: fixed, sliding-log, sliding-counter or token-bucket")
	fs.IntVar(&cfg.Server.Limit.Requests, "server-limit", defaultServerLimit, "embedded server: requests allowed per window")
	fs.DurationVar(&cfg.Server.Limit.Window, "server-window", defaultServerWindow, "embedded server: rate-limit window")
	fs.DurationVar(&cfg.Server.RunDuration, "run-duration", defaultRunDuration, "embedded server: how long an experiment runs")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if cfg.Server.Limit.Algorithm, err = testserver.ParseAlgorithm(*alg); err != nil {
		return cfg, err
	}
	if cfg.Fail, err = parseItemSet(*fail); err != nil {
		return cfg, fmt.Errorf("-fail: %w", err)
	}
	switch {
	case cfg.N < 0:
		return cfg, errors.New("-n must not be negative")
	case cfg.Concurrency < 1:
		return cfg, errors.New("-concurrency must be at least 1")
	case cfg.Poll < 0:
		return cfg, errors.New("-poll must not be negative")
	}
	switch cfg.Progress {
	case "auto", "bar", "log", "off":
	default:
		return cfg, fmt.Errorf("-progress %q: want auto, bar, log or off", cfg.Progress)
	}
	if err := cfg.Server.Limit.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// parseItemSet reads "3,7,12" into a set of item numbers.
func parseItemSet(s string) (map[int]bool, error) {
	set := map[int]bool{}
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		i, err := strconv.Atoi(f)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("%q is not an item number", f)
		}
		set[i] = true
	}
	return set, nil
}
