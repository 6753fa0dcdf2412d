package ratelimit

import (
	"sync"
	"time"
)

// learner is what a Budget learns across responses that no single
// Observation can tell, and the corrections it makes to observations
// before they reach the Store. It lives in the Budget, not in the Store's
// arithmetic, so every Store gets it as it is.
//
// Continuous refill. A sliding-window counter reports the end of its
// current fixed window as the reset, but its slots free continuously as
// the previous window's count decays: waiting for that reset whenever
// nothing is left wastes about half the rate. It shows itself at a reset:
// the first answer after the reset announced when nothing was left (the
// bucket's probe) says that little came back and that the next reset is a
// whole window away, though the client itself sent little in that window.
// (A fixed window would be full again; a sliding log announces when its
// oldest slot frees, which is a window away only if the client's own
// requests filled it.) A 429 to that probe is the same sign. A token
// bucket, which refills continuously too, looks the same. From then on,
// an answer saying nothing is left has its reset moved to when the next
// slot should free: Window/n from now, n being what the previous window's
// count frees over this one (estimated from the first answer of each
// window, at most Limit), or one long-run interval Window/Limit into the
// next window if that is sooner. The bucket then probes one request at a
// time at about the rate the server refills, and spends what each answer
// says remains. A probe sent too early is refused and the server's wait
// is honoured as usual; two 429s in a row end the mode until a reset
// shows the signature again. Rewriting a reset can cost a 429, never an
// overspent budget: the bucket sends a single probe after any reset.
//
// This needs the client's own admissions to be all the admissions of the
// scope: with a Store shared by several processes (shared is set), the
// requests of the others would look like a continuous refill, so the mode
// is never entered.
//
// All fields are guarded by mu.
type learner struct {
	shared       bool // the Store is shared with other processes (set before use)
	mu           sync.Mutex
	limit        int           // last stated quota
	window       time.Duration // stated, or the longest reset delay seen
	windowStated bool
	lastReset    time.Time     // the latest reset announced, as the server said it
	armed        bool          // nothing was left: the next request after lastReset is a probe
	sent         [64]time.Time // admission times of the last requests reported (a ring)
	sentNext     int
	continuous   bool // the server refills continuously (see above)
	refused      int  // consecutive 429s while continuous
	refill       int  // slots expected to free over the current window, 0 if unknown

	// The server's clock minus the local one (see dated), in a frame that
	// follows the local monotonic clock from base: the largest sample of
	// the current and of the previous block of offsetBlock samples.
	base        time.Time
	offset      [2]time.Duration
	offsetCount int
}

