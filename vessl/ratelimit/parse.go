package ratelimit

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"
)

// Thresholds of the reset classification rule (see ParseHeaders).
const (
	epochMillisFloor  = 1e11 // >= this: epoch milliseconds (1e11 ms is 1973)
	epochSecondsFloor = 1e8  // >= this: epoch seconds (1e8 s as a delta is 3 years)
	maxCount          = math.MaxInt32
	maxPolicies       = 8 // policies tracked per response; more are ignored
)

var (
	errNotNumber = errors.New("not a number or date")
	errNegative  = errors.New("negative")
	errNotFinite = errors.New("not finite")
	errSyntax    = errors.New("malformed structured field")
	errTooFar    = errors.New("more than MaxDelay (24h) away")
)

// policy is one limit the response describes, before the governing one is
// chosen. Kept by value in a fixed array so that parsing does not allocate.
type policy struct {
	name         string
	limit        int
	remaining    int
	hasRemaining bool
	reset        time.Duration // delay from the response's arrival
	hasReset     bool
	resetDated   bool // reset was an absolute time, read against Date
	window       time.Duration
}

// The setters below merge a field stated twice (X-RateLimit-Remaining and
// X-Rate-Limit-Remaining, two Retry-After lines, ...) by keeping the more
// conservative value, so the result does not depend on the order in which
// the header map is iterated.

func (p *policy) setLimit(n int) {
	if n > 0 && (p.limit == 0 || n < p.limit) { // a quota of 0 says nothing
		p.limit = n
	}
}

func (p *policy) setRemaining(n int) {
	if !p.hasRemaining || n < p.remaining {
		p.remaining, p.hasRemaining = n, true
	}
}

func (p *policy) setReset(d time.Duration, dated bool) {
	if !p.hasReset || d > p.reset {
		p.reset, p.hasReset, p.resetDated = d, true, dated
	}
}

func (p *policy) setWindow(d time.Duration) { p.window = max(p.window, d) }

func (p *parser) setRetry(d time.Duration) {
	if !p.hasRetry || d > p.retry {
		p.retry, p.hasRetry = d, true
	}
}

// parser holds the state of one ParseHeaders call.
type parser struct {
	at       time.Time
	h        http.Header
	date     time.Time // server clock from the Date header
	dateRead bool      // date (if any) has been parsed; it is read lazily
	hasDate  bool
	dated    bool // the last absolute time read was read against date
	pols     [maxPolicies]policy
	n        int
	errs     []error
	retry    time.Duration
	hasRetry bool
}

// ParseHeaders turns response headers that arrived at local time at into an
// Observation. It never panics and never returns a delay outside
// [0, MaxDelay]. Malformed fields are ignored and reported in the returned
// error (a *HeaderError, several joined with errors.Join); everything that
// did parse is still returned.
//
// Recognised fields:
//   - X-RateLimit-Limit, -Remaining, -Reset, also spelled X-Rate-Limit-*,
//     and with a window suffix (X-RateLimit-Remaining-Minute; Second,
//     Minute, Hour and Day set the window, each suffix is its own policy).
//     X-RateLimit-Limit may carry a policy list such as "100, 100;w=60".
//   - Retry-After, as delta-seconds or any HTTP-date form (http.ParseTime).
//   - IETF structured fields RateLimit-Policy (`"burst";q=100;w=60`) and
//     RateLimit (`"burst";r=50;t=30`), and the older drafts' RateLimit-Limit,
//     RateLimit-Remaining, RateLimit-Reset and `RateLimit: limit=100,
//     remaining=50, reset=30`.
//   - Date, the server's clock, used to read absolute reset times.
//
// When several policies are described, the tightest governs: one with no
// requests remaining (the one resetting last, if several), else the one with
// the smallest remaining-per-second rate.
//
// Reset classification. A reset value that is a date (HTTP-date or RFC 3339)
// is an absolute server time. A numeric value v (integer or fractional) is
// read as follows: NaN, infinite or negative values are ignored with a
// HeaderError; v >= 1e11 is epoch milliseconds; v >= 1e8 is epoch seconds
// (1e8 seconds as a delta would be three years; as an epoch it is 1973);
// anything smaller is a delay in seconds. An absolute time is turned into a
// delay against the response's Date header when present and valid (the
// server's own clock), else against at's wall time; a reset in the past is a
// delay of 0. A reset more than MaxDelay away is no rate-limit window but a
// garbled value: it is dropped and reported as a HeaderError (a clamp to a
// day would stop the budget for a day). Every other delay is clamped to
// [0, MaxDelay], Retry-After's included, and the Observation's Reset is at
// plus the delay: a local deadline, so a server clock that is
// minutes off changes nothing. Retry-After is read the same way (delta
// seconds, or a date against Date) and wins over every other hint in
// Observation.Delay.
func ParseHeaders(h http.Header, status int, at time.Time) (Observation, error) {
	p := parser{at: at, h: h}
	p.parse(h)
	p.linkQuotaPolicies()
	obs := p.observation(status)
	if len(p.errs) == 0 {
		return obs, nil
	}
	if len(p.errs) == 1 {
		return obs, p.errs[0]
	}
	return obs, errors.Join(p.errs...)
}

