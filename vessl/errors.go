package vessl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// maxExcerpt bounds the excerpt of a non-JSON error body kept in an APIError.
const maxExcerpt = 200

// FieldError is one entry of an error body's "fields" list.
type FieldError struct {
	Name    string `json:"name"`
	Value   any    `json:"value,omitempty"`
	Message string `json:"message"`
}

// APIError reports a non-2xx answer from the API. Code, Message and Fields
// come from the JSON error body when there is one; for any other body,
// Message is the HTTP status text and Excerpt a short, sanitized start of the
// body (an HTML page from a proxy, say).
type APIError struct {
	Response   *http.Response `json:"-"` // the answer; its body is closed
	StatusCode int            `json:"-"`
	Method     string         `json:"-"`
	Path       string         `json:"-"` // URL path, without the query
	RequestID  string         `json:"-"` // the X-Request-Id the client sent

	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields"`
	Excerpt string       `json:"-"`
}

// Error reports the request, status, code, message, fields and excerpt.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vessl: %s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, f := range e.Fields {
		// Servers often repeat a field's complaint in the message.
		if fm := f.Name + ": " + f.Message; !strings.Contains(e.Message, fm) {
			fmt.Fprintf(&b, "; %s", fm)
		}
	}
	if e.Excerpt != "" {
		fmt.Fprintf(&b, " (body: %q)", e.Excerpt)
	}
	return b.String()
}

// RateLimitError reports a 429 that the transport did not (or could no
// longer) wait out: its retries were exhausted or the server's reset lay
// beyond the maximum wait. errors.As finds both *RateLimitError and, through
// Unwrap, its *APIError.
type RateLimitError struct {
	APIError

	Limit      int           // the quota, 0 if unknown
	Remaining  int           // requests left (0 on a 429 unless stated)
	Reset      time.Time     // local time when the quota refills; zero if unknown
	RetryAfter time.Duration // the server's Retry-After, 0 if absent

	// Rate is the full observation the 429 carried.
	Rate ratelimit.Observation
}

// Error is the APIError's text plus when to retry.
func (e *RateLimitError) Error() string {
	msg := e.APIError.Error()
	switch {
	case e.RetryAfter > 0:
		return fmt.Sprintf("%s (rate limited; retry after %v)", msg, e.RetryAfter)
	case !e.Reset.IsZero():
		return fmt.Sprintf("%s (rate limited; resets at %s)", msg, e.Reset.UTC().Format(time.RFC3339))
	}
	return msg + " (rate limited)"
}

// Unwrap returns the embedded *APIError.
func (e *RateLimitError) Unwrap() error { return &e.APIError }

// CheckResponse returns nil for a 2xx response; otherwise it reads (at most
// 64 KiB of) the body and returns a *RateLimitError for a 429 and an
// *APIError for anything else. It does not close the body.
func CheckResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	obs, _ := ratelimit.ParseHeaders(r.Header, r.StatusCode, time.Now())
	return checkResponse(r, obs, "")
}

func (c *Client) checkResponse(r *http.Response, obs ratelimit.Observation) error {
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	return checkResponse(r, obs, string(*c.token))
}

// checkResponse builds the error; token, if not empty, is scrubbed from
// everything taken from the body.
func checkResponse(r *http.Response, obs ratelimit.Observation, token string) error {
	e := APIError{Response: r, StatusCode: r.StatusCode}
	if r.Request != nil {
		e.Method = r.Request.Method
		e.Path = r.Request.URL.Path
		e.RequestID = r.Request.Header.Get(HeaderRequestID)
	}
	var data []byte
	if r.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	}
	if token != "" {
		// Before the excerpt is cut, so no prefix of the token survives.
		data = bytes.ReplaceAll(data, []byte(token), []byte(redacted))
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &e) == nil {
		// A JSON error body.
	} else {
		e.Code, e.Message, e.Fields = "", http.StatusText(r.StatusCode), nil
		e.Excerpt = excerpt(data)
	}
	if token != "" {
		// Again after decoding, for a token spelled with JSON escapes.
		scrub := func(s string) string { return strings.ReplaceAll(s, token, redacted) }
		e.Code, e.Message, e.Excerpt = scrub(e.Code), scrub(e.Message), scrub(e.Excerpt)
		for i := range e.Fields {
			e.Fields[i].Message = scrub(e.Fields[i].Message)
			if s, ok := e.Fields[i].Value.(string); ok {
				e.Fields[i].Value = scrub(s)
			}
		}
	}
	if r.StatusCode != http.StatusTooManyRequests {
		return &e
	}
	rl := &RateLimitError{APIError: e, Limit: obs.Limit, Rate: obs}
	if obs.HasRemaining {
		rl.Remaining = obs.Remaining
	}
	if obs.HasRetryAfter {
		rl.RetryAfter = obs.RetryAfter
	}
	rl.Reset = obs.Reset
	if rl.Reset.IsZero() && obs.HasRetryAfter && !obs.At.IsZero() {
		rl.Reset = obs.At.Add(obs.RetryAfter)
	}
	return rl
}

// excerpt returns a short printable start of body: control characters and
// runs of white space become one space, invalid UTF-8 is dropped.
func excerpt(body []byte) string {
	var b strings.Builder
	space := false
	for len(body) > 0 && b.Len() < maxExcerpt {
		r, size := utf8.DecodeRune(body)
		body = body[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if len(body) > 0 {
		s += "..."
	}
	return s
}
