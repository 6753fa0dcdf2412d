package chaos

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/ratelimit/redisstore"
)

// commandLog is a go-redis hook that records the arguments of every
// command the store sends to Redis.
type commandLog struct {
	mu   sync.Mutex
	args []string
}

func (l *commandLog) record(cmds ...redis.Cmder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cmds {
		for _, a := range c.Args() {
			l.args = append(l.args, fmt.Sprint(a))
		}
	}
}

func (l *commandLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.args, "\n")
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.record(cmd)
		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		l.record(cmds...)
		return next(ctx, cmds)
	}
}

// redisContents returns every key of mr's database 0 with every value it
// holds (strings, hash fields and values, list, set and sorted-set members).
func redisContents(t *testing.T, mr *miniredis.Miniredis) string {
	t.Helper()
	var b strings.Builder
	for _, k := range mr.Keys() {
		fmt.Fprintf(&b, "key %s\n", k)
		switch typ := mr.Type(k); typ {
		case "string":
			v, _ := mr.Get(k)
			fmt.Fprintf(&b, "  %s\n", v)
		case "hash":
			fields, _ := mr.HKeys(k)
			for _, f := range fields {
				fmt.Fprintf(&b, "  %s = %s\n", f, mr.HGet(k, f))
			}
		case "zset":
			members, _ := mr.ZMembers(k)
			for _, m := range members {
				score, _ := mr.ZScore(k, m)
				fmt.Fprintf(&b, "  %s (%v)\n", m, score)
			}
		case "list":
			items, _ := mr.List(k)
			fmt.Fprintf(&b, "  %q\n", items)
		case "set":
			members, _ := mr.Members(k)
			fmt.Fprintf(&b, "  %q\n", members)
		default:
			t.Errorf("key %s has type %q, which this test does not read", k, typ)
		}
	}
	return b.String()
}

// TestRedisStoreNeverWritesToken runs a faulty batch through a client
// whose budget lives in Redis (miniredis), and checks that no key, no
// value and no argument of any command sent to Redis holds any piece of
// the token, under the default scope and under a careless scope function
// that returns the Authorization header itself.
func TestRedisStoreNeverWritesToken(t *testing.T) {
	scopes := []struct {
		name  string
		scope ratelimit.ScopeFunc
	}{
		{"default scope", nil},
		{"scope = Authorization header", func(r *http.Request) string { return r.Header.Get("Authorization") }},
	}
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			mr := miniredis.RunT(t)
			rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			defer rdb.Close()
			cmds := &commandLog{}
			rdb.AddHook(cmds)
			lim := ratelimit.NewLimiter(ratelimit.WithStore(redisstore.New(rdb)))
			defer lim.Close()

			srv := testserver.NewTest(t,
				testserver.WithDefaultToken(secretToken),
				testserver.WithLimits(testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 100, Window: time.Second}),
				testserver.WithRunDuration(20*time.Millisecond),
				testserver.WithFaults(testserver.Faults{ServerErrors: 0.05, SpuriousThrottle: 0.02, MissingHeaders: 0.05}))
			opts := []vessl.Option{vessl.WithLimiter(lim), vessl.WithOrganization(srv.Organization()),
				vessl.WithProject(srv.Project()), vessl.WithMaxWait(10 * time.Second)}
			if sc.scope != nil {
				opts = append(opts, vessl.WithScope(sc.scope))
			}
			c := newClient(t, srv.URL, opts...)
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			w := &workload{client: c, sweep: "redis", poll: 10 * time.Millisecond, tries: 2}
			out := w.run(ctx, 40, 8)
			ok := 0
			for _, o := range out {
				if o.OK {
					ok++
				}
			}
			_ = c.Budget().Snapshot() // a round trip of its own
			if _, _, err := c.Projects.Get(ctx, "", "no-such-project"); err == nil {
				t.Error("Projects.Get of a missing project succeeded")
			}

			contents := redisContents(t, mr)
			if len(mr.Keys()) == 0 {
				t.Fatal("the store wrote nothing to Redis: the test did not exercise it")
			}
			checkNoLeak(t, "Redis keys and values", contents)
			checkNoLeak(t, "commands sent to Redis", cmds.text())
			t.Logf("%d of %d items ok; Redis holds %d keys; %d command arguments checked",
				ok, len(out), len(mr.Keys()), strings.Count(cmds.text(), "\n")+1)
		})
	}
}
