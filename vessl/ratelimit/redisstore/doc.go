// Package redisstore keeps ratelimit budgets in Redis, so that many
// processes on many machines that share one credential share one budget:
// together they never overspend it, and together they still pace to the
// full limit.
//
// # Usage
//
//	store, err := redisstore.Dial("redis://localhost:6379/0", redisstore.WithLogger(slog.Default()))
//	if err != nil { ... }
//	lim := ratelimit.NewLimiter(ratelimit.WithStore(store)) // lim.Close closes store
//	client := &http.Client{Transport: transport.New(transport.WithLimiter(lim))}
//	// every process pointed at the same Redis (and key prefix) shares the budget
//
// # How it works
//
// Each scope's bucket is a Redis hash (plus a sorted set of the requests in
// flight) that only a Lua script changes, atomically and on Redis's clock
// (TIME): the script is a line-by-line port of the in-memory bucket of package
// ratelimit, so the rules are the same as in one process: the server's
// headers are the truth; every process's responses reconcile into the one
// state; a stale response never raises the budget; requests in flight
// anywhere count against what the server said remains; admissions are paced
// over the time left to the reset; at a reset one probe goes first; a 429
// leaves nothing until its reset. Only durations and the caller's own clock
// cross the wire, so the machines' clocks need not agree.
//
// One request costs one round trip: Budget.Acquire's Take runs the script,
// and the report of a response (Budget.Report) waits, at most WithFlushDelay,
// for the next Take to carry it; if none comes, a timer sends it alone.
// Backoff (after a 429) and Snapshot make a round trip of their own. On
// loopback a request costs about 0.1 ms more than with the in-memory store;
// the script takes about 50 µs of Redis's time, so one Redis serves some
// 20 000 requests a second across all processes (BenchmarkStore).
//
// Keys are the prefix (WithPrefix) followed by a SHA-256 of the scope, which
// itself holds only a hash of the credential; they expire on their own after
// the longest of the window, the time to reset and the in-flight expiry,
// plus a minute, and every call refreshes them. A request whose report never
// comes (its process died) stops counting after WithInflightExpiry.
//
// # When Redis is unavailable
//
// Every call is bounded by WithTimeout. When a call fails, the store logs a
// warning (WithLogger), counts a fallback (Stats) and serves each scope from
// a local in-memory budget, fresh for each outage, which learns the server's
// state from its own responses as a new process would (one probe first).
// After WithCooldown one call tries Redis again; when it answers, the store
// rejoins the shared budget and sends the reports kept meanwhile. No Acquire blocks on Redis beyond the timeout and
// no request is refused because Redis is down. WithFailFast makes Take return
// the error instead, which Budget.Acquire (and the transport) surface.
//
// # Differences from the in-memory bucket
//
//   - Times are whole microseconds, not nanoseconds.
//   - A process waiting for the answer to a request (a probe) that another
//     process sent is not told when it comes: it asks again every
//     WithPollInterval.
//   - A report reaches the shared state up to WithFlushDelay late; until then
//     its request still counts in flight, which can only hold the budget back.
//   - A ticket issued before the Redis state was lost (expired, flushed) is
//     older than every current one: its response can only lower the budget,
//     and it no longer counts in flight. A request still unreported after
//     WithInflightExpiry stops counting in flight.
//   - While Redis is unavailable the processes do not share a budget: each
//     local budget counts only its own requests in flight, so several
//     processes that fall back at once may together exceed the limit until
//     the server's 429s and headers bring them back in line.
//
// # Limits
//
// Waiters are served first come, first served within a process, not across
// processes, and a process's wait estimates (the *ratelimit.WaitError of an
// Acquire that cannot make it in time) count only its own queue. A call that
// times out after Redis ran it leaves its admission counted in flight until
// WithInflightExpiry, and the reports it carried are sent again (settling is
// idempotent; the adaptive concurrency of a headerless server may grow
// twice). When Redis loses a budget's state, the requests in flight at that
// moment are no longer counted in it. The script is a port that must follow
// the in-memory bucket when it changes; TestMirrorsMemoryStore compares the
// two.
package redisstore