func (p *parser) fail(field, value string, err error) {
	if len(value) > 64 {
		value = value[:64]
	}
	p.errs = append(p.errs, &HeaderError{Field: http.CanonicalHeaderKey(field), Value: value, Err: err})
}

// policyFor returns the policy called name, creating it if there is room.
func (p *parser) policyFor(name string) *policy {
	for i := 0; i < p.n; i++ {
		if p.pols[i].name == name {
			return &p.pols[i]
		}
	}
	if p.n == maxPolicies {
		return nil
	}
	p.pols[p.n] = policy{name: name}
	p.n++
	return &p.pols[p.n-1]
}

func (p *parser) parse(h http.Header) {
	for key, vals := range h {
		if key == "" {
			continue
		}
		if c := key[0] | 0x20; c != 'x' && c != 'r' { // cheap filter: Date, Content-Type, ...
			continue
		}
		switch {
		case strings.HasPrefix(key, "X-Ratelimit-") || hasPrefixFold(key, "x-ratelimit-"):
			for _, v := range vals {
				p.xField(key, key[len("x-ratelimit-"):], v)
			}
		case hasPrefixFold(key, "x-rate-limit-"):
			for _, v := range vals {
				p.xField(key, key[len("x-rate-limit-"):], v)
			}
		case strings.EqualFold(key, "retry-after"):
			for _, v := range vals {
				p.retryAfter(key, v)
			}
		case strings.EqualFold(key, "ratelimit-policy"):
			p.ietfPolicy(key, vals)
		case strings.EqualFold(key, "ratelimit"):
			p.ietfRateLimit(key, vals)
		case hasPrefixFold(key, "ratelimit-"):
			for _, v := range vals {
				p.xField(key, key[len("ratelimit-"):], v)
			}
		}
	}
}

// headerValue returns the first value of a header given its canonical name,
// falling back to a case-insensitive search for maps built by hand.
func headerValue(h http.Header, canonical string) string {
	if v, ok := h[canonical]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, canonical) {
			return v[0]
		}
	}
	return ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// is reports whether s equals the canonical spelling canon (what net/http
// gives every received header, so the usual case costs a plain comparison)
// or, failing that, equals lower case-insensitively (hand-built maps).
func is(s, canon, lower string) bool {
	return s == canon || strings.EqualFold(s, lower)
}

// xField handles one X-RateLimit-<rest> (or RateLimit-<rest>) header.
func (p *parser) xField(key, rest, v string) {
	kind, suffix := rest, ""
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		kind, suffix = rest[:i], rest[i+1:]
	}
	window := suffixWindow(suffix)
	switch {
	case is(kind, "Limit", "limit"):
		pol := p.policyFor(suffix)
		if pol == nil {
			return
		}
		n, w, ok := parseLimitList(v)
		if !ok {
			p.fail(key, v, errNotNumber)
			return
		}
		pol.setLimit(n)
		if w > 0 && window == 0 {
			window = w
		}
	case is(kind, "Remaining", "remaining"):
		n, ok := parseCount(v)
		if !ok {
			p.fail(key, v, errNotNumber)
			return
		}
		pol := p.policyFor(suffix)
		if pol == nil {
			return
		}
		pol.setRemaining(n)
	case is(kind, "Reset", "reset"):
		d, err := p.resetDelay(v)
		if err != nil {
			p.fail(key, v, err)
			return
		}
		pol := p.policyFor(suffix)
		if pol == nil {
			return
		}
		pol.setReset(d, p.dated)
	default:
		return // X-RateLimit-Used, -Resource, ...: not ours
	}
	if window > 0 {
		if pol := p.policyFor(suffix); pol != nil {
			pol.setWindow(window)
		}
	}
}

// suffixWindow maps a window suffix (Minute, ...) to its duration.
func suffixWindow(s string) time.Duration {
	switch {
	case s == "":
		return 0
	case strings.EqualFold(s, "second"):
		return time.Second
	case strings.EqualFold(s, "minute"):
		return time.Minute
	case strings.EqualFold(s, "hour"):
		return time.Hour
	case strings.EqualFold(s, "day"):
		return 24 * time.Hour
	}
	return 0
}

// parseLimitList reads "100" or "100, 100;w=60": the first integer and the
// first w= window parameter found.
func parseLimitList(v string) (n int, window time.Duration, ok bool) {
	if n, ok := atoi(v); ok { // the usual plain integer
		return clampCount(n), 0, true
	}
	first, rest, _ := strings.Cut(v, ",")
	num, params, _ := strings.Cut(first, ";")
	n, ok = parseCount(num)
	if !ok {
		return 0, 0, false
	}
	if w := findWindow(params); w > 0 {
		return n, w, true
	}
	return n, findWindow(rest), true
}

