package ratelimit

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// countingStore wraps the memory store to show that a Budget's every
// decision goes through the Store seam.
type countingStore struct {
	Store
	opens, closes atomic.Int32
	takes         *atomic.Int32
}

type countingBucket struct {
	Bucket
	takes *atomic.Int32
}

func (s *countingStore) Open(scope string, cfg BucketConfig) Bucket {
	s.opens.Add(1)
	return countingBucket{s.Store.Open(scope, cfg), s.takes}
}

func (s *countingStore) Close() error { s.closes.Add(1); return s.Store.Close() }

func (b countingBucket) Take(now time.Time) (Grant, error) {
	b.takes.Add(1)
	return b.Bucket.Take(now)
}

func TestWithStoreIsTheOnlyPath(t *testing.T) {
	s := &countingStore{Store: NewMemoryStore(), takes: new(atomic.Int32)}
	l := NewLimiter(WithStore(s))
	b := l.Budget("a")
	if l.Budget("a") != b {
		t.Fatal("Budget(a) returned a different budget the second time")
	}
	for range 3 {
		tk, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b.Report(tk, Observation{Status: 200})
	}
	_ = l.Close()
	if s.opens.Load() != 1 || s.takes.Load() != 3 || s.closes.Load() != 1 {
		t.Errorf("store saw %d opens, %d takes, %d closes; want 1, 3, 1", s.opens.Load(), s.takes.Load(), s.closes.Load())
	}
	if _, err := b.Acquire(context.Background()); err != ErrClosed {
		t.Errorf("Acquire after Close = %v; want ErrClosed", err)
	}
}

func TestMemoryStoreSharesBucketsByScope(t *testing.T) {
	s := NewMemoryStore()
	cfg := BucketConfig{}
	if s.Open("a", cfg) != s.Open("a", cfg) || s.Open("a", cfg) == s.Open("b", cfg) {
		t.Error("Open must return one bucket per scope")
	}
}
