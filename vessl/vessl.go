package vessl

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// Version is the SDK version sent in the default User-Agent.
const Version = "0.1.0"

const defaultUserAgent = "vessl-go/" + Version

// Header names the client sets.
const (
	// HeaderRequestID carries a random id, unique per logical request and
	// the same on every retry of it, so servers (and support staff reading
	// logs) can tell a retry from a second write.
	HeaderRequestID = "X-Request-Id"
	// HeaderIdempotencyKey is set on writes by WithIdempotencyKeys.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// A Client talks to the VESSL API. Create one with NewClient; it is safe for
// concurrent use, and every goroutine sharing it shares one rate-limit budget
// per host and credential.
//
// Methods whose path names an organization or a project take them as
// arguments; "" means the client's default (WithOrganization /
// VESSL_DEFAULT_ORGANIZATION / default_organization in the config file, and
// likewise for the project).
type Client struct {
	client    *http.Client // copy of the caller's, with the rate-aware transport
	transport *transport.Transport
	ownsTrans bool

	baseURL   *url.URL // API root, ending in "/"; checked by NewClient, never changed
	userAgent string

	// token is held through a pointer so that even printing a Client
	// value (not *Client) shows an address, not the token.
	token   *secret
	project string

	orgMu        sync.Mutex
	organization string // the default; found on first use if not configured
	logger       *slog.Logger
	idemKeys     bool
	scope        ratelimit.ScopeFunc

	rateMu sync.Mutex
	rate   ratelimit.Observation

	common service // reused instead of allocating one per service

	Accounts          *AccountsService
	Organizations     *OrganizationsService
	Projects          *ProjectsService
	Experiments       *ExperimentsService
	Runs              *RunsService
	ModelRepositories *ModelRepositoriesService
	ModelServices     *ModelServicesService
	Clusters          *ClustersService
	Datasets          *DatasetsService
}

type service struct {
	client *Client
}

// NewClient returns a client configured by opts, then the environment, then
// the VESSL CLI configuration file (see the package documentation for the
// order). It fails with ErrNoToken when no access token is found, and with a
// *ConfigFileError when the configuration file cannot be parsed.
func NewClient(opts ...Option) (*Client, error) {
	s := defaultSettings()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	if err := s.resolve(); err != nil {
		return nil, err
	}

	var hc http.Client
	if s.httpClient != nil {
		hc = *s.httpClient // a copy: the caller's client is never modified
	}
	c := &Client{
		baseURL:      s.baseURL,
		userAgent:    s.userAgent,
		token:        &s.token,
		organization: s.organization,
		project:      s.project,
		logger:       s.logger,
		idemKeys:     s.idemKeys,
		scope:        s.scope,
	}
	if c.scope == nil {
		c.scope = ratelimit.DefaultScope
	}
	if t, ok := hc.Transport.(*transport.Transport); ok {
		if s.limiter != nil || s.scope != nil || s.hasMaxWait || len(s.transport) > 0 {
			return nil, errors.New("vessl: the *http.Client's Transport is already a *transport.Transport: configure it with transport options, not WithLimiter, WithScope, WithMaxWait or WithTransportOptions")
		}
		c.transport = t
	} else {
		topts := []transport.Option{}
		if hc.Transport != nil {
			topts = append(topts, transport.WithBase(hc.Transport))
		}
		if s.limiter != nil {
			topts = append(topts, transport.WithLimiter(s.limiter))
		}
		if s.scope != nil {
			topts = append(topts, transport.WithScope(s.scope))
		}
		if s.hasMaxWait {
			topts = append(topts, transport.WithMaxWait(s.maxWait))
		}
		if s.logger != nil {
			topts = append(topts, transport.WithLogger(s.logger))
		}
		topts = append(topts, s.transport...)
		c.transport = transport.New(topts...)
		c.ownsTrans = true
	}
	hc.Transport = c.transport
	hc.CheckRedirect = dropTokenOffOrigin(hc.CheckRedirect)
	c.client = &hc

	c.common.client = c
	c.Accounts = (*AccountsService)(&c.common)
	c.Organizations = (*OrganizationsService)(&c.common)
	c.Projects = (*ProjectsService)(&c.common)
	c.Experiments = (*ExperimentsService)(&c.common)
	c.Runs = (*RunsService)(&c.common)
	c.ModelRepositories = (*ModelRepositoriesService)(&c.common)
	c.ModelServices = (*ModelServicesService)(&c.common)
	c.Clusters = (*ClustersService)(&c.common)
	c.Datasets = (*DatasetsService)(&c.common)
	return c, nil
}

// dropTokenOffOrigin wraps a redirect policy (nil: Go's default, at most 10
// redirects) so that a redirect leaving the origin (scheme, host and port)
// of the first request goes out without the Authorization header. Go's own
// rule drops it only for another host name: it would send the token to
// another port of the same host, and from https to plain http, where it
// crosses the network in clear text.
func dropTokenOffOrigin(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !sameOrigin(req.URL, via[0].URL) {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("vessl: stopped after 10 redirects")
		}
		return nil
	}
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (the scheme's default port when none is given).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && originPort(a) == originPort(b)
}

func originPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// BaseURL returns a copy of the API root the client sends to; it ends in
// "/", and paths such as "api/v1/accounts/me" are resolved against it.
func (c *Client) BaseURL() *url.URL {
	u := *c.baseURL
	return &u
}

// Organization returns the default organization: the configured one, or
// the one a call found on first use (see the package documentation); "" if
// neither.
func (c *Client) Organization() string {
	c.orgMu.Lock()
	defer c.orgMu.Unlock()
	return c.organization
}

// Project returns the default project ("" if none).
func (c *Client) Project() string { return c.project }

// Transport returns the rate-aware transport under the client, whose Stats
// report requests, 429s, retries and time waited, and whose Limiter exposes
// the budgets.
func (c *Client) Transport() *transport.Transport { return c.transport }

// Budget returns the rate-limit budget the client's requests spend, for
// progress displays: Budget().Snapshot() tells the known limit, the
// remaining estimate, the next reset, requests in flight and callers
// waiting. Under the default scope (one budget per host and credential)
// every call of the client spends this one budget; under a WithScope
// function it is the budget of GET api/v1/accounts/me. A transport given in
// WithHTTPClient is assumed to use the default scope.
func (c *Client) Budget() *ratelimit.Budget {
	u := c.baseURL.ResolveReference(&url.URL{Path: "api/v1/accounts/me"})
	req := &http.Request{
		Method: http.MethodGet,
		URL:    u,
		Host:   u.Host,
		Header: http.Header{"Authorization": {"Token " + string(*c.token)}},
	}
	return c.transport.Limiter().Budget(c.scope(req))
}

// Rate returns the most recent rate-limit observation any response of this
// client carried (the zero Observation if none has).
func (c *Client) Rate() ratelimit.Observation {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return c.rate
}

// Close releases what the client's transport holds (timers, store
// connections) if the client created the transport. Calls already made keep
// working until they return.
func (c *Client) Close() error {
	if !c.ownsTrans {
		return nil
	}
	return c.transport.Close()
}

// String describes the client without its token.
func (c *Client) String() string {
	return fmt.Sprintf("vessl.Client{BaseURL: %s, Organization: %q, Project: %q, Token: %s}",
		c.baseURL.Redacted(), c.Organization(), c.project, *c.token)
}

// GoString is String: %#v must not reveal the token either.
func (c *Client) GoString() string { return c.String() }

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %s, %q,
// %x) prints String.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// orgName returns org, or the default organization when org is "", path
// escaped.
func (c *Client) orgName(ctx context.Context, org string) (string, error) {
	if org == "" {
		var err error
		if org, err = c.defaultOrganization(ctx); err != nil {
			return "", err
		}
	}
	return url.PathEscape(org), nil
}

// defaultOrganization returns the configured default organization or, like
// the official SDK, the first organization the user belongs to, which it
// then keeps. Concurrent first calls may each list the organizations; they
// agree on the answer.
func (c *Client) defaultOrganization(ctx context.Context) (string, error) {
	if org := c.Organization(); org != "" {
		return org, nil
	}
	orgs, _, err := c.Organizations.List(ctx)
	if err != nil {
		return "", fmt.Errorf("vessl: finding a default organization: %w", err)
	}
	if len(orgs) == 0 || orgs[0].Name == "" {
		return "", ErrNoOrganization
	}
	c.orgMu.Lock()
	defer c.orgMu.Unlock()
	if c.organization == "" {
		c.organization = orgs[0].Name
	}
	return c.organization, nil
}

// projectPath returns the escaped "organizations/{org}/projects/{project}"
// path, with "" meaning the defaults.
func (c *Client) projectPath(ctx context.Context, org, project string) (string, error) {
	o, err := c.orgName(ctx, org)
	if err != nil {
		return "", err
	}
	if project == "" {
		project = c.project
	}
	if project == "" {
		return "", ErrNoProject
	}
	return "api/v1/organizations/" + o + "/projects/" + url.PathEscape(project), nil
}

// ErrNoOrganization is returned by a method that needs an organization when
// its argument and the client's default are empty and the user belongs to no
// organization.
var ErrNoOrganization = errors.New("vessl: no organization: pass one or set a default (WithOrganization, " + EnvDefaultOrganization + ", or default_organization in the config file)")

// ErrNoProject is returned by a method that needs a project when both its
// argument and the client's default are empty.
var ErrNoProject = errors.New("vessl: no project: pass one or set a default (WithProject, " + EnvDefaultProject + ", or default_project in the config file)")

// NewRequest builds a request for a path relative to BaseURL (without a
// leading slash), with body encoded as JSON when it is not nil. It does not
// add credentials: Do does, on its own copy.
func (c *Client) NewRequest(method, urlStr string, body any) (*http.Request, error) {
	if strings.HasPrefix(urlStr, "/") {
		return nil, fmt.Errorf("vessl: path %q must be relative to BaseURL (no leading slash)", urlStr)
	}
	u, err := c.baseURL.Parse(urlStr)
	if err != nil {
		return nil, fmt.Errorf("vessl: %w", err)
	}
	var buf io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("vessl: encoding request body: %w", err)
		}
		// A *bytes.Reader gives the request a GetBody, so the transport
		// can rewind it for a retry.
		buf = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.String(), buf)
	if err != nil {
		return nil, fmt.Errorf("vessl: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	return req, nil
}

// Response wraps the *http.Response of a call with what the client read from
// it.
type Response struct {
	*http.Response

	// Rate is the rate-limit observation this response carried (the zero
	// value if it carried none).
	Rate ratelimit.Observation

	// Set by List methods from the page_info envelope.
	TotalCount  int  // total number of items, if the server said
	HasNextPage bool // another page follows
	NextOffset  int  // offset of the next page; 0 when HasNextPage is false
}

// newRequestID returns 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// Do sends req with ctx, adding the Authorization header and a request id
// (unless req already has one) on its own copy of req. A non-2xx response
// becomes an *APIError or *RateLimitError (see CheckResponse) and the body is
// closed. Otherwise, for v an io.Writer the body is copied into it, for any
// other non-nil v it is decoded as JSON, and the body is always closed.
//
// A JSON body is read whole (at most 64 MiB) before it is decoded. If it
// breaks off (the connection was reset after the headers), the request is
// sent again, up to 3 times in all, when that cannot apply a write twice
// (transport.Repeatable: GET, PUT, DELETE, a write with an Idempotency-Key),
// with the same X-Request-Id and through the same rate-limit budget. A body
// copied into an io.Writer is never repeated.
//
// The returned *Response is non-nil whenever the server answered, also with
// an error.
func (c *Client) Do(ctx context.Context, req *http.Request, v any) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("vessl: nil context")
	}
	req = req.Clone(ctx) // the caller's request and headers stay untouched
	req.Header.Set("Authorization", "Token "+string(*c.token))
	if req.Header.Get(HeaderRequestID) == "" {
		req.Header.Set(HeaderRequestID, newRequestID())
	}
	if write := req.Method == http.MethodPost || req.Method == http.MethodPatch; write && req.Header.Get(HeaderIdempotencyKey) == "" {
		if key, ok := ctx.Value(idempotencyKeyContext{}).(string); ok {
			req.Header.Set(HeaderIdempotencyKey, key)
		} else if c.idemKeys {
			req.Header.Set(HeaderIdempotencyKey, req.Header.Get(HeaderRequestID))
		}
	}

	for attempt := 1; ; attempt++ {
		start := time.Now()
		resp, err := c.client.Do(req)
		if err != nil {
			err = withContextCause(ctx, err)
			c.logRequest(ctx, req, nil, start, err)
			return nil, fmt.Errorf("vessl: %s %s: %w", req.Method, req.URL.Path, c.scrubError(err))
		}
		c.logRequest(ctx, req, resp, start, nil)
		response, err := c.receive(resp, v)
		var cut *cutBodyError
		if !errors.As(err, &cut) {
			return response, err
		}
		// The server answered 2xx but the body broke off (a reset
		// connection, a proxy timeout). Nothing was decoded, so the call
		// is sent again if that cannot apply a write twice.
		if ctx.Err() == nil && attempt < maxBodyAttempts && transport.Repeatable(req) && rewound(req) {
			continue
		}
		if attempt > 1 {
			err = fmt.Errorf("%w (after %d attempts)", err, attempt)
		}
		return response, fmt.Errorf("vessl: %s %s: reading body: %w", req.Method, req.URL.Path, c.scrubError(withContextCause(ctx, err)))
	}
}