// findWindow returns the first positive w= parameter in a ';'- or
// ','-separated list, 0 if none.
func findWindow(s string) time.Duration {
	for s != "" {
		var item string
		item, s, _ = cutAny(s, ";,")
		k, val, found := strings.Cut(item, "=")
		if found && strings.EqualFold(strings.TrimSpace(k), "w") {
			if w, ok := parseSeconds(val); ok && w > 0 {
				return w
			}
		}
	}
	return 0
}

// resetDelay classifies a reset value (see ParseHeaders) and returns the
// delay from the response's arrival; p.dated tells whether it was an
// absolute time read against the Date header. A reset more than MaxDelay
// away is refused (errTooFar) rather than clamped: no rate-limit window of
// an API lasts that long, and a garbled value that a clamp turned into "a
// day from now" stopped the budget for a day.
func (p *parser) resetDelay(v string) (time.Duration, error) {
	p.dated = false
	v = strings.TrimSpace(v)
	f, err := parseNumber(v)
	if err == errNotNumber {
		t, derr := parseDate(v)
		if derr != nil {
			return 0, errNotNumber
		}
		return p.resetAt(t)
	}
	if err != nil {
		return 0, err
	}
	switch {
	case f >= epochMillisFloor:
		if f > math.MaxInt64/2 {
			return 0, errTooFar
		}
		return p.resetAt(time.UnixMilli(int64(f)))
	case f >= epochSecondsFloor:
		sec, frac := math.Modf(f)
		return p.resetAt(time.Unix(int64(sec), int64(frac*1e9)))
	case f > MaxDelay.Seconds():
		return 0, errTooFar
	}
	return secondsToDuration(f), nil
}

// resetAt is the delay until the absolute server time t, or errTooFar.
func (p *parser) resetAt(t time.Time) (time.Duration, error) {
	d := p.fromServerNow(t)
	if d > MaxDelay {
		return 0, errTooFar
	}
	return clampDelay(d), nil
}

// untilAbsolute converts an absolute server time into a clamped delay.
func (p *parser) untilAbsolute(t time.Time) time.Duration {
	return clampDelay(p.fromServerNow(t))
}

// fromServerNow returns t minus the server's current time, unclamped: the
// Date header when present and valid (read once), else the local wall
// clock at. p.dated tells which.
func (p *parser) fromServerNow(t time.Time) time.Duration {
	if !p.dateRead {
		p.dateRead = true
		if v := headerValue(p.h, "Date"); v != "" {
			if d, err := http.ParseTime(v); err == nil {
				p.date, p.hasDate = d, true
			}
		}
	}
	p.dated = p.hasDate
	if p.hasDate {
		return t.Sub(p.date)
	}
	return t.Sub(p.at)
}

// retryAfter reads Retry-After: delta-seconds or an HTTP-date.
func (p *parser) retryAfter(key, v string) {
	v = strings.TrimSpace(v)
	f, err := parseNumber(v)
	switch {
	case err == nil:
		p.setRetry(secondsToDuration(f))
	case err == errNotNumber:
		t, derr := http.ParseTime(v)
		if derr != nil {
			p.fail(key, v, errNotNumber)
			return
		}
		p.setRetry(p.untilAbsolute(t))
	default:
		p.fail(key, v, err)
	}
}

// observation chooses the governing policy and builds the result.
func (p *parser) observation(status int) Observation {
	o := Observation{At: p.at, Status: status, RetryAfter: p.retry, HasRetryAfter: p.hasRetry}
	g := p.governing()
	if g == nil {
		return o
	}
	o.Limit = g.limit
	o.Remaining, o.HasRemaining = g.remaining, g.hasRemaining
	if g.hasReset {
		o.Reset = p.at.Add(g.reset)
		o.ResetDated = g.resetDated
	}
	if p.hasDate {
		o.Date = p.date
	}
	o.Window = g.window
	o.Policy = g.name
	return o
}

// governing returns the tightest policy, or nil if none was described.
func (p *parser) governing() *policy {
	var best *policy
	for i := 0; i < p.n; i++ {
		c := &p.pols[i]
		if c.limit == 0 && !c.hasRemaining && !c.hasReset && c.window == 0 {
			continue
		}
		// Ties go to the smaller name, so that the choice does not depend
		// on the header map's iteration order.
		if best == nil || tighter(c, best) || !tighter(best, c) && c.name < best.name {
			best = c
		}
	}
	return best
}

// tighter reports whether a constrains the client more than b.
func tighter(a, b *policy) bool {
	if a.hasRemaining != b.hasRemaining {
		return a.hasRemaining
	}
	if !a.hasRemaining {
		return a.limit > 0 && (b.limit == 0 || a.limit < b.limit)
	}
	az, bz := a.remaining == 0, b.remaining == 0
	switch {
	case az && bz:
		return a.reset > b.reset // the one that stays empty longest
	case az != bz:
		return az
	}
	return policyRate(a) < policyRate(b)
}

// policyRate is a policy's remaining requests per second over its time left.
func policyRate(p *policy) float64 {
	span := time.Second
	switch {
	case p.hasReset && p.reset > 0:
		span = p.reset
	case p.window > 0:
		span = p.window
	}
	return float64(p.remaining) / span.Seconds()
}
