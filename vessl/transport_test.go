package vessl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/vessl-go/vessl-go/vessl/transport"
)

// scripted is a client whose base RoundTripper is an httpmock transport, so
// a test can script the answers each attempt gets.
func scripted(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	all := append([]Option{
		withEnv(nil),
		WithToken(testToken),
		WithBaseURL("https://api.vessl.test"),
		WithOrganization("demo-org"),
		WithProject("demo-project"),
		WithHTTPClient(&http.Client{Transport: mock}),
		WithTransportOptions(transport.WithJitter(0), transport.WithBackoff(time.Millisecond, time.Millisecond)),
	}, opts...)
	c, err := NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, mock
}

// attempts records the headers of every attempt a responder sees.
type attempts struct {
	mu      sync.Mutex
	headers []http.Header
}

func (a *attempts) record(r httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		a.mu.Lock()
		a.headers = append(a.headers, req.Header.Clone())
		a.mu.Unlock()
		return r(req)
	}
}

func (a *attempts) values(name string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, h := range a.headers {
		out = append(out, h.Get(name))
	}
	return out
}

func throttled(retryAfter string) httpmock.Responder {
	return httpmock.NewStringResponder(http.StatusTooManyRequests, `{"code":"TooManyRequests"}`).
		HeaderSet(http.Header{"Retry-After": {retryAfter}, "X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {"0"}})
}

func ok(body string) httpmock.Responder {
	return httpmock.NewStringResponder(http.StatusOK, body).
		HeaderSet(http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Limit": {"1000"}, "X-Ratelimit-Remaining": {"999"}, "X-Ratelimit-Reset": {"1"}})
}

// TestRetriesKeepRequestID: a 429 and a 503 are retried by the transport,
// and every attempt carries the same request id and the token.
func TestRetriesKeepRequestID(t *testing.T) {
	var waits []transport.WaitEvent
	var mu sync.Mutex
	hook := transport.WithWaitHook(func(ev transport.WaitEvent) {
		mu.Lock()
		waits = append(waits, ev)
		mu.Unlock()
	})
	c, mock := scripted(t, WithTransportOptions(hook))
	var a attempts
	mock.RegisterResponder("GET", "https://api.vessl.test/api/v1/accounts/me", a.record(
		throttled("0").Once().
			Then(httpmock.NewStringResponder(http.StatusServiceUnavailable, "<html>busy</html>").Once()).
			Then(ok(`{"id": 1, "username": "ada"}`))))

	me, resp, err := c.Accounts.Me(context.Background())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.Username != "ada" {
		t.Errorf("Me = %+v", me)
	}
	ids := a.values(HeaderRequestID)
	if len(ids) != 3 || ids[0] == "" || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("request ids per attempt = %q; want 3 equal ids", ids)
	}
	for i, auth := range a.values("Authorization") {
		if auth != "Token "+testToken {
			t.Errorf("attempt %d Authorization = %q", i+1, auth)
		}
	}
	st := c.Transport().Stats()
	if st.Requests != 1 || st.Attempts != 3 || st.Throttled != 1 || st.Retries != 2 {
		t.Errorf("Stats = %+v; want 1 request, 3 attempts, 1 throttled, 2 retries", st)
	}
	if resp.Rate.Remaining != 999 || !resp.Rate.HasRemaining || resp.Rate.Limit != 1000 {
		t.Errorf("Response.Rate = %+v; want the last response's headers", resp.Rate)
	}
	if got := c.Rate(); got.Remaining != 999 || got.Limit != 1000 {
		t.Errorf("Client.Rate() = %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) == 0 {
		t.Fatal("no wait events; want at least the 429's")
	}
	for _, ev := range waits {
		if strings.Contains(ev.Scope, testToken) {
			t.Errorf("rate-limit scope %q contains the token", ev.Scope)
		}
	}
}

// TestWritesNotRepeatedAfterTransientFailure: a POST that got a 503 may have
// been applied, so it is reported, not repeated.
func TestWritesNotRepeatedAfterTransientFailure(t *testing.T) {
	c, mock := scripted(t)
	var a attempts
	mock.RegisterResponder("POST", "https://api.vessl.test/api/v1/organizations/demo-org/projects", a.record(
		httpmock.NewStringResponder(http.StatusServiceUnavailable, `{"code":"Unavailable","message":"try later"}`).Once().
			Then(ok(`{"id": 1, "name": "p"}`))))
	_, _, err := c.Projects.Create(context.Background(), "", &ProjectCreateRequest{Name: "p"})
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 503 || api.Code != "Unavailable" {
		t.Fatalf("Create err = %v; want the 503 as *APIError", err)
	}
	if n := len(a.values(HeaderRequestID)); n != 1 {
		t.Errorf("POST sent %d times; want 1", n)
	}
	if got := a.values(HeaderIdempotencyKey)[0]; got != "" {
		t.Errorf("Idempotency-Key = %q without WithIdempotencyKeys; want none", got)
	}
}

// TestIdempotencyKeys: with WithIdempotencyKeys a write carries a key equal
// to its request id, and the transport may then repeat it.
func TestIdempotencyKeys(t *testing.T) {
	c, mock := scripted(t, WithIdempotencyKeys())
	var a attempts
	mock.RegisterResponder("POST", "https://api.vessl.test/api/v1/organizations/demo-org/projects", a.record(
		httpmock.NewStringResponder(http.StatusServiceUnavailable, "").Once().
			Then(ok(`{"id": 1, "name": "p"}`))))
	mock.RegisterResponder("GET", "https://api.vessl.test/api/v1/accounts/me", a.record(ok(`{}`)))
	p, _, err := c.Projects.Create(context.Background(), "", &ProjectCreateRequest{Name: "p"})
	if err != nil || p.Name != "p" {
		t.Fatalf("Create = %v, %v", p, err)
	}
	keys, ids := a.values(HeaderIdempotencyKey), a.values(HeaderRequestID)
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] || keys[0] != ids[0] {
		t.Errorf("Idempotency-Keys = %q, request ids = %q; want one key, equal to the id, on both attempts", keys, ids)
	}
	if _, _, err := c.Accounts.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := a.values(HeaderIdempotencyKey)[2]; got != "" {
		t.Errorf("GET carries Idempotency-Key %q; want none", got)
	}
}

// TestLoggerNeverLogsToken: the debug line names the request, not the
// credential.
func TestLoggerNeverLogsToken(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mock := scripted(t, WithLogger(logger))
	mock.RegisterResponder("GET", "https://api.vessl.test/api/v1/accounts/me", throttled("0").Once().Then(ok(`{}`)))
	mock.RegisterResponder("GET", "https://api.vessl.test/api/v1/organizations", httpmock.NewErrorResponder(errors.New("dial failed for Token "+testToken)))
	if _, _, err := c.Accounts.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Organizations.List(context.Background())
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("Organizations.List err = %v; want an error without the token", err)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	// Only the client's own lines: the transport logs a failed attempt's
	// error text as is.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `msg="vessl: request"`) && strings.Contains(line, testToken) {
			t.Errorf("log line contains the token:\n%s", line)
		}
	}
	if !strings.Contains(out, "request_id=") || !strings.Contains(out, "path=/api/v1/accounts/me") {
		t.Errorf("log lacks the request line:\n%s", out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestGivenTransportUsedAsIs: a *transport.Transport in the given client is
// not wrapped a second time (that would wait on two budgets), and the client
// does not close it.
func TestGivenTransportUsedAsIs(t *testing.T) {
	tr := transport.New(transport.WithBase(httpmock.NewMockTransport()))
	defer tr.Close()
	c, err := NewClient(withEnv(nil), WithToken("t"), WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Transport() != tr {
		t.Error("Transport() is not the given transport")
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
	// Options the given transport would silently ignore are refused.
	if _, err := NewClient(withEnv(nil), WithToken("t"), WithHTTPClient(&http.Client{Transport: tr}), WithMaxWait(time.Second)); err == nil {
		t.Error("NewClient(given transport, WithMaxWait) err = nil; want a conflict error")
	}
}

// TestContextIdempotencyKey: a key from the context wins over the automatic
// one, and GETs never carry it.
func TestContextIdempotencyKey(t *testing.T) {
	c, mock := scripted(t, WithIdempotencyKeys())
	var a attempts
	mock.RegisterResponder("POST", "https://api.vessl.test/api/v1/organizations/demo-org/projects", a.record(ok(`{"name": "p"}`)))
	mock.RegisterResponder("GET", "https://api.vessl.test/api/v1/accounts/me", a.record(ok(`{}`)))
	ctx := ContextWithIdempotencyKey(context.Background(), "item-7")
	if _, _, err := c.Projects.Create(ctx, "", &ProjectCreateRequest{Name: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Accounts.Me(ctx); err != nil {
		t.Fatal(err)
	}
	testJSONEqual(t, "Idempotency-Keys", a.values(HeaderIdempotencyKey), []string{"item-7", ""})
	if got := ContextWithIdempotencyKey(ctx, "bad\nkey"); got != ctx {
		t.Error("a key with a newline was accepted")
	}
}

// TestBudget: Client.Budget is the budget the client's calls spend.
func TestBudget(t *testing.T) {
	c, mock := scripted(t)
	mock.RegisterResponder("GET", "https://api.vessl.test/api/v1/accounts/me", ok(`{}`))
	mock.RegisterResponder("GET", "https://api.vessl.test/api/v1/organizations/demo-org/clusters", ok(`{"results": []}`))
	if _, _, err := c.Accounts.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Clusters.List(context.Background(), "", nil); err != nil {
		t.Fatal(err)
	}
	snap := c.Budget().Snapshot()
	if snap.Limit != 1000 || strings.Contains(snap.Scope, testToken) {
		t.Errorf("Budget().Snapshot() = %+v; want the learned limit 1000 and a scope without the token", snap)
	}
}