// withContextCause puts ctx's error in front of err when ctx has ended and
// err does not already say so, so that errors.Is finds it.
func withContextCause(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w (%w)", ctxErr, err)
	}
	return err
}

// maxBodyAttempts bounds how many times Do sends a repeatable request whose
// 2xx response body broke off before its end.
const maxBodyAttempts = 3

// cutBodyError is a 2xx body that could not be read to its end.
type cutBodyError struct{ err error }

func (e *cutBodyError) Error() string { return e.err.Error() }
func (e *cutBodyError) Unwrap() error { return e.err }

// rewound gives req a fresh body for another attempt, if it has one to give.
func rewound(req *http.Request) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	if req.GetBody == nil {
		return false
	}
	body, err := req.GetBody()
	if err != nil {
		return false
	}
	req.Body = body
	return true
}

// receive turns one response into Do's result and closes its body. A 2xx
// body meant for JSON is read whole before it is decoded, so a body that
// breaks off (a *cutBodyError) has decoded nothing into v and the call can
// be repeated.
func (c *Client) receive(resp *http.Response, v any) (*Response, error) {
	defer resp.Body.Close()
	req := resp.Request
	response := c.newResponse(resp)
	resp.Request = withoutCredentials(resp.Request)
	scrubHeader(resp.Header, string(*c.token))
	if err := c.checkResponse(resp, response.Rate); err != nil {
		return response, err
	}
	switch w := v.(type) {
	case nil:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	case io.Writer:
		// Streamed: what was written cannot be taken back, so a body
		// that breaks off is reported, not repeated.
		if _, err := io.Copy(w, resp.Body); err != nil {
			return response, fmt.Errorf("vessl: %s %s: reading body: %w", req.Method, req.URL.Path, c.scrubError(err))
		}
	default:
		data, err := readBody(resp)
		if err != nil {
			return response, err
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return response, nil // an empty 2xx body leaves v as it was
		}
		if err := json.Unmarshal(data, v); err != nil {
			return response, fmt.Errorf("vessl: %s %s: decoding response: %w", req.Method, req.URL.Path, err)
		}
	}
	return response, nil
}

