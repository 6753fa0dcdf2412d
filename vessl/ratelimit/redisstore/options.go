package redisstore

import (
	"log/slog"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// Defaults of a Store's options.
const (
	DefaultPrefix         = "vessl:ratelimit:"
	DefaultTimeout        = 250 * time.Millisecond
	DefaultCooldown       = 2 * time.Second
	DefaultInflightExpiry = 5 * time.Minute
	DefaultPollInterval   = 20 * time.Millisecond
	DefaultFlushDelay     = 5 * time.Millisecond
)

// Option configures a Store. Invalid values are clamped to the documented
// bounds rather than rejected.
type Option func(*config)

type config struct {
	prefix         string
	timeout        time.Duration
	cooldown       time.Duration
	inflightExpiry time.Duration
	poll           time.Duration
	flushDelay     time.Duration
	failFast       bool
	log            *slog.Logger
	clock          ratelimit.Clock
}

func defaultConfig() config {
	return config{
		prefix:         DefaultPrefix,
		timeout:        DefaultTimeout,
		cooldown:       DefaultCooldown,
		inflightExpiry: DefaultInflightExpiry,
		poll:           DefaultPollInterval,
		flushDelay:     DefaultFlushDelay,
		clock:          realClock{},
	}
}

// WithPrefix sets the prefix of every key the store writes (default
// DefaultPrefix). Processes share a budget when they use the same Redis
// database, the same prefix and the same scope.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithTimeout bounds each Redis call (default 250ms, at least 1ms). A call
// that takes longer counts as Redis being unavailable. With a client made by
// New, the bound holds for a server that hangs only if the client's
// ContextTimeoutEnabled is set (Dial sets it).
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = max(d, time.Millisecond) }
}

// WithCooldown sets how long the store keeps to its local budgets after a
// Redis call failed before it tries Redis again (default 2s, at least 1ms).
// One call tries; the others keep to the local budgets until it succeeds.
func WithCooldown(d time.Duration) Option {
	return func(c *config) { c.cooldown = max(d, time.Millisecond) }
}

// WithFailFast makes the store return Redis's errors from Take (so
// Budget.Acquire fails with them) instead of falling back to a local budget.
func WithFailFast() Option { return func(c *config) { c.failFast = true } }

// WithLogger sets where the store reports that it fell back to its local
// budgets and that it rejoined Redis (default: nowhere). Nil keeps the
// default.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithInflightExpiry sets how long an admitted request may stay unreported
// before it counts as lost (its process died) and stops holding the shared
// budget (default 5m, at least 1s). Set it above the longest request.
func WithInflightExpiry(d time.Duration) Option {
	return func(c *config) { c.inflightExpiry = max(d, time.Second) }
}

// WithPollInterval bounds the wait of a process whose budget is waiting for
// the answer to another request, which may come to another process (default
// 20ms, at least 1ms). The in-memory budget is told of every answer and needs
// no poll.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) { c.poll = max(d, time.Millisecond) }
}

// WithFlushDelay sets how long a report may wait for the next Take, which
// carries it to Redis in the same round trip, before it is sent on its own
// (default 5ms, at least 0).
func WithFlushDelay(d time.Duration) Option {
	return func(c *config) { c.flushDelay = max(d, 0) }
}

// WithClock sets the clock of the store's own timers and of its flushes
// (default: the real clock). It should be the clock of the Limiter the store
// serves. Nil keeps the default.
func WithClock(clk ratelimit.Clock) Option {
	return func(c *config) {
		if clk != nil {
			c.clock = clk
		}
	}
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) ratelimit.Timer { return time.AfterFunc(d, f) }
