// Package transport provides an http.RoundTripper that keeps a program inside
// a server's rate limit: it waits on a client-side budget before sending,
// feeds every response's rate-limit headers back into that budget, and
// retries what is safe to retry.
//
//	client := &http.Client{Transport: transport.New()}
//
// is all it takes; the budgets live in a ratelimit.Limiter, one per host and
// credential by default (see WithScope).
//
// # What a request goes through
//
//  1. The scope of the request is chosen (WithScope) and the transport waits
//     on that scope's budget, bounded by the request's context and
//     WithMaxWait. A wait that cannot end in time fails at once with a
//     *ratelimit.WaitError (wrapped; use errors.As).
//  2. A fresh *http.Request is sent for each attempt; for a repeat its body
//     comes from GetBody. The caller's request is never modified.
//  3. Every response's headers (X-RateLimit-*, Retry-After, IETF RateLimit,
//     ...) are parsed once and reported to the budget, whatever the status.
//     ObservationFrom returns what the returned response said.
//  4. A 429 is retried for every method, since the server did no work: after
//     Retry-After if present, else after the rate-limit reset, else after the
//     budget's adaptive back-off, stretched by a random fraction of the wait
//     (WithJitter) so that clients told the same reset do not all wake at
//     once. A 429 whose reset lies beyond WithMaxWait, or beyond the
//     request's deadline, is returned at once rather than slept on.
//  5. A transient failure (a network error, 502, 503, 504) is retried after a
//     jittered exponential back-off, but only when repeating cannot apply a
//     write twice: for GET, HEAD, OPTIONS, TRACE, PUT and DELETE, for a
//     request carrying an Idempotency-Key header, or for one whose context
//     comes from WithRetryUnsafe. POST and PATCH are otherwise sent once.
//     A 409 Conflict with Retry-After to a request carrying an
//     Idempotency-Key (the server is still processing an earlier request
//     with that key) is retried the same way, after at least Retry-After.
//  6. Attempts are bounded by WithMaxAttempts and the sum of the waits by
//     WithMaxTotalWait; no retry wait is started that the request's deadline
//     would cut short. When they run out, the last response is returned
//     with a nil error, its body intact and unread, so the caller can read
//     the 429 or 5xx and its reset time; after a network error, the error.
//
// # Beyond the http.RoundTripper contract
//
// The http.RoundTripper documentation asks a RoundTripper not to "attempt to
// handle higher-level protocol details such as redirects, authentication, or
// cookies". This one does two things a plain RoundTripper does not: it waits
// (before sending, and between attempts) and it sends one request more than
// once. Everything else stays strict:
//
//   - it returns err == nil whenever it obtained a response, including a
//     final 429 or 5xx; it never turns a status code into an error;
//   - it never modifies the caller's request; each attempt is a shallow copy
//     (new context and body; URL and Header shared read-only, so a request
//     id header such as X-Request-Id goes out identical on every attempt);
//   - it always closes the request body, including on errors;
//   - a body that cannot be rewound (no GetBody: a streaming body) is sent at
//     most once. If such a request would have been retried, the response is
//     returned as it is, or, after a network error, an error that matches
//     ErrBodyNotRewindable. Small bodies are not buffered behind the
//     caller's back to make them rewindable;
//   - every response it discards is drained (at most 64 KiB) and closed, so
//     its connection is reused;
//   - it never follows redirects (http.Client does) and never sets or reads
//     credentials: the Authorization header is only hashed into the default
//     scope by package ratelimit;
//   - every wait ends promptly when the request's context is done; the
//     error then wraps the context's error and the budget gets its
//     reservation back.
//
// # Building blocks
//
// Whether a failure is transient is decided with go-retryablehttp's
// ErrorPropagatedRetryPolicy: it refuses once the context is done and tells
// permanent network errors (TLS verification, unsupported scheme, invalid
// header, redirect loops) from recoverable ones. Its verdict on statuses (it
// would retry every 5xx but 501, and every method) is narrowed here to
// 502/503/504 and to repeatable requests. The back-off after a transient
// failure is a cenkalti/backoff/v4 ExponentialBackOff, one per request (it is
// not safe for concurrent use), running on the transport's clock (WithClock),
// so testing/synctest controls it. Waits after a 429 do not use it: they
// follow the server's hint or the budget's adaptive back-off.
//
// # Observability
//
// WithWaitHook is called before every wait, with its reason (WaitBudget,
// WaitRateLimited, WaitBackoff) and planned duration; WithRetryHook before
// every retry; WithLogger logs both. Stats returns counters: requests,
// attempts, 429s received, retries and the total time waited. Nothing is
// logged unless asked for.
package transport
