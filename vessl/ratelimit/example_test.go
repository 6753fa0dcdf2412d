package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

func ExampleParseHeaders() {
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Date", "Fri, 27 Nov 2026 08:00:00 GMT")
	h.Set("X-RateLimit-Limit", "100")
	h.Set("X-RateLimit-Remaining", "7")
	h.Set("X-RateLimit-Reset", "1795766430") // epoch seconds: 30s after Date

	obs, err := ratelimit.ParseHeaders(h, http.StatusOK, at)
	if err != nil {
		fmt.Println(err)
	}
	d, _ := obs.Delay()
	fmt.Println(obs.Limit, obs.Remaining, d)
	// Output: 100 7 30s
}

func ExampleParseHeaders_ietf() {
	at := time.Now()
	h := http.Header{}
	h.Set("RateLimit-Policy", `"burst";q=100;w=60, "daily";q=1000;w=86400`)
	h.Set("RateLimit", `"burst";r=40;t=20, "daily";r=3;t=7200`)
	h.Set("Retry-After", "abc")

	obs, err := ratelimit.ParseHeaders(h, http.StatusOK, at)
	fmt.Println(err)
	fmt.Println(obs.Policy, obs.Limit, obs.Remaining, obs.Window)
	// Output:
	// ratelimit: header Retry-After "abc": not a number or date
	// daily 1000 3 24h0m0s
}

func ExampleBudget() {
	lim := ratelimit.NewLimiter(ratelimit.WithMaxWait(time.Minute))
	defer lim.Close()
	budget := lim.Budget("api.example.com")

	ctx := context.Background()
	ticket, err := budget.Acquire(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... send the request; suppose the response said:
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "100")
	h.Set("X-RateLimit-Remaining", "99")
	h.Set("X-RateLimit-Reset", "60")
	obs, _ := ratelimit.ParseHeaders(h, http.StatusOK, time.Now())
	budget.Report(ticket, obs)

	s := budget.Snapshot()
	fmt.Println(s.Known, s.Remaining, s.InFlight)
	// Output: true 99 0
}

func ExampleWaitError() {
	lim := ratelimit.NewLimiter()
	defer lim.Close()
	budget := lim.Budget("api.example.com")

	// A response said: nothing left for an hour.
	ticket, _ := budget.Acquire(context.Background())
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", "3600")
	obs, _ := ratelimit.ParseHeaders(h, http.StatusOK, time.Now())
	budget.Report(ticket, obs)

	// A caller that can wait 10 seconds fails at once, and learns when to
	// come back.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := budget.Acquire(ctx)
	var we *ratelimit.WaitError
	if errors.As(err, &we) {
		fmt.Println(errors.Is(err, context.DeadlineExceeded), we.Wait.Round(time.Hour))
	}
	// Output: true 1h0m0s
}
