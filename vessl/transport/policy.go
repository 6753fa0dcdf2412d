package transport

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

// retryUnsafeKey is the context key set by WithRetryUnsafe.
type retryUnsafeKey struct{}

// WithRetryUnsafe returns a copy of ctx that allows the transport to repeat a
// request whose method is not idempotent (POST, PATCH, ...) after a network
// error or a 502/503/504. Use it only when the server can tell the repeat from
// the original (for example a request that creates a resource under a name
// the caller chose) or when a duplicate is harmless; otherwise send an
// Idempotency-Key header instead. A 429 is retried for every method without it.
func WithRetryUnsafe(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryUnsafeKey{}, true)
}

// retryUnsafe reports whether ctx carries the WithRetryUnsafe opt-in.
func retryUnsafe(ctx context.Context) bool {
	v, _ := ctx.Value(retryUnsafeKey{}).(bool)
	return v
}

// Repeatable reports whether sending req a second time cannot apply a write
// twice: its method is idempotent (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE,
// PUT, DELETE), it carries an Idempotency-Key (or X-Idempotency-Key) header
// — the same header net/http's own Transport honours, present even with a nil
// value — or the caller opted in with WithRetryUnsafe. It is the rule the
// Transport retries transient failures by, for layers above it that retry
// too (package vessl re-sends a request whose response body was cut off).
func Repeatable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	return hasIdempotencyKey(req) || retryUnsafe(req.Context())
}

// hasIdempotencyKey reports whether req carries an Idempotency-Key (or
// X-Idempotency-Key) header, even with a nil value, as net/http's own
// Transport reads it.
func hasIdempotencyKey(req *http.Request) bool {
	if _, ok := req.Header["Idempotency-Key"]; ok {
		return true
	}
	_, ok := req.Header["X-Idempotency-Key"]
	return ok
}

// transientStatus reports whether code is a gateway or availability failure
// that a later attempt may not meet: 502, 503 and 504. Other 5xx codes (500,
// 501, 505, ...) describe the request or the server's code, not a passing
// condition, and are returned to the caller at once.
func transientStatus(code int) bool {
	switch code {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// keyInUse reports whether resp says that an earlier request with req's
// Idempotency-Key is still being processed, so that the same request, sent
// again a little later, gets the earlier one's outcome: a 409 Conflict to a
// request that carries the key, with Retry-After. A 409 is how the IETF
// Idempotency-Key draft (and Stripe) answer a concurrent duplicate, which is
// what a batch resumed right after an interruption sends; Retry-After tells
// it from the conflicts a repeat would only meet again, such as a name
// already taken.
func keyInUse(req *http.Request, resp *http.Response, hasRetryAfter bool) bool {
	return resp.StatusCode == http.StatusConflict && hasRetryAfter &&
		hasIdempotencyKey(req) && req.Context().Err() == nil
}

// transient reports whether the outcome of one attempt of req (a response or
// an error, never both) is a transient failure: a network error that
// retryablehttp does not classify as permanent, or a 502/503/504. It does not
// look at the method; see repeatable.
//
// go-retryablehttp's ErrorPropagatedRetryPolicy is the building block. What
// it contributes:
//   - it refuses once the request's context is done (a cancelled or expired
//     request is never repeated);
//   - for errors, it separates permanent failures (redirect loops, an
//     unsupported scheme, an invalid header, an untrusted TLS certificate)
//     from the recoverable rest. It matches those on a *url.Error, which
//     net/http.Client builds but a RoundTripper does not see, so the error
//     is wrapped in one first;
//   - for responses it says "retry" for 429, status 0 and every 5xx but 501.
//     That is far wider than what is safe here, so its verdict is only a gate:
//     429 is handled by the rate-limit path, and of the 5xx only 502/503/504
//     pass.
func transient(req *http.Request, resp *http.Response, err error) bool {
	if err != nil {
		var ue *url.Error
		if !errors.As(err, &ue) {
			err = &url.Error{Op: urlOp(req.Method), URL: req.URL.Redacted(), Err: err}
		}
		retry, _ := retryablehttp.ErrorPropagatedRetryPolicy(req.Context(), nil, err)
		return retry
	}
	if !transientStatus(resp.StatusCode) {
		return false
	}
	retry, _ := retryablehttp.ErrorPropagatedRetryPolicy(req.Context(), resp, nil)
	return retry
}

// urlOp mirrors the Op net/http.Client puts in a *url.Error ("Get", "Post").
func urlOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}
