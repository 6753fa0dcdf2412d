// Package ratelimit models a server's rate-limit budget from the headers of
// its responses, and makes concurrent callers share it without tripping the
// limit.
//
// # Usage
//
//	lim := ratelimit.NewLimiter(ratelimit.WithMaxWait(time.Minute))
//	b := lim.Budget(ratelimit.DefaultScope(req))
//	t, err := b.Acquire(ctx) // waits its turn; fails at once if it cannot make it in time
//	resp, err := http.DefaultTransport.RoundTrip(req)
//	obs, _ := ratelimit.ParseHeaders(resp.Header, resp.StatusCode, time.Now())
//	b.Report(t, obs) // or b.Cancel(t) if the request was never sent
//
// Package transport wraps exactly this in an http.RoundTripper.
//
// # Observations
//
// [ParseHeaders] turns one response into an [Observation]: the quota, what
// remains, when it refills (as a local deadline), the policy window and any
// Retry-After. It reads X-RateLimit-* (also X-Rate-Limit-*, and
// window-suffixed forms such as X-RateLimit-Remaining-Minute), Retry-After,
// the IETF RateLimit / RateLimit-Policy structured fields and the older
// drafts' RateLimit-Limit/-Remaining/-Reset. Of several policies, the
// tightest governs. It does not allocate for the usual X-RateLimit-*
// integers.
//
// # Reset times and clamping
//
// A reset value that is a date (HTTP-date or RFC 3339) is an absolute server
// time. A numeric value v, integer or fractional, is epoch milliseconds if
// v >= 1e11, epoch seconds if v >= 1e8 (as a delay that would be three
// years; as an epoch it is 1973), else a delay in seconds; negative, NaN and
// infinite values are ignored and reported as a [*HeaderError]. Absolute
// times become delays against the response's Date header (the server's
// clock) when present and valid, else against the local clock, and a past
// time is a delay of 0; the Observation's Reset is then the arrival time
// plus the delay, a local deadline, so a server clock minutes off changes
// nothing. A reset more than MaxDelay away is dropped and reported as a
// [*HeaderError] (no window lasts that long: it is a garbled value); every
// other delay, Retry-After's included, is clamped to [0, MaxDelay]. Counts are clamped to
// [0, MaxInt32]. Retry-After, when present, wins over every other hint.
//
// # Budgets
//
// A [Budget] is the client's model of one server-side bucket (a scope; by
// default one per host and credential, see [DefaultScope]). It
//
//   - counts requests in flight: a server's remaining only falls as it
//     processes requests, so the lowest remaining seen was the last one
//     processed, and the estimate is that minus every request still in
//     flight; K concurrent requests never overspend it;
//   - never lets a stale response raise it: a response to a request sent
//     before the state was set that says more was processed earlier and is
//     already counted, and one describing a window that has ended is
//     ignored;
//   - spends what the server says remains at once (a quota never shrinks
//     before its reset, whatever the algorithm), and paces what goes
//     beyond the burst tolerance ([WithBurst]; by default the whole
//     quota): that is spread over the time left to the reset (GCRA),
//     never slower than the long-run rate Limit/Window when that is known,
//     so fixed windows, sliding logs, sliding-window counters and token
//     buckets are served without knowing which one the server runs;
//   - at a reset does not assume the quota is back: what was left stays
//     usable, and if nothing was, one probe goes first, once nothing else
//     is in flight, and the rest follow at the pace its answer allows, with
//     jitter so that waiters never wake at one instant;
//   - learns from the probe's answer whether the server refills
//     continuously (a sliding-window counter, which announces the end of
//     its fixed window as the reset, or a token bucket): then, once nothing
//     is left, it probes again when the next slot should free (about
//     Window/Limit later) instead of waiting for the announced reset (not
//     with a Store shared by other processes, whose requests it cannot
//     tell from a refill);
//   - with nothing known (cold start) admits one request and adapts: while
//     the server sends no headers, an AIMD window grows on success and halves
//     on each overrun (a 429), and the admission rate halves too;
//   - waits out a 429 for its Retry-After (or reset), or for a jittered
//     back-off that grows with consecutive overruns ([Budget.Backoff]);
//   - serves waiters first come, first served, with a single timer for the
//     head of the queue; every response re-evaluates the queue, so a
//     probe's answer can release many waiters;
//   - fails a wait at once with a [*WaitError] (carrying the expected admit
//     time) when it is known to end after ctx's deadline or the maximum
//     wait, also when that becomes known while waiting; a cancelled wait
//     returns promptly and gives its place back.
//
// A [Limiter] holds the budgets of all scopes. Their state lives in a
// [Store]; the default keeps it in memory, and the seam is designed so that
// a shared store (Redis) can spread one budget across processes.
//
// # Concurrency and time
//
// Limiter, Budget and the default Store are safe for concurrent use; each
// bucket is guarded by one mutex and the waiter queue by another. Time comes
// from an injectable [Clock] (the real clock by default); the algorithm
// never sleeps, and its core methods take the current time as an argument.
//
// # Limits
//
// A sliding-window counter that reports the end of its fixed window as the
// reset may refuse the probe sent right after it, and, once recognised,
// an occasional probe sent before a slot freed (each 429 is waited out as
// the server says; in examples/compare 0-2 per batch of 250). If other
// programs spend the same credential on a sliding log, their requests may
// look like such a refill, at the cost of a 429 now and then. Probing one
// request at a time reaches Limit/Window only if a round trip is well
// under Window/Limit. While a probe's answer is missing the budget releases one more
// request after max(1s, 3 round trips), which a server with a quota of one
// may refuse. A server that sends no headers at all is learned by trial:
// expect a few 429s per overrun. Absolute resets are read against the
// Date header, which has whole seconds: a single response may put them up
// to a second late (never early). A Budget learns the offset between the
// server's clock and its own across responses (the largest Date minus
// arrival seen, which converges to it from below, so a deadline computed
// with it is never early) and brings such resets forward; how fast it
// converges depends on responses arriving at varied fractions of a second.
// An epoch-seconds reset is itself rounded up to the second: a sliding log
// whose probe lands just after a whole second announces the next reset
// almost a second late, every window. A request that fails after it was sent
// stays counted as spent; but if it fails while nothing is known (the
// first request, a probe), the next one goes at once and may be refused if
// the server had counted it.
package ratelimit
