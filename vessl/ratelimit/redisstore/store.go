package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// Store is a ratelimit.Store whose buckets live in Redis, so that every
// process using the same Redis database, key prefix and scope draws from
// one budget. Pass it to ratelimit.WithStore; the Limiter closes it.
//
// While Redis is unavailable each bucket falls back to a local, in-memory
// budget (unless WithFailFast), and the store tries Redis again after a
// cool-down. It is safe for concurrent use.
type Store struct {
	cfg  config
	rdb  redis.UniversalClient
	owns bool // Close closes rdb

	mu      sync.Mutex
	buckets map[string]*bucket
	closed  bool

	// Health: down is set after a failed call; until downUntil every
	// bucket keeps to its local budget, then one call (the one that wins
	// trying) asks Redis again.
	hmu       sync.Mutex
	down      bool
	downUntil time.Time
	trying    atomic.Bool

	flushes sync.WaitGroup // flush timers armed or running

	calls, errs, fallbacks, rejoins, localGrants, dropped atomic.Int64
}

// Stats counts what a Store did.
type Stats struct {
	Calls       int64 // script calls that reached Redis and succeeded
	Errors      int64 // calls that failed (connection, timeout, script error)
	Fallbacks   int64 // times the store switched to its local budgets
	Rejoins     int64 // times it switched back to Redis
	LocalGrants int64 // admissions granted by a local budget
	// Dropped counts reports given up because too many were waiting for
	// Redis to come back; the requests they were for then stay counted in
	// flight until WithInflightExpiry.
	Dropped int64
}

// New returns a Store on the Redis client rdb (a *redis.Client,
// *redis.ClusterClient, ...). The store does not close rdb.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return &Store{cfg: cfg, rdb: rdb, buckets: make(map[string]*bucket)}
}

// Dial returns a Store on a new client for the Redis at url
// ("redis://[user:password@]host:port/db", see redis.ParseURL), which the
// store closes in Close. It does not connect yet: an unreachable Redis shows
// as a fallback (or, with WithFailFast, as an error) on first use.
func Dial(url string, opts ...Option) (*Store, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	o.ContextTimeoutEnabled = true
	if o.DialerRetries == 0 {
		o.DialerRetries = 1 // an unreachable Redis means the local budget, not a wait
	}
	s := New(redis.NewClient(o), opts...)
	s.owns = true
	return s, nil
}

// Open implements ratelimit.Store: it returns the bucket of scope. Its keys
// are the prefix followed by a hash of the scope (which already hashes the
// credential), so nothing derived reversibly from a token is written.
func (s *Store) Open(scope string, cfg ratelimit.BucketConfig) ratelimit.Bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.buckets[scope]; ok {
		return b
	}
	sum := sha256.Sum256([]byte(scope))
	tag := s.cfg.prefix + "{" + hex.EncodeToString(sum[:16]) + "}"
	b := &bucket{
		s:     s,
		scope: scope,
		cfg:   cfg,
		keys:  []string{tag + ":state", tag + ":inflight"},
	}
	s.buckets[scope] = b
	return b
}

// Close sends the reports still pending (best effort, bounded by the
// timeout), stops the store's timers and closes the client if Dial made it.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	buckets := make([]*bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		buckets = append(buckets, b)
	}
	s.mu.Unlock()
	for _, b := range buckets {
		b.close()
	}
	s.flushes.Wait()
	if s.owns {
		return s.rdb.Close()
	}
	return nil
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Calls:       s.calls.Load(),
		Errors:      s.errs.Load(),
		Fallbacks:   s.fallbacks.Load(),
		Rejoins:     s.rejoins.Load(),
		LocalGrants: s.localGrants.Load(),
		Dropped:     s.dropped.Load(),
	}
}

// useRedis reports whether a call at now should go to Redis. If it returns
// true, the caller must pass the outcome to done.
func (s *Store) useRedis(now time.Time) bool {
	if s.cfg.failFast {
		return true
	}
	s.hmu.Lock()
	down, until := s.down, s.downUntil
	s.hmu.Unlock()
	if !down {
		return true
	}
	return !now.Before(until) && s.trying.CompareAndSwap(false, true)
}

// done records the outcome of a Redis call made at now.
func (s *Store) done(now time.Time, err error) {
	defer s.trying.Store(false)
	s.hmu.Lock()
	wasDown := s.down
	if err != nil {
		s.errs.Add(1)
		s.down, s.downUntil = true, now.Add(s.cfg.cooldown)
	} else {
		s.calls.Add(1)
		s.down = false
	}
	s.hmu.Unlock()
	switch {
	case err != nil && !wasDown:
		if !s.cfg.failFast {
			s.fallbacks.Add(1)
		}
		if s.cfg.log != nil {
			s.cfg.log.Warn("redisstore: Redis unavailable, using the local budget", "err", err, "retry", s.cfg.cooldown, "failFast", s.cfg.failFast)
		}
	case err == nil && wasDown:
		s.rejoins.Add(1)
		if s.cfg.log != nil {
			s.cfg.log.Info("redisstore: Redis is back, sharing the budget again")
		}
	}
}

// eval runs the bucket script once, bounded by the timeout.
func (s *Store) eval(keys []string, args []any) ([]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.timeout)
	defer cancel()
	v, err := bucketScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	if len(v) < 1 {
		return nil, errors.New("redisstore: short reply from the bucket script")
	}
	return v, nil
}
