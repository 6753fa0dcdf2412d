package redisstore

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// BenchmarkStore measures one Acquire and Report through a Budget on each
// store, with a budget that is never exhausted: what the store adds to a
// request. redis-server runs only when VESSL_TEST_REDIS_URL is set.
// calls/op counts Redis round trips per request.
func BenchmarkStore(b *testing.B) {
	plenty := ratelimit.Observation{Status: 200, Limit: math.MaxInt32, Remaining: math.MaxInt32, HasRemaining: true}
	run := func(b *testing.B, s ratelimit.Store, calls func() int64) {
		lim := ratelimit.NewLimiter(ratelimit.WithStore(s))
		defer lim.Close()
		bud := lim.Budget("bench")
		ctx := context.Background()
		t, err := bud.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		bud.Report(t, plenty) // learn the budget; cold start would limit concurrency
		before := calls()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			t, err := bud.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			bud.Report(t, plenty)
		}
		b.ReportMetric(float64(calls()-before)/float64(b.N), "calls/op")
	}
	b.Run("memory", func(b *testing.B) {
		run(b, ratelimit.NewMemoryStore(), func() int64 { return 0 })
	})
	redisCase := func(b *testing.B, rdb *redis.Client) {
		s := New(rdb, WithPrefix("bench-"+time.Now().Format(time.RFC3339Nano)+":"), WithFailFast())
		run(b, s, func() int64 { return s.Stats().Calls })
	}
	b.Run("redis-miniredis", func(b *testing.B) {
		_, rdb := newMiniredis(b)
		redisCase(b, rdb)
	})
	b.Run("redis-server", func(b *testing.B) {
		url := os.Getenv(envRedisURL)
		if url == "" {
			b.Skipf("set %s to a redis-server", envRedisURL)
		}
		o, err := redis.ParseURL(url)
		if err != nil {
			b.Fatal(err)
		}
		rdb := redis.NewClient(o)
		defer rdb.Close()
		redisCase(b, rdb)
	})
	b.Run("redis-server-ping", func(b *testing.B) {
		// The floor: one bare round trip to the same server.
		url := os.Getenv(envRedisURL)
		if url == "" {
			b.Skipf("set %s to a redis-server", envRedisURL)
		}
		o, err := redis.ParseURL(url)
		if err != nil {
			b.Fatal(err)
		}
		rdb := redis.NewClient(o)
		defer rdb.Close()
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := rdb.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
