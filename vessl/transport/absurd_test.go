package transport

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// absurdHeaders are 429 answers whose hints are absurd: a reset of 10^18
// (seconds, milliseconds or a delay), negative, NaN, infinite, year-9999
// dates, in every header that carries a delay.
var absurdHeaders = []struct {
	name string
	kv   []string
}{
	{"Retry-After 1e18", []string{"Retry-After", "1000000000000000000"}},
	{"Retry-After 1e30", []string{"Retry-After", "1000000000000000000000000000000"}},
	{"Retry-After negative", []string{"Retry-After", "-5"}},
	{"Retry-After NaN", []string{"Retry-After", "NaN"}},
	{"Retry-After year 9999", []string{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}},
	{"Retry-After year 9999, Date year 1", []string{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT", "Date", "Mon, 01 Jan 0001 00:00:00 GMT"}},
	{"X-RateLimit-Reset 1e18", []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1000000000000000000"}},
	{"X-RateLimit-Reset -1e18", []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "-1000000000000000000"}},
	{"X-RateLimit-Reset NaN", []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "NaN"}},
	{"X-RateLimit-Reset +Inf", []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "+Inf"}},
	{"X-RateLimit-Reset 1e308", []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1e308"}},
	{"X-RateLimit-Reset year 9999", []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "9999-12-31T23:59:59Z"}},
	{"X-RateLimit-Remaining -1e18", []string{"X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "-1000000000000000000", "X-RateLimit-Reset", "1"}},
	{"X-RateLimit-Limit 1e18", []string{"X-RateLimit-Limit", "1000000000000000000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1"}},
	{"IETF t=1e18", []string{"RateLimit-Policy", `"d";q=10;w=1000000000000000000`, "RateLimit", `"d";r=0;t=1000000000000000000`}},
	{"IETF t=-1", []string{"RateLimit-Policy", `"d";q=10;w=-1`, "RateLimit", `"d";r=0;t=-1`}},
}

// TestAbsurdHintsBounded: whatever a 429 claims, the transport never waits
// past its maximum wait: it either waits a bounded time and retries, or
// returns the 429 at once. The budget it leaves behind then either admits
// the next request or refuses it at once with a *ratelimit.WaitError whose
// wait is at most ratelimit.MaxDelay (plus jitter).
func TestAbsurdHintsBounded(t *testing.T) {
	const maxWait = time.Minute
	for _, tt := range absurdHeaders {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base, rec := mockBase(t, http.MethodGet, answer(429, tt.kv...), answer(200))
				tr := newTestTransport(t, base, nil, WithMaxWait(maxWait), WithMaxTotalWait(2*maxWait))
				start := time.Now()
				resp, err := get(t, tr)
				if err != nil {
					t.Fatalf("RoundTrip error %v; want a response", err)
				}
				readBody(t, resp)
				first, firstStatus := time.Since(start), resp.StatusCode
				if first > maxWait {
					t.Errorf("RoundTrip took %v; want at most %v", first, maxWait)
				}
				if resp.StatusCode != 200 && rec.attempts() != 1 {
					t.Errorf("429 returned after %d attempts; want it at once", rec.attempts())
				}

				start = time.Now()
				resp, err = get(t, tr)
				el := time.Since(start)
				if el > maxWait {
					t.Errorf("next RoundTrip took %v; want at most %v", el, maxWait)
				}
				var we *ratelimit.WaitError
				switch {
				case err == nil:
					readBody(t, resp)
				case errors.As(err, &we):
					if !errors.Is(err, ratelimit.ErrMaxWait) || el != 0 {
						t.Errorf("next RoundTrip: %v after %v; want ErrMaxWait at once", err, el)
					}
					if we.Wait > ratelimit.MaxDelay+ratelimit.MaxDelay/10 || we.Wait < 0 {
						t.Errorf("WaitError.Wait = %v; want within [0, MaxDelay]", we.Wait)
					}
				default:
					t.Errorf("next RoundTrip error %v (%T); want nil or a *ratelimit.WaitError", err, err)
				}
				t.Logf("first: %d after %v and %d attempts; next: %v after %v", firstStatus, first, rec.attempts(), err, el)
				checkGivenBack(t, budgetOf(tr))
			})
		})
	}
}

// endlessBody is a response body that produces n bytes (or forever if
// n < 0) without ever holding them, and counts what was read.
type endlessBody struct {
	n      int64
	read   atomic.Int64
	closed atomic.Bool
}

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.n >= 0 {
		left := b.n - b.read.Load()
		if left <= 0 {
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), left)]
	}
	for i := range p {
		p[i] = 'x'
	}
	b.read.Add(int64(len(p)))
	return len(p), nil
}

func (b *endlessBody) Close() error { b.closed.Store(true); return nil }

// gibBase answers every request with status and a 1 GiB body.
type gibBase struct {
	status int
	bodies []*endlessBody
}

func (g *gibBase) RoundTrip(r *http.Request) (*http.Response, error) {
	b := &endlessBody{n: 1 << 30}
	g.bodies = append(g.bodies, b)
	return &http.Response{
		StatusCode: g.status, Status: http.StatusText(g.status),
		Header:  http.Header{"Retry-After": {"1"}, "Content-Type": {"text/html"}},
		Body:    b,
		Request: r,
	}, nil
}

// TestHugeDiscardedBodies: the 1 GiB bodies of the 429s and 503s the
// transport retries are drained only up to its bound (64 KiB) and closed;
// the last one is returned unread.
func TestHugeDiscardedBodies(t *testing.T) {
	for _, status := range []int{429, 503} {
		synctest.Test(t, func(t *testing.T) {
			base := &gibBase{status: status}
			tr := newTestTransport(t, base, nil, WithMaxAttempts(4), WithBackoff(time.Millisecond, time.Millisecond))
			resp, err := get(t, tr)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != status || len(base.bodies) != 4 {
				t.Fatalf("got %d after %d attempts; want %d after 4", resp.StatusCode, len(base.bodies), status)
			}
			for i, b := range base.bodies[:3] {
				if n := b.read.Load(); n > 64<<10 || !b.closed.Load() {
					t.Errorf("%d: discarded body %d: %d bytes read, closed %v; want <= 64 KiB, closed", status, i, n, b.closed.Load())
				}
			}
			last := base.bodies[3]
			if n := last.read.Load(); n != 0 {
				t.Errorf("%d: returned body: %d bytes already read; want 0", status, n)
			}
			head := make([]byte, 5)
			if _, err := io.ReadFull(resp.Body, head); err != nil || !strings.HasPrefix(string(head), "xxxxx") {
				t.Errorf("%d: returned body starts %q, %v; want it intact", status, head, err)
			}
			_ = resp.Body.Close()
			if !last.closed.Load() {
				t.Errorf("%d: returned body not closed by Close", status)
			}
		})
	}
}
