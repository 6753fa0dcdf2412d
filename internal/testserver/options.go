package testserver

import "time"

// Default values of a Server built without options.
const (
	DefaultToken       = "test-token"
	DefaultOrg         = "demo-org"
	DefaultProject     = "demo-project"
	DefaultRunDuration = 2 * time.Second
)

// Option configures a Server in New.
type Option func(*config)

type tokenConfig struct {
	token     string
	limits    []Limit
	hasLimits bool
}

type config struct {
	clock        Clock
	defaultToken string
	tokens       []tokenConfig
	limits       []Limit
	org, project string
	runDuration  time.Duration
	failureShare float64
	seed         uint64
	headers      HeaderStyle
	faults       Faults
	extra        SeedData
}

func defaultConfig() config {
	return config{
		clock:        realClock{},
		defaultToken: DefaultToken,
		org:          DefaultOrg,
		project:      DefaultProject,
		runDuration:  DefaultRunDuration,
		seed:         1,
		headers:      DefaultHeaders(),
	}
}

// WithClock makes the server read time from c (rate limiters, status
// progression, timestamps). Default: the real clock.
func WithClock(c Clock) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.clock = c
		}
	}
}

// WithDefaultToken replaces the default token "test-token".
func WithDefaultToken(token string) Option {
	return func(cfg *config) {
		if token != "" {
			cfg.defaultToken = token
		}
	}
}

// WithToken accepts one more token. Without limits it gets the server's
// default limits (WithLimits); with limits it gets exactly those, in its own
// buckets. Pass Limit{Algorithm: None} for an unlimited token. Naming the
// default token replaces its limits. Each call adds one token, so several
// clients can share one server without sharing a budget.
func WithToken(token string, limits ...Limit) Option {
	return func(cfg *config) {
		cfg.tokens = append(cfg.tokens, tokenConfig{token: token, limits: limits, hasLimits: len(limits) > 0})
	}
}

// WithLimits sets the default limits: those of the default token and of every
// token added by WithToken without limits of its own. Each token has its own
// buckets. Without this option the server does not limit at all.
func WithLimits(limits ...Limit) Option {
	return func(cfg *config) { cfg.limits = append([]Limit(nil), limits...) }
}

// WithOrganization renames the seeded organization (default "demo-org").
func WithOrganization(name string) Option {
	return func(cfg *config) {
		if name != "" {
			cfg.org = name
		}
	}
}

// WithProject renames the seeded project (default "demo-project").
func WithProject(name string) Option {
	return func(cfg *config) {
		if name != "" {
			cfg.project = name
		}
	}
}

// WithRunDuration sets how long a created experiment or run takes from
// creation to its terminal status: pending for the first fifth, then running.
// Default DefaultRunDuration; use a few milliseconds in tests.
func WithRunDuration(d time.Duration) Option {
	return func(cfg *config) {
		if d > 0 {
			cfg.runDuration = d
		}
	}
}

// WithFailureShare makes a share p (0..1) of created experiments and runs end
// as "failed" instead of "completed". Which ones is decided at creation by
// the seeded random source (WithSeed), so a run of a test is reproducible.
func WithFailureShare(p float64) Option {
	return func(cfg *config) { cfg.failureShare = clamp01(p) }
}

// WithSeed seeds the random source behind failures and faults (default 1).
func WithSeed(seed uint64) Option {
	return func(cfg *config) { cfg.seed = seed }
}

// WithHeaders chooses which rate-limit headers the server sends (default
// DefaultHeaders()). HeaderStyle{} sends none at all.
func WithHeaders(h HeaderStyle) Option {
	return func(cfg *config) { cfg.headers = h }
}

// WithResetFormat is shorthand for changing only the X-RateLimit-Reset format.
func WithResetFormat(f ResetFormat) Option {
	return func(cfg *config) { cfg.headers.Reset = f }
}

// WithFaults switches fault injection on from the start; Server.SetFaults
// changes it at run time.
func WithFaults(f Faults) Option {
	return func(cfg *config) { cfg.faults = f }
}

func clamp01(p float64) float64 {
	switch {
	case p < 0 || p != p:
		return 0
	case p > 1:
		return 1
	}
	return p
}

// SeedData asks for extra seeded resources, beyond the defaults, so that
// lists span several pages. Extra experiments and runs are finished (every
// fifth one failed) and belong to the seeded project.
type SeedData struct {
	Projects          int // named "project-001", ...
	Experiments       int
	Runs              int
	ModelRepositories int // named "model-001", ...
	Datasets          int // named "dataset-001", ...
}

// WithSeedData adds the extra resources of d to the seeded state.
func WithSeedData(d SeedData) Option {
	return func(cfg *config) { cfg.extra = d }
}
