package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// progress shows how far the batch is. Its methods are called from one
// goroutine (the collector of results).
type progress interface {
	start(total, skipped int)
	itemDone(r record)
	stop()
}

// waitState remembers the latest wait for a rate-limit reset the transport
// announced (its WithWaitHook), so the display can say why nothing moves.
type waitState struct {
	until atomic.Int64 // UnixNano of the end of the latest reset wait
}

// hook is the transport's wait hook: a wait after a 429 is a wait for the
// server's reset; budget waits are pacing and are shown through the budget.
func (w *waitState) hook(ev transport.WaitEvent) {
	if ev.Reason != transport.WaitRateLimited {
		return
	}
	end := time.Now().Add(ev.Duration).UnixNano()
	for {
		old := w.until.Load()
		if end <= old || w.until.CompareAndSwap(old, end) {
			return
		}
	}
}

// meter reads the rates and waits the display shows.
type meter struct {
	stats    func() transport.Stats
	snapshot func() ratelimit.Snapshot // nil if unknown
	limitRPS float64                   // the server's long-run rate, 0 if unknown
	waits    *waitState

	samples []sample // recent request counts, oldest first, for a smoothed rate
}

// sample is the number of requests sent by a moment.
type sample struct {
	at   time.Time
	reqs int64
}

// rateWindow is the span the displayed rate is averaged over: long enough
// not to flicker between bursts and pauses of a paced budget.
const rateWindow = 2 * time.Second

// observe records the request count at now and returns the rate over the
// last rateWindow (or since the first sample).
func (m *meter) observe(now time.Time, reqs int64) float64 {
	m.samples = append(m.samples, sample{now, reqs})
	for len(m.samples) > 2 && now.Sub(m.samples[1].at) >= rateWindow {
		m.samples = m.samples[1:]
	}
	first := m.samples[0]
	if dt := now.Sub(first.at).Seconds(); dt > 0 {
		return float64(reqs-first.reqs) / dt
	}
	return 0
}

// status describes the current rate and any wait, e.g.
// "9.8 req/s (limit 10.0/s) · waiting for rate-limit reset (2s)".
func (m *meter) status(now time.Time) string {
	st := m.stats()
	rate := m.observe(now, st.Attempts)
	var b strings.Builder
	fmt.Fprintf(&b, "%.1f req/s", rate)
	limit := m.limitRPS
	var snap ratelimit.Snapshot
	if m.snapshot != nil {
		snap = m.snapshot()
		if limit == 0 && snap.Limit > 0 && snap.Window > 0 {
			limit = float64(snap.Limit) / snap.Window.Seconds()
		}
	}
	if limit > 0 {
		fmt.Fprintf(&b, " (long-run limit %.1f/s)", limit)
	}
	if st.Throttled > 0 {
		fmt.Fprintf(&b, " · %d×429", st.Throttled)
	}
	wait := time.Until(time.Unix(0, m.waits.until.Load()))
	if snap.Known && snap.Remaining == 0 && !snap.Reset.IsZero() {
		wait = max(wait, snap.Reset.Sub(now))
	}
	switch {
	case wait > 0:
		// Round up: a wait of 300ms reads "(1s)", never "(0s)".
		fmt.Fprintf(&b, " · waiting for rate-limit reset (%ds)", int((wait+time.Second-1)/time.Second))
	case snap.Waiters > 0:
		fmt.Fprintf(&b, " · %d paced", snap.Waiters)
	}
	return b.String()
}

// display is the progress on stderr: a bar on a terminal, a log line every
// interval otherwise, or nothing.
type display struct {
	mode     string // "bar", "log" or "off"
	w        io.Writer
	m        *meter
	interval time.Duration

	mu          sync.Mutex
	bar         *progressbar.ProgressBar
	total, done int
	ok, failed  int
	stopTick    chan struct{}
	ticking     sync.WaitGroup
}

func newDisplay(mode string, w io.Writer, m *meter) *display {
	iv := 5 * time.Second
	if mode == "bar" {
		iv = 250 * time.Millisecond
	}
	return &display{mode: mode, w: w, m: m, interval: iv}
}

func (d *display) start(total, skipped int) {
	if d.mode == "off" {
		return
	}
	d.total, d.done = total, skipped
	d.m.observe(time.Now(), d.m.stats().Attempts)
	if d.mode == "bar" {
		d.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(d.w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(24),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetDescription("starting"),
		)
		_ = d.bar.Set(skipped)
	} else if skipped > 0 {
		fmt.Fprintf(d.w, "batch: %d of %d items already done (resumed from -out)\n", skipped, total)
	}
	d.stopTick = make(chan struct{})
	d.ticking.Go(func() {
		t := time.NewTicker(d.interval)
		defer t.Stop()
		for {
			select {
			case <-d.stopTick:
				return
			case now := <-t.C:
				d.tick(now)
			}
		}
	})
}

func (d *display) tick(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	status := d.m.status(now)
	if d.bar != nil {
		d.bar.Describe(status)
		return
	}
	fmt.Fprintf(d.w, "batch: %d/%d done (%d ok, %d failed) · %s\n", d.done, d.total, d.ok, d.failed, status)
}

func (d *display) itemDone(r record) {
	if d.mode == "off" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.done++
	if r.Outcome == outcomeSucceeded {
		d.ok++
	} else {
		d.failed++
	}
	if d.bar != nil {
		_ = d.bar.Add(1)
		return
	}
	if r.Outcome != outcomeSucceeded {
		fmt.Fprintf(d.w, "batch: %s failed: %s\n", r.ID, r.Cause)
	}
}

func (d *display) stop() {
	if d.mode == "off" || d.stopTick == nil {
		return
	}
	close(d.stopTick)
	d.ticking.Wait()
	if d.bar != nil {
		_ = d.bar.Exit()
		fmt.Fprintln(d.w)
	}
}
