package redisstore

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// member is one process's share of a batch: its own store (and Redis
// connection), limiter and transport, as a separate OS process would have.
type member struct {
	store  *Store
	lim    *ratelimit.Limiter
	tr     *transport.Transport
	client *http.Client
}

// patient is the Redis call timeout of the tests that check the shared
// budget itself: on a loaded CI machine (race detector, in-process
// miniredis) a call can take longer than DefaultTimeout, and a store that
// falls back to its local budget is the degraded mode, not the one tested.
// TestRedisDiesMidBatch and the fallback tests keep short timeouts.
const patient = 10 * time.Second

func newMember(s *Store) *member {
	lim := ratelimit.NewLimiter(ratelimit.WithStore(s))
	tr := transport.New(transport.WithLimiter(lim))
	return &member{store: s, lim: lim, tr: tr, client: &http.Client{Transport: tr}}
}

// close closes the transport and the limiter, which closes the store.
func (m *member) close() error {
	err := m.tr.Close()
	if e := m.lim.Close(); err == nil {
		err = e
	}
	return err
}

// runItems sends n GETs of url with the given token from workers goroutines
// and returns how many ended in a 200, and the first failure. done, if not
// nil, is called after each success.
func runItems(client *http.Client, url, token string, n, workers int, done func()) (int, error) {
	var (
		next, ok atomic.Int64
		mu       sync.Mutex
		first    error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				err := get(client, url, token)
				if err == nil {
					ok.Add(1)
					if done != nil {
						done()
					}
					continue
				}
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return int(ok.Load()), first
}

func get(client *http.Client, url, token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Token "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
