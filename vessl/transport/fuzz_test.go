package transport

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// headerLines builds a header from "Name: value" lines; lines without a
// colon, or with a name net/http would refuse, are skipped.
func headerLines(s string) map[string]string {
	h := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\x00") {
			continue
		}
		h[k] = strings.TrimSpace(v)
	}
	return h
}

// FuzzRetryHints sends a request whose first answer is a 429 or 5xx with
// arbitrary headers, then a 200. Whatever the headers say, RoundTrip
// returns a response (never an error) within its bounds — WithMaxWait per
// wait, WithMaxTotalWait in all, WithMaxAttempts sends — and leaves
// nothing in flight; the next request is admitted or refused at once with
// a *ratelimit.WaitError. Seeds: testdata/fuzz/FuzzRetryHints.
func FuzzRetryHints(f *testing.F) {
	f.Add("Retry-After: 1000000000000000000", 429)
	f.Add("X-RateLimit-Limit: 10\nX-RateLimit-Remaining: 0\nX-RateLimit-Reset: NaN", 429)
	f.Add("Retry-After: Fri, 31 Dec 9999 23:59:59 GMT\nDate: Mon, 01 Jan 0001 00:00:00 GMT", 503)
	f.Add("RateLimit-Policy: \"d\";q=10;w=60\nRateLimit: \"d\";r=0;t=1e18", 429)
	const maxWait, maxTotal, attempts = time.Minute, 90 * time.Second, 3
	f.Fuzz(func(t *testing.T, text string, status int) {
		if status != 429 && (status < 500 || status > 599) {
			return
		}
		synctest.Test(t, func(t *testing.T) {
			first := step{status: status, header: headerLines(text), body: "no"}
			base, rec := mockBase(t, http.MethodGet, first, answer(200))
			tr := newTestTransport(t, base, nil, WithMaxWait(maxWait), WithMaxTotalWait(maxTotal),
				WithMaxAttempts(attempts), WithBackoff(time.Second, 10*time.Second))
			start := time.Now()
			resp, err := get(t, tr)
			if err != nil {
				t.Fatalf("RoundTrip error %v; want a response", err)
			}
			readBody(t, resp)
			if el := time.Since(start); el > maxTotal {
				t.Fatalf("RoundTrip took %v; want at most %v", el, maxTotal)
			}
			if n := rec.attempts(); n > attempts {
				t.Fatalf("%d attempts; want at most %d", n, attempts)
			}
			start = time.Now()
			resp, err = get(t, tr)
			el := time.Since(start)
			var we *ratelimit.WaitError
			switch {
			case err == nil:
				readBody(t, resp)
				if el > maxTotal {
					t.Fatalf("next RoundTrip took %v; want at most %v", el, maxTotal)
				}
			case errors.As(err, &we):
				if el != 0 || we.Wait < 0 || we.Wait > ratelimit.MaxDelay+ratelimit.MaxDelay/10 {
					t.Fatalf("next RoundTrip: %v after %v (wait %v); want a bounded wait refused at once", err, el, we.Wait)
				}
			default:
				t.Fatalf("next RoundTrip error %v (%T)", err, err)
			}
			checkGivenBack(t, budgetOf(tr))
		})
	})
}
