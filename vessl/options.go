package vessl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// An Option configures a Client. Options validate their input; NewClient
// returns the first error.
type Option func(*settings) error

// settings collects what the options said before NewClient resolves the
// rest from the environment and the configuration file.
type settings struct {
	token        secret
	baseURL      *url.URL
	organization string
	project      string
	userAgent    string
	httpClient   *http.Client
	logger       *slog.Logger
	maxWait      time.Duration
	hasMaxWait   bool
	scope        ratelimit.ScopeFunc
	limiter      *ratelimit.Limiter
	transport    []transport.Option
	insecureHTTP bool
	configFile   string
	idemKeys     bool

	// Seams for tests: the environment and the file system.
	lookupEnv func(string) (string, bool)
	homeDir   func() (string, error)
	readFile  func(string) ([]byte, error)
}

// Format prints the settings without the token, whatever the verb.
func (s settings) Format(f fmt.State, verb rune) {
	base := ""
	if s.baseURL != nil {
		base = s.baseURL.Redacted()
	}
	fmt.Fprintf(f, "vessl.settings{token:%s base:%q org:%q project:%q}", s.token, base, s.organization, s.project)
}

// secret is a string that never prints itself.
type secret string

const redacted = "[REDACTED]"

func (s secret) String() string {
	if s == "" {
		return `""`
	}
	return redacted
}

func (s secret) GoString() string { return s.String() }

// Format implements fmt.Formatter so every verb, %x and %q included, hides
// the value.
func (s secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// WithToken sets the VESSL access token, overriding VESSL_ACCESS_TOKEN and the
// configuration file.
func WithToken(token string) Option {
	return func(s *settings) error {
		if token == "" {
			return errors.New("vessl: WithToken: empty token")
		}
		if err := validateToken(token); err != nil {
			return err
		}
		s.token = secret(token)
		return nil
	}
}

// validateToken refuses tokens that would corrupt the Authorization header.
// The message never contains the token.
func validateToken(token string) error {
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c == 0x7f {
			return errors.New("vessl: access token contains whitespace or a control character")
		}
	}
	return nil
}

// WithBaseURL sets the API base URL (scheme, host and an optional path
// prefix), overriding VESSL_API_HOST. A URL without a scheme gets https://.
// A plain http:// URL is accepted only for a loopback host (localhost,
// 127.0.0.0/8, ::1) unless WithInsecureHTTP is also given.
func WithBaseURL(rawURL string) Option {
	return func(s *settings) error {
		u, err := parseBaseURL(rawURL)
		if err != nil {
			return fmt.Errorf("vessl: WithBaseURL: %w", err)
		}
		s.baseURL = u
		return nil
	}
}

// WithInsecureHTTP allows a plain http:// base URL for a host that is not
// loopback. The access token then crosses the network in clear text.
func WithInsecureHTTP() Option {
	return func(s *settings) error {
		s.insecureHTTP = true
		return nil
	}
}

// WithHTTPClient sets the HTTP client to start from. NewClient copies it and
// never modifies it; the copy's transport is the rate-aware transport with
// hc.Transport as its base. If hc.Transport already is a
// *transport.Transport it is used as is (Client.Close leaves it open, and
// WithLimiter, WithScope, WithMaxWait and WithTransportOptions are refused:
// configure that transport instead).
// Note that hc.Timeout bounds each call including its rate-limit waits;
// prefer a context deadline.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("vessl: WithHTTPClient: nil *http.Client")
		}
		s.httpClient = hc
		return nil
	}
}

// WithOrganization sets the default organization, used by every method whose
// org argument is "". It overrides VESSL_DEFAULT_ORGANIZATION and the
// configuration file.
func WithOrganization(name string) Option {
	return func(s *settings) error {
		if err := validateName("WithOrganization", name); err != nil {
			return err
		}
		s.organization = name
		return nil
	}
}

// WithProject sets the default project, used by every method whose project
// argument is "". It overrides VESSL_DEFAULT_PROJECT and the configuration
// file.
func WithProject(name string) Option {
	return func(s *settings) error {
		if err := validateName("WithProject", name); err != nil {
			return err
		}
		s.project = name
		return nil
	}
}

