package ratelimit

import (
	"errors"
	"sync"
)

// ErrClosed is returned by Acquire on a Budget whose Limiter was closed.
var ErrClosed = errors.New("ratelimit: limiter closed")

// Limiter holds one Budget per scope, all sharing one configuration and
// Store. It is safe for concurrent use; the zero value is not usable, call
// NewLimiter.
type Limiter struct {
	cfg config

	mu      sync.RWMutex
	budgets map[string]*Budget
	closed  bool
}

// NewLimiter returns a Limiter configured by opts.
func NewLimiter(opts ...Option) *Limiter {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.store == nil {
		cfg.store = NewMemoryStore()
	}
	return &Limiter{cfg: cfg, budgets: make(map[string]*Budget)}
}

// Budget returns the budget of scope, creating it on first use. Looking up
// an existing scope does not allocate.
func (l *Limiter) Budget(scope string) *Budget {
	l.mu.RLock()
	b, ok := l.budgets[scope]
	l.mu.RUnlock()
	if ok {
		return b
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.budgets[scope]; ok {
		return b
	}
	bucket := l.cfg.store.Open(scope, BucketConfig{Jitter: l.cfg.jitter, Rand: l.cfg.rand, Burst: l.cfg.burst})
	b = newBudget(scope, &l.cfg, bucket)
	_, local := l.cfg.store.(*memoryStore)
	b.learn.shared = !local // another process may spend it too (learn.go)
	if l.closed {
		b.close()
	}
	l.budgets[scope] = b
	return b
}

// Close fails every pending and future Acquire with ErrClosed, stops the
// budgets' timers and closes the Store.
func (l *Limiter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	for _, b := range l.budgets {
		b.close()
	}
	l.mu.Unlock()
	return l.cfg.store.Close()
}
