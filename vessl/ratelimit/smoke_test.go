package ratelimit

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	now := time.Now()
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "100")
	h.Set("X-RateLimit-Remaining", "50")
	h.Set("X-RateLimit-Reset", "30")
	obs, err := ParseHeaders(h, 200, now)
	if err != nil || obs.Limit != 100 || obs.Remaining != 50 || obs.Reset.Sub(now) != 30*time.Second {
		t.Fatalf("ParseHeaders = %+v, %v", obs, err)
	}
	l := NewLimiter()
	defer l.Close()
	b := l.Budget("x")
	tk, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b.Report(tk, obs)
}