// readBody reads a 2xx body whole, up to maxResponseBody. With a
// Content-Length it reads into one buffer of that size; otherwise into
// chunks that double up to 4 MiB, joined once at the end, so a body that
// never ends costs about maxResponseBody of memory before it is refused,
// not the doubling buffer's multiple of it.
func readBody(resp *http.Response) ([]byte, error) {
	size := 16 << 10
	if n := resp.ContentLength; n > maxResponseBody {
		return nil, errBodyTooLarge(resp)
	} else if n >= 0 {
		size = int(n) + 1 // room for the read that sees EOF
	}
	var chunks [][]byte
	buf := make([]byte, 0, size)
	total := 0
	for {
		if len(buf) == cap(buf) {
			chunks = append(chunks, buf)
			buf = make([]byte, 0, min(max(2*cap(buf), 16<<10), 4<<20))
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if total += n; total > maxResponseBody {
			return nil, errBodyTooLarge(resp)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &cutBodyError{err}
		}
	}
	if len(chunks) == 0 {
		return buf, nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, buf...), nil
}

func errBodyTooLarge(resp *http.Response) error {
	return fmt.Errorf("vessl: %s %s: response body exceeds %d MiB", resp.Request.Method, resp.Request.URL.Path, maxResponseBody>>20)
}

// withoutCredentials returns a shallow copy of r without its Authorization
// header and redirect chain, so that a Response or an APIError handed to the
// caller (and perhaps printed) does not carry the token. r itself is not
// modified: the transport below may still hold it.
func withoutCredentials(r *http.Request) *http.Request {
	if r == nil {
		return nil
	}
	r2 := *r
	r2.Header = r.Header.Clone()
	r2.Header.Del("Authorization")
	r2.Response = nil
	return &r2
}

// scrubHeader replaces the token wherever a response header value quotes
// it: a proxy or debug endpoint that echoes the request's credentials back
// must not put them into the Response or APIError a caller may print or
// log. checkResponse does the same for error bodies.
func scrubHeader(h http.Header, token string) {
	if token == "" {
		return
	}
	for _, vs := range h {
		for i, v := range vs {
			if strings.Contains(v, token) {
				vs[i] = strings.ReplaceAll(v, token, redacted)
			}
		}
	}
}

// maxResponseBody bounds how much of a 2xx body Do decodes as JSON, so a
// response that never ends cannot exhaust memory. The largest real answers
// (a page of 200 experiments, a batch of log lines) are far smaller.
const maxResponseBody = 64 << 20

// maxDrain bounds how much of an unwanted body is read so the connection can
// be reused.
const maxDrain = 64 << 10

// newResponse wraps resp and records its rate-limit observation.
func (c *Client) newResponse(resp *http.Response) *Response {
	r := &Response{Response: resp}
	obs, ok := transport.ObservationFrom(resp)
	if !ok {
		obs, _ = ratelimit.ParseHeaders(resp.Header, resp.StatusCode, time.Now())
	}
	r.Rate = obs
	if obs.Known() {
		c.rateMu.Lock()
		if !obs.At.Before(c.rate.At) {
			c.rate = obs
		}
		c.rateMu.Unlock()
	}
	return r
}

// scrubError removes the token from an error's text, in case some layer
// below quoted a header.
func (c *Client) scrubError(err error) error {
	tok := string(*c.token)
	if tok == "" || !strings.Contains(err.Error(), tok) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), tok, redacted), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func (c *Client) logRequest(ctx context.Context, req *http.Request, resp *http.Response, start time.Time, err error) {
	if c.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.String("request_id", req.Header.Get(HeaderRequestID)),
		slog.Duration("duration", time.Since(start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.scrubError(err).Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "vessl: request", attrs...)
}
