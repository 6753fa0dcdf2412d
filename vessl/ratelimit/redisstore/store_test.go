package redisstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// manualClock is a ratelimit.Clock whose timers fire only when the test
// says so.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	c      *manualClock
	f      func()
	at     time.Time
	active bool
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) AfterFunc(d time.Duration, f func()) ratelimit.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{c: c, f: f, at: c.now.Add(d), active: true}
	c.timers = append(c.timers, t)
	return t
}

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *manualTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active, t.at = true, t.c.now.Add(d)
	return was
}

// advance moves the clock by d and runs the timers that came due.
func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for _, t := range c.timers {
		if t.active && !t.at.After(c.now) {
			t.active = false
			due = append(due, t.f)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func headers(remaining int, reset time.Duration) ratelimit.Report {
	return ratelimit.Report{Status: 200, Limit: 10, Remaining: remaining, HasRemaining: true, Reset: reset, HasReset: true}
}

func TestKeysHashTheScopeAndExpire(t *testing.T) {
	mr, rdb := newMiniredis(t)
	mr.SetTime(t0)
	s := New(rdb, WithPrefix("p:"), WithFailFast())
	defer s.Close()
	const scope = "api.example.com|secret-token-hash"
	b := s.Open(scope, ratelimit.BucketConfig{})
	if s.Open(scope, ratelimit.BucketConfig{}) != b {
		t.Error("Open(scope) twice returned two buckets")
	}
	g, err := b.Take(t0)
	if err != nil || !g.OK {
		t.Fatalf("Take = %+v, %v; want an admission", g, err)
	}
	sum := sha256.Sum256([]byte(scope))
	tag := "p:{" + hex.EncodeToString(sum[:16]) + "}"
	keys := mr.Keys()
	if strings.Join(keys, " ") != tag+":inflight "+tag+":state" {
		t.Errorf("keys %q; want %q and %q", keys, tag+":inflight", tag+":state")
	}
	for _, k := range keys {
		if strings.Contains(k, "secret") || strings.Contains(k, "example") {
			t.Errorf("key %q holds the scope in clear", k)
		}
		// In flight: the keys outlive the in-flight expiry.
		if ttl := mr.TTL(k); ttl <= DefaultInflightExpiry {
			t.Errorf("TTL(%q) = %v; want more than %v", k, ttl, DefaultInflightExpiry)
		}
	}
	if err := b.Report(t0, g.Seq, headers(9, time.Hour)); err != nil {
		t.Fatal(err)
	}
	b.Snapshot(t0) // carries the report
	if ttl := mr.TTL(tag + ":state"); ttl <= time.Hour {
		t.Errorf("TTL = %v after a reset in an hour; want more than an hour", ttl)
	}
	mr.FastForward(2 * time.Hour)
	if keys := mr.Keys(); len(keys) != 0 {
		t.Errorf("keys %q after their TTL; want none", keys)
	}
}

func TestSharedStateAcrossStores(t *testing.T) {
	mr, rdb := newMiniredis(t)
	mr.SetTime(t0)
	a, b := New(rdb, WithFailFast()), New(rdb, WithFailFast())
	defer a.Close()
	defer b.Close()
	cfg := ratelimit.BucketConfig{Burst: 1} // no pacing: the test is about counts
	ba, bb := a.Open("s", cfg), b.Open("s", cfg)
	g, _ := ba.Take(t0)
	// One probe in flight anywhere: the other store must wait for it.
	if g2, _ := bb.Take(t0); g2.OK || g2.WaitKnown || g2.Wait != DefaultPollInterval {
		t.Errorf("second store's Take during the probe = %+v; want a wait of the poll interval", g2)
	}
	_ = ba.Report(t0, g.Seq, headers(2, time.Minute))
	if g2, err := ba.Take(t0); err != nil || !g2.OK { // carries the report
		t.Fatalf("Take = %+v, %v; want admission 2", g2, err)
	}
	g3, _ := bb.Take(t0)
	if !g3.OK || g3.Seq&seqMask != 3 {
		t.Errorf("second store's Take = %+v; want admission 3", g3)
	}
	if g4, _ := bb.Take(t0); g4.OK || !g4.WaitKnown || g4.Wait < 59*time.Second {
		t.Errorf("Take with nothing left = %+v; want a wait to the reset", g4)
	}
	if s := ba.Snapshot(t0); s.InFlight != 2 || s.Remaining != 0 || !s.Known {
		t.Errorf("snapshot %+v; want 2 in flight, 0 remaining", s)
	}
}

func TestReportsFlushWithoutTake(t *testing.T) {
	mr, rdb := newMiniredis(t)
	mr.SetTime(t0)
	clk := &manualClock{now: t0}
	s := New(rdb, WithClock(clk), WithFlushDelay(5*time.Millisecond), WithFailFast())
	defer s.Close()
	b := s.Open("s", ratelimit.BucketConfig{})
	g, _ := b.Take(t0)
	_ = b.Report(t0, g.Seq, headers(5, time.Minute))
	key := b.(*bucket).keys[1]
	if n, _ := mr.ZMembers(key); len(n) != 1 {
		t.Fatalf("in flight before the flush: %v; want the request", n)
	}
	clk.advance(5 * time.Millisecond)
	if n, _ := mr.ZMembers(key); len(n) != 0 {
		t.Errorf("in flight after the flush delay: %v; want none", n)
	}
	if s.Stats().Calls != 2 {
		t.Errorf("%d calls; want 2 (take, flush)", s.Stats().Calls)
	}
}

func TestLostRequestsExpire(t *testing.T) {
	mr, rdb := newMiniredis(t)
	mr.SetTime(t0)
	s := New(rdb, WithInflightExpiry(time.Minute), WithFailFast())
	defer s.Close()
	b := s.Open("s", ratelimit.BucketConfig{})
	_, _ = b.Take(t0) // its process dies: never reported
	if g, _ := b.Take(t0); g.OK {
		t.Fatal("second Take during the probe admitted")
	}
	later := t0.Add(time.Minute + time.Second)
	mr.SetTime(later)
	if s := b.Snapshot(later); s.InFlight != 0 {
		t.Errorf("in flight after the expiry: %d; want 0", s.InFlight)
	}
}

func TestLostStateStartsNewEpoch(t *testing.T) {
	mr, rdb := newMiniredis(t)
	mr.SetTime(t0)
	s := New(rdb, WithFailFast())
	defer s.Close()
	b := s.Open("s", ratelimit.BucketConfig{})
	old, _ := b.Take(t0)
	mr.FlushAll()
	mr.SetTime(t0.Add(time.Second))
	g, _ := b.Take(t0.Add(time.Second))
	if !g.OK || g.Seq == old.Seq || g.Seq&seqMask != 1 {
		t.Fatalf("Take after the state was lost = %+v (old ticket %d); want seq 1 of a new epoch", g, old.Seq)
	}
	// The old ticket's report must not settle the new ticket 1.
	_ = b.Report(t0.Add(time.Second), old.Seq, headers(5, time.Minute))
	if s := b.Snapshot(t0.Add(time.Second)); s.InFlight != 1 {
		t.Errorf("in flight %d after the old ticket's report; want 1 (the new ticket)", s.InFlight)
	}
}

func TestFallbackAndRejoin(t *testing.T) {
	mr, rdb := newMiniredis(t)
	var logs bytes.Buffer
	s := New(rdb, WithCooldown(time.Second), WithTimeout(time.Second),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	defer s.Close()
	b := s.Open("s", ratelimit.BucketConfig{})
	now := time.Now()
	g, err := b.Take(now)
	if err != nil || !g.OK || g.Seq&localBit != 0 {
		t.Fatalf("Take = %+v, %v; want a Redis admission", g, err)
	}
	_ = b.Report(now, g.Seq, headers(5, time.Minute))

	mr.Close()
	g, err = b.Take(now) // carries the report; fails; local
	if err != nil || !g.OK || g.Seq&localBit == 0 {
		t.Fatalf("Take with Redis down = %+v, %v; want a local admission", g, err)
	}
	if err := b.Report(now, g.Seq, headers(5, time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Fallbacks != 1 || st.Errors != 1 || st.LocalGrants != 1 {
		t.Errorf("stats %+v; want 1 fallback, 1 error, 1 local grant", st)
	}
	if !strings.Contains(logs.String(), "Redis unavailable") {
		t.Errorf("log %q; want a warning", logs.String())
	}
	// During the cool-down Redis is not asked.
	if _, err := b.Take(now.Add(500 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Errors != 1 {
		t.Errorf("%d errors; want Redis left alone during the cool-down", st.Errors)
	}

	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	g, err = b.Take(now.Add(time.Second))
	if err != nil || !g.OK || g.Seq&localBit != 0 {
		t.Fatalf("Take after the cool-down = %+v, %v; want a Redis admission", g, err)
	}
	if st := s.Stats(); st.Rejoins != 1 {
		t.Errorf("stats %+v; want 1 rejoin", st)
	}
	if !strings.Contains(logs.String(), "Redis is back") {
		t.Errorf("log %q; want the rejoin noted", logs.String())
	}
	// The report kept while Redis was down reached it: only the new
	// ticket is in flight.
	if sn := b.Snapshot(now.Add(time.Second)); sn.InFlight != 1 || !sn.Known {
		t.Errorf("snapshot %+v; want the first report applied and 1 in flight", sn)
	}
}

func TestFailFastSurfacesTheError(t *testing.T) {
	mr, rdb := newMiniredis(t)
	s := New(rdb, WithFailFast(), WithTimeout(time.Second))
	lim := ratelimit.NewLimiter(ratelimit.WithStore(s))
	defer lim.Close()
	mr.Close()
	_, err := lim.Budget("s").Acquire(context.Background())
	if err == nil || !strings.Contains(err.Error(), "redisstore") {
		t.Errorf("Acquire with Redis down = %v; want the store's error", err)
	}
	if st := s.Stats(); st.Fallbacks != 0 || st.LocalGrants != 0 {
		t.Errorf("stats %+v; want no fallback", st)
	}
}

// TestHungRedisTimesOut points the store at a server that accepts
// connections and never answers: Take falls back within the timeout.
func TestHungRedisTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	done := make(chan struct{})
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { // hold the connection, say nothing
				defer conns.Done()
				<-done
				_ = c.Close()
			}()
		}
	}()
	defer func() { close(done); _ = ln.Close(); conns.Wait() }()

	s, err := Dial("redis://"+ln.Addr().String()+"/0", WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := s.Open("s", ratelimit.BucketConfig{})
	start := time.Now()
	g, err := b.Take(start)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Take took %v against a hung Redis; want about the 50ms timeout", took)
	}
	if err != nil || !g.OK || g.Seq&localBit == 0 {
		t.Errorf("Take = %+v, %v; want a local admission", g, err)
	}
}

func TestDialRejectsBadURL(t *testing.T) {
	if _, err := Dial("http://nope"); err == nil || !strings.HasPrefix(err.Error(), "redisstore: ") {
		t.Errorf("Dial(bad URL) = %v; want a redisstore error", err)
	}
}

func TestCloseSendsPendingReports(t *testing.T) {
	mr, rdb := newMiniredis(t)
	s := New(rdb, WithFlushDelay(time.Hour), WithFailFast())
	b := s.Open("s", ratelimit.BucketConfig{})
	now := time.Now()
	g, _ := b.Take(now)
	_ = b.Report(now, g.Seq, headers(5, time.Minute))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n, _ := mr.ZMembers(b.(*bucket).keys[1]); len(n) != 0 {
		t.Errorf("in flight after Close: %v; want the report sent", n)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// TestEachOutageStartsAFreshLocalBudget: what a fallback budget learned in
// one outage is stale by the next, which starts over with a probe.
func TestEachOutageStartsAFreshLocalBudget(t *testing.T) {
	mr, rdb := newMiniredis(t)
	s := New(rdb, WithCooldown(time.Second), WithTimeout(200*time.Millisecond))
	defer s.Close()
	b := s.Open("s", ratelimit.BucketConfig{})
	now := time.Now()
	mr.Close()
	first, _ := b.Take(now)
	if !first.OK || first.Seq&localBit == 0 {
		t.Fatalf("Take in the first outage = %+v; want a local admission", first)
	}
	_ = b.Report(now, first.Seq, headers(0, time.Hour)) // nothing left for an hour
	if g, _ := b.Take(now); g.OK || g.Wait < 59*time.Minute {
		t.Fatalf("Take after the local budget ran out = %+v; want a wait of an hour", g)
	}

	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	if g, _ := b.Take(now); !g.OK || g.Seq&localBit != 0 {
		t.Fatalf("Take after Redis came back = %+v; want a Redis admission", g)
	}
	mr.Close()
	g, _ := b.Take(now)
	if !g.OK || g.Seq&localBit == 0 || g.Seq == first.Seq {
		t.Fatalf("Take in the second outage = %+v; want a fresh local admission", g)
	}
	// A late report for the first outage's ticket is dropped harmlessly.
	if err := b.Cancel(now, first.Seq); err != nil {
		t.Error(err)
	}
	if sn := b.Snapshot(now); sn.InFlight != 1 || sn.Known {
		t.Errorf("local snapshot %+v; want the fresh budget's probe in flight, nothing known", sn)
	}
	if st := s.Stats(); st.Fallbacks != 2 || st.Rejoins != 1 {
		t.Errorf("stats %+v; want 2 fallbacks, 1 rejoin", st)
	}
}
