package chaos

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// generated is a body of n bytes (forever if n < 0) that starts with
// prefix and continues with fill; it is generated as it is read, never
// held, and counts what was read.
type generated struct {
	prefix string
	fill   byte
	n      int64
	read   atomic.Int64
}

func (g *generated) Read(p []byte) (int, error) {
	off := g.read.Load()
	if g.n >= 0 {
		if off >= g.n {
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), g.n-off)]
	}
	for i := range p {
		if j := off + int64(i); j < int64(len(g.prefix)) {
			p[i] = g.prefix[j]
		} else {
			p[i] = g.fill
		}
	}
	g.read.Add(int64(len(p)))
	return len(p), nil
}

func (g *generated) Close() error { return nil }

const gib = 1 << 30

// allocated returns the bytes allocated (by every goroutine) while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHugeErrorBodyBounded: CheckResponse on a 1 GiB error body (JSON that
// never closes, an HTML page, binary noise) reads at most 64 KiB of it,
// allocates a bounded amount, and returns a typed, short error.
func TestHugeErrorBodyBounded(t *testing.T) {
	bodies := []struct{ name, prefix string }{
		{"json", `{"code": "Oops", "message": "`},
		{"html", "<html><body><h1>502 Bad Gateway</h1>"},
		{"noise", "\xff\xfe\x00"},
	}
	for _, status := range []int{400, 429, 500, 503} {
		for _, b := range bodies {
			var err error
			var body *generated
			const runs = 5
			alloc := allocated(func() {
				for range runs {
					body = &generated{prefix: b.prefix, fill: 'x', n: gib}
					err = vessl.CheckResponse(&http.Response{StatusCode: status, Header: http.Header{}, Body: body})
				}
			})
			if n := body.read.Load(); n > 64<<10 {
				t.Errorf("%d %s: read %d bytes of the 1 GiB body; want at most 64 KiB", status, b.name, n)
			}
			if per := alloc / runs; per > 512<<10 {
				t.Errorf("%d %s: CheckResponse allocated %d KiB; want at most 512 KiB", status, b.name, per>>10)
			}
			var apiErr *vessl.APIError
			var rateErr *vessl.RateLimitError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || (status == 429) != errors.As(err, &rateErr) {
				t.Errorf("%d %s: CheckResponse = %v (%T); want a typed error for the status", status, b.name, err, err)
				continue
			}
			if n := len(err.Error()); n > 4<<10 {
				t.Errorf("%d %s: error text has %d bytes; want a short one", status, b.name, n)
			}
		}
	}
}

// newClient returns a client for base with the chaos tests' defaults.
func newClient(t *testing.T, base string, opts ...vessl.Option) *vessl.Client {
	t.Helper()
	c, err := vessl.NewClient(append([]vessl.Option{vessl.WithToken(secretToken), vessl.WithBaseURL(base),
		vessl.WithOrganization("o"), vessl.WithProject("p")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// streamForever writes status, then prefix, then fill bytes until the
// client goes away (or the test ends).
func streamForever(status int, contentType, prefix string, done <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, prefix)
		chunk := []byte(strings.Repeat(" ", 32<<10))
		for {
			select {
			case <-r.Context().Done():
				return
			case <-done:
				return
			default:
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
}

// TestEndlessErrorBodyOverHTTP: a server that answers 500 (not retried) or
// 503 (retried, its bodies discarded) with a body that never ends: the call
// returns a typed error promptly, without reading or allocating more than
// a bounded amount.
func TestEndlessErrorBodyOverHTTP(t *testing.T) {
	for _, status := range []int{500, 503} {
		done := make(chan struct{})
		hs := httptest.NewServer(streamForever(status, "application/json", `{"message": "`, done))
		c := newClient(t, hs.URL, vessl.WithTransportOptions(transport.WithBackoff(time.Millisecond, 10*time.Millisecond)))
		var err error
		start := time.Now()
		alloc := allocated(func() { _, _, err = c.Accounts.Me(t.Context()) })
		elapsed := time.Since(start)
		close(done)
		hs.Close()
		var apiErr *vessl.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("%d: Me error %v (%T); want an *APIError", status, err, err)
		}
		if alloc > 32<<20 {
			t.Errorf("%d: the call allocated %d MiB (client and server); want a bounded amount", status, alloc>>20)
		}
		if elapsed > 30*time.Second {
			t.Errorf("%d: the call took %v", status, elapsed)
		}
		t.Logf("%d: %v after %v, %d KiB allocated", status, err, elapsed.Round(time.Millisecond), alloc>>10)
	}
}

// TestEndlessSuccessBody: a 200 whose body stops after its first bytes and
// never ends: the call returns promptly once its context is cancelled, and
// the budget gets its slot back. A 200 whose body streams forever is cut at
// the client's 64 MiB bound.
func TestEndlessSuccessBody(t *testing.T) {
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"page_info": {"total_count": 3}, "results": [`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stall.Close()
	defer close(release)
	c := newClient(t, stall.URL)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stop := time.AfterFunc(100*time.Millisecond, cancel)
	defer stop.Stop()
	start := time.Now()
	_, _, err := c.Experiments.List(ctx, "", "", nil)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("List returned %v after the cancel; want promptly", el)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List error %v; want one matching context.Canceled", err)
	}
	if s := c.Budget().Snapshot(); s.InFlight != 0 || s.Waiters != 0 {
		t.Errorf("budget after the cancel: %d in flight, %d waiting; want 0, 0", s.InFlight, s.Waiters)
	}

	if testing.Short() {
		return
	}
	done := make(chan struct{})
	stream := httptest.NewServer(streamForever(http.StatusOK, "application/json", `{"results": [`, done))
	defer stream.Close()
	defer close(done)
	c = newClient(t, stream.URL)
	start = time.Now()
	alloc := allocated(func() { _, _, err = c.Experiments.List(t.Context(), "", "", nil) })
	if err == nil {
		t.Error("List of an endless body succeeded")
	}
	if alloc > 128<<20 {
		t.Errorf("List of an endless body allocated %d MiB; want it bounded by the 64 MiB read limit", alloc>>20)
	}
	t.Logf("endless 200: %v after %v, %d MiB allocated", err, time.Since(start).Round(time.Millisecond), alloc>>20)
}
