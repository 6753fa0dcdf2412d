package main

import (
	"fmt"
	"log/slog"

	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/ratelimit/redisstore"
)

// limiterOptions is the seam where the client's rate-limit budget is chosen:
// in memory by default (one process); with -redis, in Redis, shared by every
// process (on any machine) pointed at the same Redis with the same token.
// If Redis becomes unreachable the batch carries on with a local budget and
// says so on stderr; it rejoins when Redis is back.
func limiterOptions(cfg config) (opts []vessl.Option, closeFn func() error, err error) {
	if cfg.Redis == "" {
		return nil, func() error { return nil }, nil
	}
	store, err := redisstore.Dial(cfg.Redis, redisstore.WithLogger(slog.Default()))
	if err != nil {
		return nil, nil, fmt.Errorf("-redis: %w", err)
	}
	lim := ratelimit.NewLimiter(ratelimit.WithStore(store)) // Close closes the store
	return []vessl.Option{vessl.WithLimiter(lim)}, lim.Close, nil
}
