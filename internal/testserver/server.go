package testserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a fake VESSL API. Build it with New and start it with Start, or
// use the package-level Start or NewTest. All methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL of a started server (http://127.0.0.1:port), to
	// which a client appends /api/v1/.... Empty until Start.
	URL string

	cfg     config
	clock   Clock
	tokens  map[string]*tokenState // fixed after New
	headers atomic.Pointer[HeaderStyle]
	faults  atomic.Pointer[Faults]
	dice    *dice
	mux     *http.ServeMux
	data    *store
	writes  writeLog
	idem    idempotency
	hts     *httptest.Server
	meBody  []byte // accounts/me, encoded once

	contentJSON []string // the Content-Type value of JSON replies
	tooMany     reply    // the 429 answer, encoded once
}

// New returns a server configured by opts, not yet listening; use Start, or
// Handler to serve it yourself. It panics on an invalid Limit, which is a
// programming error in the test that passed it.
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:    cfg,
		clock:  cfg.clock,
		tokens: make(map[string]*tokenState),
		dice:   newDice(cfg.seed),
		mux:    http.NewServeMux(),
		meBody: encodeMe(),

		contentJSON: []string{contentJSON},
		tooMany:     replyTooManyRequests(),
	}
	addToken := func(token string, limits []Limit) {
		for _, l := range limits {
			if err := l.Validate(); err != nil {
				panic(err)
			}
		}
		s.tokens[token] = newTokenState(token, limits)
	}
	addToken(cfg.defaultToken, cfg.limits)
	for _, t := range cfg.tokens {
		if t.hasLimits {
			addToken(t.token, t.limits)
		} else {
			addToken(t.token, cfg.limits)
		}
	}
	h, f := cfg.headers, cfg.faults
	s.headers.Store(&h)
	s.faults.Store(&f)
	s.data = newStore(&s.cfg, s.clock.Now(), s.dice)
	s.writes.counts = make(map[string]int)
	s.idem.entries = make(map[string]*idemEntry)
	s.routes()
	return s
}

// Start starts a server built with opts on 127.0.0.1 and an ephemeral port.
// The caller must Close it.
func Start(opts ...Option) *Server {
	s := New(opts...)
	s.Start()
	return s
}

// NewTest starts a server for the test tb and closes it when the test ends.
func NewTest(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := Start(opts...)
	tb.Cleanup(s.Close)
	return s
}

// Start makes s listen on 127.0.0.1 and an ephemeral port and sets s.URL.
// It panics if s was already started.
func (s *Server) Start() {
	if s.hts != nil {
		panic("testserver: Start called twice")
	}
	s.hts = httptest.NewServer(s.mux)
	s.URL = s.hts.URL
}

// Close shuts a started server down and waits for its requests to finish.
// Closing a server that was never started does nothing.
func (s *Server) Close() {
	if s.hts != nil {
		s.hts.CloseClientConnections()
		s.hts.Close()
	}
}

// Handler returns the server's HTTP handler, for serving it in-process or
// behind another listener.
func (s *Server) Handler() http.Handler { return s.mux }

// Client returns an *http.Client for a started server (it has no VESSL
// logic: requests must carry their own Authorization header).
func (s *Server) Client() *http.Client {
	if s.hts == nil {
		return http.DefaultClient
	}
	return s.hts.Client()
}

// Token returns the default token, "test-token" unless WithDefaultToken.
func (s *Server) Token() string { return s.cfg.defaultToken }

// Organization returns the name of the seeded organization.
func (s *Server) Organization() string { return s.cfg.org }

// Project returns the name of the seeded project.
func (s *Server) Project() string { return s.cfg.project }

// Now returns the server's clock reading (without Faults.ClockOffset).
func (s *Server) Now() time.Time { return s.clock.Now() }

// SetFaults replaces the fault configuration; requests that arrive after the
// call see it.
func (s *Server) SetFaults(f Faults) { s.faults.Store(&f) }

// Faults returns the current fault configuration.
func (s *Server) Faults() Faults { return *s.faults.Load() }

// SetHeaders replaces the rate-limit header style at run time.
func (s *Server) SetHeaders(h HeaderStyle) { s.headers.Store(&h) }

// delay waits for the injected latency. It reports false if the request was
// cancelled meanwhile.
func (s *Server) delay(ctx context.Context, f *Faults) bool {
	d := f.Latency + s.dice.duration(f.Jitter)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Server) String() string { return fmt.Sprintf("testserver(%s)", s.URL) }

// Limits returns the limits configured for token (nil for an unknown or
// unlimited token), in the order their buckets are checked.
func (s *Server) Limits(token string) []Limit {
	ts := s.tokens[token]
	if ts == nil {
		return nil
	}
	var out []Limit
	for _, b := range ts.buckets {
		out = append(out, b.limit)
	}
	return out
}
