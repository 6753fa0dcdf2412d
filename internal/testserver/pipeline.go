package testserver

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// reply is a handler's answer, written by the pipeline once faults and
// rate-limit headers are applied.
type reply struct {
	status      int
	body        []byte
	contentType string // "" means application/json
	replayed    bool   // an idempotent replay of a stored response
	allow       string // the Allow header of a 405
	retryAfter  string // a Retry-After header of a reply other than 429
}

// call is what a handler gets besides the request.
type call struct {
	token *tokenState
	now   time.Time
}

type handlerFunc func(r *http.Request, c call) reply

// route is one registered endpoint wrapped in the server's pipeline:
// latency, authentication, rate limiting, faults, idempotency and write
// accounting, then the handler.
type route struct {
	s      *Server
	groups routeGroups
	write  bool
	h      handlerFunc
}

// handle registers h for pattern ("METHOD /path") in the groups given.
func (s *Server) handle(pattern string, groups routeGroups, h handlerFunc) {
	method, _, _ := strings.Cut(pattern, " ")
	write := method != http.MethodGet && method != http.MethodHead
	if write {
		groups |= inWrite
	} else {
		groups |= inRead
	}
	s.mux.Handle(pattern, &route{s: s, groups: groups, write: write, h: h})
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := rt.s
	f := s.faults.Load()
	if (f.Latency > 0 || f.Jitter > 0) && !s.delay(r.Context(), f) {
		return
	}
	ts := s.authenticate(r)
	now := s.clock.Now()
	if ts == nil {
		s.finish(w, f, nil, now, replyUnauthorized(r), false)
		return
	}
	ts.requests.Add(1)
	var spurious func() bool
	if f.SpuriousThrottle > 0 {
		spurious = func() bool { return s.dice.hit(f.SpuriousThrottle) }
	}
	d := ts.decide(now, rt.groups, spurious)
	now = d.at
	if !d.ok {
		s.finish(w, f, &d, now, s.tooMany, false)
		return
	}
	late5xx := false
	if s.dice.hit(f.ServerErrors) {
		code := [...]int{502, 503, 504}[s.dice.intN(3)]
		if code != 504 {
			s.finish(w, f, &d, now, replyServerError(code), false)
			return
		}
		late5xx = true
	}
	c := call{token: ts, now: now}
	var rep reply
	if rt.write {
		rep = s.applyWrite(r, c, rt.h)
	} else {
		rep = rt.h(r, c)
	}
	if late5xx {
		rep = replyServerError(504)
	}
	s.finish(w, f, &d, now, rep, s.dice.hit(f.ConnReset))
}

// notFound answers every request no route matches, after authentication and
// rate limiting like any other request: 405 if the path exists for another
// method, else 404.
func (s *Server) notFound(r *http.Request, c call) reply {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		rep := replyError(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method \""+r.Method+"\" not allowed.", nil)
		rep.allow = strings.Join(allowed, ", ")
		return rep
	}
	return replyError(http.StatusNotFound, "NotFound", "no such endpoint: "+r.Method+" "+r.URL.Path, nil)
}

// finish writes rep with the rate-limit headers of d (nil: none), applying
// the header and body faults. cut closes the connection mid-body.
func (s *Server) finish(w http.ResponseWriter, f *Faults, d *decision, now time.Time, rep reply, cut bool) {
	h := w.Header()
	serverNow := now
	if f.ClockOffset != 0 {
		serverNow = now.Add(f.ClockOffset)
		h["Date"] = []string{serverNow.UTC().Format(http.TimeFormat)}
	}
	if d != nil && d.limited && !s.dice.hit(f.MissingHeaders) {
		setRateHeaders(h, *s.headers.Load(), d, serverNow)
		if s.dice.hit(f.MalformedHeaders) {
			s.corruptHeaders(h)
		}
	}
	if f.HTMLErrors && (rep.status == http.StatusTooManyRequests || rep.status >= 500) {
		rep = replyHTML(rep.status)
	}
	if rep.replayed {
		h["Idempotent-Replayed"] = []string{"true"}
	}
	if rep.allow != "" {
		h["Allow"] = []string{rep.allow}
	}
	if rep.retryAfter != "" {
		h["Retry-After"] = []string{rep.retryAfter}
	}
	if rep.contentType == "" {
		h["Content-Type"] = s.contentJSON // shared, never modified: saves an allocation per request
	} else {
		h["Content-Type"] = []string{rep.contentType}
	}
	if cut {
		s.cutConnection(w, rep)
		return
	}
	// net/http adds Content-Length itself for bodies written in one go.
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

// corruptHeaders replaces one rate-limit header by garbage.
func (s *Server) corruptHeaders(h http.Header) {
	switch s.dice.intN(5) {
	case 0:
		h["X-Ratelimit-Remaining"] = []string{"abc"}
	case 1:
		h["X-Ratelimit-Reset"] = []string{"soon"}
	case 2:
		h["X-Ratelimit-Remaining"] = []string{"-5"}
	case 3:
		h["X-Ratelimit-Reset"] = []string{"99999999999999999999"}
	default:
		h["X-Ratelimit-Limit"] = []string{""}
		h["Ratelimit"] = []string{`"default";r=;t=x`}
	}
}

// cutConnection sends the status line, the headers and half the body, then
// closes the connection: the client sees an unexpected EOF after the server
// did the work.
func (s *Server) cutConnection(w http.ResponseWriter, rep reply) {
	hj, ok := w.(http.Hijacker)
	if !ok { // HTTP/2 or a recorder: the best we can do is a short body
		w.Header()["Content-Length"] = []string{strconv.Itoa(len(rep.body))}
		w.WriteHeader(rep.status)
		w.Write(rep.body[:len(rep.body)/2])
		return
	}
	h := w.Header().Clone()
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	writeRawHead(buf, rep.status, h, len(rep.body))
	buf.Write(rep.body[:len(rep.body)/2])
	buf.Flush()
}

func writeRawHead(buf *bufio.ReadWriter, status int, h http.Header, contentLength int) {
	buf.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	h.Set("Content-Length", strconv.Itoa(contentLength))
	h.Write(buf)
	buf.WriteString("\r\n")
}
