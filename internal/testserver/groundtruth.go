package testserver

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// RequestIDHeader is the header the client sets once per logical request
// (identical on retries); the server counts applied writes by it.
const RequestIDHeader = "X-Request-Id"

// IdempotencyKeyHeader makes a write idempotent: a second write with a key
// already seen (for the same token) gets the stored response and is not
// applied again.
const IdempotencyKeyHeader = "Idempotency-Key"

// writeLog counts applied writes per request id.
type writeLog struct {
	mu       sync.Mutex
	counts   map[string]int
	total    int
	noID     int
	replayed int
}

type idemEntry struct {
	done        bool
	fingerprint [sha256.Size]byte // method, path and body of the first request
	rep         reply
}

// fingerprint identifies a write's parameters. It reads r's body and puts an
// equivalent one back for the handler.
func fingerprint(r *http.Request) [sha256.Size]byte {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\x00")
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

type idempotency struct {
	mu      sync.Mutex
	entries map[string]*idemEntry // token + "\x00" + key
}

// applyWrite runs a write handler with Idempotency-Key replay and counts it
// as applied (by request id) when it succeeded.
func (s *Server) applyWrite(r *http.Request, c call, h handlerFunc) reply {
	key := r.Header.Get(IdempotencyKeyHeader)
	var slot string
	if key != "" {
		slot = c.token.token + "\x00" + key
		fp := fingerprint(r)
		s.idem.mu.Lock()
		if e, ok := s.idem.entries[slot]; ok {
			s.idem.mu.Unlock()
			if e.fingerprint != fp {
				// A client that reuses a key for another request would
				// otherwise get an unrelated stored response: refuse.
				return replyError(http.StatusUnprocessableEntity, "IdempotencyKeyReused",
					"Keys for idempotent requests can only be used with the same method, path and body.", nil)
			}
			if !e.done {
				rep := replyError(http.StatusConflict, "IdempotencyConflict", "A request with this Idempotency-Key is still being processed.", nil)
				rep.retryAfter = "1"
				return rep
			}
			s.writes.mu.Lock()
			s.writes.replayed++
			s.writes.mu.Unlock()
			rep := e.rep
			rep.replayed = true
			return rep
		}
		s.idem.entries[slot] = &idemEntry{fingerprint: fp}
		s.idem.mu.Unlock()
	}
	rep := h(r, c)
	if rep.status < 300 {
		id := r.Header.Get(RequestIDHeader)
		s.writes.mu.Lock()
		s.writes.total++
		if id == "" {
			s.writes.noID++
		} else {
			s.writes.counts[id]++
		}
		s.writes.mu.Unlock()
	}
	if key != "" {
		s.idem.mu.Lock()
		if rep.status >= 500 { // not applied: let a retry try again
			delete(s.idem.entries, slot)
		} else {
			s.idem.entries[slot].done, s.idem.entries[slot].rep = true, rep
		}
		s.idem.mu.Unlock()
	}
	return rep
}

// WriteCounts returns, for each request id, how many times a write carrying
// it was applied (writes that failed or were replayed are not counted).
func (s *Server) WriteCounts() map[string]int {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	m := make(map[string]int, len(s.writes.counts))
	for k, v := range s.writes.counts {
		m[k] = v
	}
	return m
}

// Duplicates returns how many request ids were applied more than once: a
// correct client keeps it at 0.
func (s *Server) Duplicates() int {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	n := 0
	for _, v := range s.writes.counts {
		if v > 1 {
			n++
		}
	}
	return n
}

// WriteStats summarises the writes the server applied.
type WriteStats struct {
	Applied    int // writes applied, with or without request id
	WithoutID  int // applied writes that carried no X-Request-Id
	Duplicates int // request ids applied more than once
	Replayed   int // writes answered from the Idempotency-Key store
}

// Writes returns the write ground truth.
func (s *Server) Writes() WriteStats {
	dup := s.Duplicates()
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	return WriteStats{Applied: s.writes.total, WithoutID: s.writes.noID, Duplicates: dup, Replayed: s.writes.replayed}
}

// BucketStats is the ground truth of one configured Limit of one token.
type BucketStats struct {
	Limit     Limit
	Admitted  int // requests the bucket admitted
	Throttled int // requests this bucket rejected with 429
	// MaxInWindow is the largest number of admissions in any half-open
	// interval of length Limit.Window (sliding, computed from the log).
	MaxInWindow int
	// Exceeded reports whether the admissions, replayed through a fresh
	// instance of the bucket's algorithm, would have been rejected at least
	// once: the server (Observe mode) or a client broke the limit. For a
	// fixed window it means more than Requests in one window slot; for a
	// sliding log more than Requests in some interval of length Window.
	Exceeded bool
}

// Stats is the ground truth for one token.
type Stats struct {
	Requests  int // authenticated requests that reached the limiter
	Admitted  int // requests admitted by every bucket
	Throttled int // 429 answers, spurious ones included
	Spurious  int // 429 answers injected by Faults.SpuriousThrottle
	// MaxInWindow and Exceeded are those of the first bucket (the GroupAll
	// one when configured first); 0 and false without limits.
	MaxInWindow int
	Exceeded    bool // true if any bucket was exceeded
	Buckets     []BucketStats
}

// Stats returns the ground truth for token (zero Stats for an unknown token).
func (s *Server) Stats(token string) Stats {
	ts := s.tokens[token]
	if ts == nil {
		return Stats{}
	}
	st := Stats{
		Requests:  int(ts.requests.Load()),
		Throttled: int(ts.throttled.Load()),
		Spurious:  int(ts.spurious.Load()),
	}
	ts.mu.Lock()
	st.Admitted = len(ts.admitted)
	ts.mu.Unlock()
	for i, b := range ts.buckets {
		b.mu.Lock()
		times := append([]time.Time(nil), b.admitted...)
		bs := BucketStats{Limit: b.limit, Admitted: len(times), Throttled: b.throttled}
		b.mu.Unlock()
		bs.MaxInWindow = MaxInWindow(times, b.limit.Window)
		bs.Exceeded = exceeded(b.limit, times)
		if i == 0 {
			st.MaxInWindow = bs.MaxInWindow
		}
		st.Exceeded = st.Exceeded || bs.Exceeded
		st.Buckets = append(st.Buckets, bs)
	}
	return st
}

// Admissions returns the time of every request admitted for token, oldest
// first (for plotting admitted requests over time).
func (s *Server) Admissions(token string) []time.Time {
	ts := s.tokens[token]
	if ts == nil {
		return nil
	}
	ts.mu.Lock()
	out := append([]time.Time(nil), ts.admitted...)
	ts.mu.Unlock()
	// Concurrent requests record their admission after leaving the buckets,
	// so neighbours can be out of order by a few microseconds.
	slices.SortStableFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// Throttles returns the time of every 429 answered to token, oldest first.
func (s *Server) Throttles(token string) []time.Time {
	ts := s.tokens[token]
	if ts == nil {
		return nil
	}
	ts.mu.Lock()
	out := append([]time.Time(nil), ts.throttles...)
	ts.mu.Unlock()
	slices.SortStableFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// MaxInWindow returns the largest number of times in any half-open interval
// [t, t+w). times need not be sorted.
func MaxInWindow(times []time.Time, w time.Duration) int {
	if len(times) == 0 || w <= 0 {
		return len(times)
	}
	sorted := append([]time.Time(nil), times...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	best, lo := 0, 0
	for hi := range sorted {
		for sorted[hi].Sub(sorted[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// exceeded replays times through a fresh algorithm for l.
func exceeded(l Limit, times []time.Time) bool {
	alg := newAlgorithm(l)
	if alg == nil {
		return false
	}
	for _, t := range times {
		if ok, _, _ := admit(alg, t); !ok {
			return true
		}
	}
	return false
}