func validateName(opt, name string) error {
	if name == "" {
		return fmt.Errorf("vessl: %s: empty name", opt)
	}
	if strings.ContainsAny(name, "/?#") || hasControl(name) {
		return fmt.Errorf("vessl: %s: invalid name %q", opt, name)
	}
	return nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return true
		}
	}
	return false
}

// WithUserAgent sets the User-Agent header. The default is "vessl-go/<Version>".
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if ua == "" || hasControl(ua) {
			return errors.New("vessl: WithUserAgent: empty or contains a control character")
		}
		s.userAgent = ua
		return nil
	}
}

// WithLogger sets a logger for request-level debug lines and the transport's
// wait and retry messages. Nothing is logged by default; the token never is.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("vessl: WithLogger: nil logger")
		}
		s.logger = l
		return nil
	}
}

// WithMaxWait bounds how long one call may wait for the rate-limit budget
// before it fails with a *ratelimit.WaitError. 0 means only the context
// bounds the wait.
func WithMaxWait(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("vessl: WithMaxWait: negative duration %v", d)
		}
		s.maxWait = d
		s.hasMaxWait = true
		return nil
	}
}

// WithScope sets how requests map to rate-limit budgets. The default,
// ratelimit.DefaultScope, keeps one budget per host and credential.
func WithScope(f ratelimit.ScopeFunc) Option {
	return func(s *settings) error {
		if f == nil {
			return errors.New("vessl: WithScope: nil ScopeFunc")
		}
		s.scope = f
		return nil
	}
}

// WithLimiter shares a rate-limit limiter between clients (for example
// several clients with the same token in one process). The client does not
// close a limiter it was given.
func WithLimiter(l *ratelimit.Limiter) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("vessl: WithLimiter: nil limiter")
		}
		s.limiter = l
		return nil
	}
}

// WithTransportOptions passes options to the rate-aware transport, after the
// ones the client derives from its own options.
func WithTransportOptions(opts ...transport.Option) Option {
	return func(s *settings) error {
		s.transport = append(s.transport, opts...)
		return nil
	}
}

// WithIdempotencyKeys makes the client send an Idempotency-Key header (equal
// to the request id) on every POST and PATCH that does not carry one. The
// transport then also retries those writes after a network error or a
// 502/503/504, which is safe only if the server stores keyed answers and
// replays them instead of applying the write again. The public VESSL API
// does not document Idempotency-Key support, so the default is off: a POST
// that fails that way is reported to the caller, never silently repeated.
func WithIdempotencyKeys() Option {
	return func(s *settings) error {
		s.idemKeys = true
		return nil
	}
}

type idempotencyKeyContext struct{}

// ContextWithIdempotencyKey returns a context under which writes (POST,
// PATCH) carry Idempotency-Key: key. A batch job that derives the key from
// its item (say "sweep-42/item-7") can re-run after a crash without
// creating anything twice, provided the server honours the header (the
// public VESSL API does not document it; internal/testserver does). As with
// WithIdempotencyKeys, the transport then also retries such writes after a
// network error or a 502/503/504. An empty key, or one with control
// characters, is ignored.
func ContextWithIdempotencyKey(ctx context.Context, key string) context.Context {
	if key == "" || hasControl(key) {
		return ctx
	}
	return context.WithValue(ctx, idempotencyKeyContext{}, key)
}

// WithConfigPath names the TOML configuration file to read instead of
// VESSL_CONFIG_PATH or ~/.vessl/config. Unlike the default file, a named file
// must exist.
func WithConfigPath(path string) Option {
	return func(s *settings) error {
		if path == "" {
			return errors.New("vessl: WithConfigPath: empty path")
		}
		s.configFile = path
		return nil
	}
}

// withEnv replaces the environment lookup, for tests.
func withEnv(env map[string]string) Option {
	return func(s *settings) error {
		s.lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		s.homeDir = func() (string, error) { return "", errors.New("no home in tests") }
		return nil
	}
}

// parseBaseURL turns "host", "https://host" or "https://host/prefix" into an
// absolute URL whose path ends in "/".
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty URL")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("unsupported scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("URL has no host")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("URL must not carry user info, a query or a fragment")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// checkScheme refuses to send the token in clear text to a non-loopback host.
func checkScheme(u *url.URL, insecure bool) error {
	if u.Scheme == "https" || insecure || isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("vessl: refusing plain http:// for non-loopback host %q (the token would cross the network unencrypted); use https or vessl.WithInsecureHTTP", u.Hostname())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
