// Package ratelimit models a server's rate-limit budget from the headers of
// its responses, and makes concurrent callers share it without tripping the
// limit.
//
// # Model
//
// [ParseHeaders] turns one response into an [Observation]: the quota, what
// remains, when it refills (as a local deadline) and any Retry-After. It
// reads X-RateLimit-* (and X-Rate-Limit-*, and window-suffixed forms),
// Retry-After, and the IETF RateLimit / RateLimit-Policy fields, choosing
// the tightest of several policies.
//
// A [Budget] is the client's model of one server-side bucket (a scope; by
// default one per host and credential, see [DefaultScope]). Callers
// [Budget.Acquire] before a request and [Budget.Report] its response. The
// budget:
//
//   - counts requests in flight: the estimate of what is left is the
//     server's Remaining minus requests it may not have counted yet, so K
//     concurrent requests never overspend it;
//   - never lets a stale response (from a request sent before the one that
//     last set the state, or describing an earlier window) raise it;
//   - paces: what remains is spread over the time left to the reset, never
//     slower than the long-run rate Limit/Window when that is known, so
//     fixed windows, sliding logs, sliding-window counters and token
//     buckets are all served without knowing which one the server runs;
//   - at a reset does not assume the quota is back: one probe goes first
//     and the others follow at the pace its answer allows, with jitter;
//   - starts conservatively when nothing is known (one request in flight),
//     then adapts: grows on success, halves on 429;
//   - waits out a 429 for its Retry-After (or reset), or an adaptive,
//     jittered back-off when the 429 says nothing ([Budget.Backoff]);
//   - serves waiters in FIFO order with a single timer; a wait known to be
//     too long for ctx or the maximum wait fails at once with a
//     [*WaitError].
//
// A [Limiter] holds the budgets of all scopes. Their state lives in a
// [Store] (in memory by default); the seam lets a shared store spread one
// budget across processes.
//
// # Reset times and clamping
//
// A reset value that is a date is an absolute server time. A numeric value
// v is epoch milliseconds if v >= 1e11, epoch seconds if v >= 1e8 (as a
// delay that would be three years), else a delay in seconds; negative, NaN
// and infinite values are ignored with a [*HeaderError]. Absolute times are
// read against the response's Date header (the server's clock) when present,
// else the local clock, and become local deadlines, so server clock skew
// does not matter. Every delay is clamped to [0, MaxDelay].
//
// # Concurrency
//
// Limiter, Budget and the default Store are safe for concurrent use. Time
// comes from an injectable [Clock]; the algorithm never sleeps.
//
// # Usage
//
//	lim := ratelimit.NewLimiter(ratelimit.WithMaxWait(time.Minute))
//	b := lim.Budget(ratelimit.DefaultScope(req))
//	t, err := b.Acquire(ctx) // waits for the budget; fails fast if too long
//	resp, err := http.DefaultClient.Do(req)
//	obs, _ := ratelimit.ParseHeaders(resp.Header, resp.StatusCode, time.Now())
//	b.Report(t, obs)
package ratelimit