// correct updates what is learned from o, the answer to t that arrived at
// now, and rewrites o's reset as described on learner.
func (l *learner) correct(o *Observation, t Ticket, now time.Time) {
	if o.Status == 0 && !o.Known() {
		return // the request failed: nothing to learn
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent[l.sentNext] = t.sent
	l.sentNext = (l.sentNext + 1) % len(l.sent)
	l.dated(o, now)
	if o.Limit > 0 {
		l.limit = o.Limit
	}
	if o.Window > 0 {
		l.window, l.windowStated = o.Window, true
	}
	// The first answer to a request sent after the reset announced when
	// nothing was left (the bucket's probe: it goes alone) tells how the
	// quota came back. Local resets carry each response's way back, and
	// whole-second hints their rounding: a request sent a little before
	// the latest reset announced may still be the first after the
	// server's.
	tol := min(resetTolerance, l.window/4)
	first := l.armed && !l.lastReset.IsZero() && !t.sent.Before(l.lastReset.Add(-tol))
	if first {
		l.armed = false
	}
	if o.Throttled() {
		switch {
		case first && !l.shared && o.HasRemaining && o.Remaining == 0 &&
			l.window > 0 && o.Reset.Sub(now) >= l.window-tol:
			// Refused right after the reset, saying that nothing is
			// left until a whole window from now: nothing came back
			// there. A 429 that says there is room, or whose reset is
			// near, is not that sign (a load shedder's, say, or a
			// spurious one): taking it for one made a sliding log look
			// continuous, and the mode's early probes then overspent a
			// server that counted without refusing.
			l.continuous, l.refused = l.limit > 0, 0
		case l.continuous:
			// Probing too early now and then is the price of this mode;
			// twice in a row means the server does not refill that way.
			l.refused++
			if l.refused >= 2 {
				l.continuous, l.refused = false, 0
			}
		}
		return
	}
	l.refused = 0
	if !o.HasRemaining || o.Reset.IsZero() {
		return
	}
	d := o.Reset.Sub(now)
	if !l.windowStated && d > l.window && d < MaxDelay { // a clamped reset says nothing of the window
		l.window = d // a window is at least as long as any reset delay
	}
	if l.limit > 0 && l.window > 0 && o.Reset.After(l.lastReset.Add(l.window/2)) {
		// A new window: what is used of it right away is the previous
		// window's count, which decays over this one (a sliding-window
		// counter frees about that many slots in it).
		l.refill = max(l.limit-o.Remaining-1, 1)
	}
	if !o.Reset.Before(l.lastReset) || !t.sent.Before(l.lastReset) {
		l.lastReset = o.Reset
	}
	if o.Remaining == 0 {
		l.armed = true
	}
	if l.limit <= 0 || l.window <= 0 {
		return
	}
	// Little came back, and the next reset is a whole window away (give
	// or take the same tolerance), though this client sent little in the
	// window that ends then: a sliding log whose slots freed one by one
	// and went to this client's own requests would look the same.
	if first && !l.shared && d >= l.window-tol && o.Remaining < l.limit/2 {
		used := l.limit - o.Remaining
		l.continuous = l.sentSince(o.Reset.Add(-l.window-tol), t.sent) < used/2
	}
	if l.continuous && o.Remaining == 0 {
		// The next slot frees after Window/refill, refill being what
		// frees over this window; or, if that is sooner, one long-run
		// interval into the next window (where this one's count, as the
		// server announced it, decays). The latter may be later than the
		// reset announced, never earlier.
		n := l.limit
		if l.refill > 0 {
			n = min(l.refill, n)
		}
		next := now.Add(l.window / time.Duration(n))
		if after := o.Reset.Add(l.window / time.Duration(l.limit)); after.Before(next) {
			next = after
		}
		o.Reset = next
	}
}

// sentSince counts the requests reported recently that were admitted in
// [from, to). Requires l.mu held.
func (l *learner) sentSince(from, to time.Time) int {
	n := 0
	for _, at := range l.sent {
		if !at.IsZero() && !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// offsetBlock is how many samples of the clock offset make a block: the
// estimate forgets samples two blocks old, so that it follows a server
// clock that was set back.
const offsetBlock = 64

// dated learns the offset between the server's clock and the local one
// from o's Date, and brings o's reset forward if it was read against Date.
//
// Date has whole seconds and is stamped before the response leaves the
// server, so Date - arrival is at most the true offset; the largest such
// sample converges to it from below. A reset stated as an absolute server
// time E is due locally at E - offset; ParseHeaders computed it as
// arrival + (E - Date), which is later by (offset - (Date - arrival)) -
// up to a second. E - estimate is never earlier than E - offset. Requires
// l.mu held.
func (l *learner) dated(o *Observation, now time.Time) {
	if o.Date.IsZero() {
		return
	}
	if l.base.IsZero() {
		l.base = now
	}
	sample := o.Date.Sub(l.base.Round(0).Add(now.Sub(l.base)))
	if l.offsetCount%offsetBlock == 0 {
		l.offset[1], l.offset[0] = l.offset[0], sample
		if l.offsetCount == 0 {
			l.offset[1] = sample
		}
	}
	l.offsetCount++
	l.offset[0] = max(l.offset[0], sample)
	if !o.ResetDated || o.Reset.IsZero() {
		return
	}
	est := max(l.offset[0], l.offset[1])
	if at := o.Reset.Add(sample - est); at.After(now) {
		o.Reset = at
	} else {
		o.Reset = now
	}
}
