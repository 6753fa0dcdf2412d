package redisstore

import (
	"context"
	"math"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// roundTrips is a go-redis hook that counts the commands (and pipelines)
// the client sends.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestOneRoundTripPerRequest counts the commands the client sent: an
// uncontended Acquire and Report cost one script call (EVALSHA), the
// report riding on the next Take.
func TestOneRoundTripPerRequest(t *testing.T) {
	_, rdb := newMiniredis(t)
	var rt roundTrips
	rdb.AddHook(&rt)
	s := New(rdb, WithFailFast())
	lim := ratelimit.NewLimiter(ratelimit.WithStore(s))
	defer lim.Close()
	b := lim.Budget("s")
	plenty := ratelimit.Observation{Status: 200, Limit: math.MaxInt32, Remaining: math.MaxInt32, HasRemaining: true}
	ctx := context.Background()
	for range 2 { // learn the budget and load the script
		tk, err := b.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.Report(tk, plenty)
	}
	const n = 50
	before, calls := rt.n.Load(), s.Stats().Calls
	for range n {
		tk, err := b.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.Report(tk, plenty)
	}
	got, script := rt.n.Load()-before, s.Stats().Calls-calls
	t.Logf("%d requests: %d commands sent to Redis, %d script calls", n, got, script)
	// The flush timer may send a report on its own now and then.
	if script < n || script > n+n/10 || got != script {
		t.Errorf("%d requests cost %d commands (%d script calls); want about %d", n, got, script, n)
	}
}
