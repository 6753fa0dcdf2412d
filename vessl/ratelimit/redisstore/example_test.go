package redisstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/ratelimit/redisstore"
)

// Two processes (here two limiters, each with its own store and Redis
// connection) share one budget: what one learns from a response, the other
// knows, and what one has in flight, the other counts.
func Example() {
	mr := miniredis.NewMiniRedis() // a real deployment points at its Redis
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()

	process := func() *ratelimit.Limiter {
		store, err := redisstore.Dial("redis://" + mr.Addr() + "/0")
		if err != nil {
			panic(err)
		}
		return ratelimit.NewLimiter(ratelimit.WithStore(store)) // Close closes the store
	}
	a, b := process(), process()
	defer a.Close()
	defer b.Close()

	const scope = "api.vessl.ai|3f2a9c" // ratelimit.DefaultScope(req) in real use
	ctx := context.Background()
	t, err := a.Budget(scope).Acquire(ctx)
	if err != nil {
		panic(err)
	}
	// The response said: 10 per minute, 7 left.
	a.Budget(scope).Report(t, ratelimit.Observation{
		Status: 200, Limit: 10, Remaining: 7, HasRemaining: true, Reset: time.Now().Add(time.Minute)})
	a.Budget(scope).Snapshot() // sends the report now (Acquire would have carried it)

	s := b.Budget(scope).Snapshot()
	fmt.Printf("process b sees: limit %d, %d left, %d in flight\n", s.Limit, s.Remaining, s.InFlight)
	// Output: process b sees: limit 10, 7 left, 0 in flight
}
