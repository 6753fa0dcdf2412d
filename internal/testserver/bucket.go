package testserver

import (
	"sync"
	"sync/atomic"
	"time"
)

// routeGroups is a bit set of the Group* a route belongs to.
type routeGroups uint8

const (
	inRead routeGroups = 1 << iota
	inWrite
	inCreate
	inLogs
)

func groupMask(g string) routeGroups {
	switch g {
	case GroupRead:
		return inRead
	case GroupWrite:
		return inWrite
	case GroupCreate:
		return inCreate
	case GroupLogs:
		return inLogs
	}
	return ^routeGroups(0)
}

// bucket is one configured Limit of one token: its algorithm plus the ground
// truth of what it admitted.
type bucket struct {
	limit Limit
	mask  routeGroups

	mu        sync.Mutex // guards the fields below
	alg       algorithm
	last      time.Time   // latest time this bucket has decided at
	admitted  []time.Time // every admission, in the order they happened
	throttled int
}

// tokenState is everything the server keeps per accepted token.
type tokenState struct {
	token   string
	buckets []*bucket // locked in slice order

	requests  atomic.Int64 // authenticated requests
	throttled atomic.Int64 // 429 answers, spurious ones included
	spurious  atomic.Int64 // 429 answers injected by Faults.SpuriousThrottle

	mu        sync.Mutex // guards admitted and throttles
	admitted  []time.Time
	throttles []time.Time // times of 429 answers
}

func newTokenState(token string, limits []Limit) *tokenState {
	ts := &tokenState{token: token}
	for _, l := range limits {
		if l.Algorithm == None || l.Algorithm == "" {
			continue
		}
		ts.buckets = append(ts.buckets, &bucket{limit: l, mask: groupMask(l.Group), alg: newAlgorithm(l)})
	}
	return ts
}

// decision is the outcome of the rate limiter for one request, and what the
// headers report: the governing bucket is the one that denied the request,
// else the one with the least quota left.
type decision struct {
	limited   bool // some bucket governs this request
	ok        bool
	spurious  bool // denied by fault injection although a bucket had room
	limit     Limit
	remaining int
	reset     time.Duration
	policies  []Limit   // every limit that governs the request (IETF policy header)
	at        time.Time // the time the buckets decided at (never before their last decision)
}

// decide runs the request through every bucket that governs groups. The
// request is recorded as admitted in all of them, or in none.
// spurious is asked (once, after all buckets agreed) whether to reject the
// request anyway.
func (ts *tokenState) decide(now time.Time, groups routeGroups, spurious func() bool) decision {
	var d decision
	var held [8]*bucket
	active := held[:0]
	for _, b := range ts.buckets {
		if b.mask&groups != 0 {
			active = append(active, b)
		}
	}
	if len(active) == 0 {
		d.ok, d.at = true, now
		ts.recordAdmitted(now)
		return d
	}
	d.limited, d.ok = true, true
	for _, b := range active {
		b.mu.Lock()
	}
	// The caller read the clock before taking the locks, so a request can
	// reach a bucket a moment after a later-stamped one. A bucket's time
	// never goes backwards: algorithms would read a step back as a new
	// window and forget what they admitted.
	for _, b := range active {
		if b.last.After(now) {
			now = b.last
		}
	}
	for _, b := range active {
		b.last = now
	}
	d.at = now
	deny := -1
	for i, b := range active {
		ok, rem, reset := b.alg.peek(now)
		if !ok && b.limit.Observe {
			ok = true
		}
		switch {
		case !ok && d.ok:
			d.ok, d.limit, d.remaining, d.reset = false, b.limit, rem, reset
			deny = i
		case d.ok && (i == 0 || rem < d.remaining):
			d.limit, d.remaining, d.reset = b.limit, rem, reset
		}
	}
	if d.ok && spurious != nil && spurious() {
		d.ok, d.spurious = false, true
	}
	for i, b := range active {
		if d.ok {
			b.alg.take(now)
			b.admitted = append(b.admitted, now)
		} else if i == deny {
			b.throttled++
		}
		b.mu.Unlock()
	}
	if len(active) > 1 {
		d.policies = make([]Limit, len(active))
		for i, b := range active {
			d.policies[i] = b.limit
		}
	}
	if d.ok {
		ts.recordAdmitted(now)
	} else {
		ts.throttled.Add(1)
		if d.spurious {
			ts.spurious.Add(1)
		}
		ts.mu.Lock()
		ts.throttles = append(ts.throttles, now)
		ts.mu.Unlock()
	}
	return d
}

func (ts *tokenState) recordAdmitted(now time.Time) {
	ts.mu.Lock()
	ts.admitted = append(ts.admitted, now)
	ts.mu.Unlock()
}
