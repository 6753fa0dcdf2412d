package vessl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// baseURLPath is a non-empty path prefix for the test server, so that a
// request built from an absolute path fails loudly.
const baseURLPath = "/api-v3"

const testToken = "s3cr3t-t0ken-value"

// setup returns a client talking to a test server, the mux its handlers go
// on (paths as the API spells them, e.g. "/api/v1/accounts/me"), and the
// server URL. The client's defaults are org "demo-org", project
// "demo-project".
func setup(t *testing.T, opts ...Option) (client *Client, mux *http.ServeMux, serverURL string) {
	t.Helper()
	mux = http.NewServeMux()
	api := http.NewServeMux()
	api.Handle(baseURLPath+"/", http.StripPrefix(baseURLPath, mux))
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL)
		http.Error(w, "outside the base path", http.StatusBadRequest)
	})
	server := httptest.NewServer(api)
	t.Cleanup(server.Close)

	all := append([]Option{
		withEnv(nil),
		WithToken(testToken),
		WithBaseURL(server.URL + baseURLPath + "/"),
		WithOrganization("demo-org"),
		WithProject("demo-project"),
	}, opts...)
	client, err := NewClient(all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client, mux, server.URL
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if got := r.Method; got != want {
		t.Errorf("request method = %s; want %s", got, want)
	}
}

func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("header %s = %q; want %q", name, got, want)
	}
}

// testQuery checks the whole query, so unexpected parameters fail too.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query = %v; want %v", got, want)
	}
}

// testBody checks that the body is the JSON want (compared as values).
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if want == "" {
		if len(b) != 0 {
			t.Errorf("body = %q; want none", b)
		}
		return
	}
	testHeader(t, r, "Content-Type", "application/json")
	var got, w any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", b, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("body = %s; want %s", b, want)
	}
}

// reply writes body as a JSON 200.
func reply(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

func testJSONEqual(t *testing.T, name string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s = %s; want %s", name, g, w)
	}
}

func TestNewRequest(t *testing.T) {
	c, _, _ := setup(t)
	req, err := c.NewRequest("POST", "api/v1/x?y=1", map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.URL.String(), c.BaseURL().String()+"api/v1/x?y=1"; got != want {
		t.Errorf("URL = %s; want %s", got, want)
	}
	testHeader(t, req, "Content-Type", "application/json")
	testHeader(t, req, "Accept", "application/json")
	testHeader(t, req, "User-Agent", "vessl-go/"+Version)
	testHeader(t, req, "Authorization", "") // Do adds it, on its own copy
	if req.GetBody == nil {
		t.Error("GetBody = nil; want a rewindable body")
	}
	b, _ := io.ReadAll(req.Body)
	if got := string(b); got != `{"a":1}` {
		t.Errorf("body = %s", got)
	}

	if _, err := c.NewRequest("GET", "/api/v1/x", nil); err == nil {
		t.Error("NewRequest with a leading slash: err = nil; want an error")
	}
	if _, err := c.NewRequest("GET", "api/v1/x", make(chan int)); err == nil {
		t.Error("NewRequest with an unencodable body: err = nil; want an error")
	}
	req, _ = c.NewRequest("GET", "api/v1/x", nil)
	testHeader(t, req, "Content-Type", "")
}

func TestDoSetsHeadersOnItsOwnCopy(t *testing.T) {
	c, mux, _ := setup(t)
	var ids []string
	mux.HandleFunc("/api/v1/ping", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Token "+testToken)
		testHeader(t, r, "Accept", "application/json")
		testHeader(t, r, "User-Agent", "vessl-go/"+Version)
		ids = append(ids, r.Header.Get(HeaderRequestID))
		reply(w, `{}`)
	})
	req, _ := c.NewRequest("GET", "api/v1/ping", nil)
	for range 2 {
		if _, err := c.Do(context.Background(), req, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(req.Header) != 2 { // Accept, User-Agent
		t.Errorf("caller's request headers changed: %v", req.Header)
	}
	if len(ids) != 2 || len(ids[0]) != 32 || ids[0] == ids[1] {
		t.Errorf("request ids = %q; want two distinct 32-hex-digit ids", ids)
	}

	// A caller-chosen id is kept.
	req.Header.Set(HeaderRequestID, "mine")
	if _, err := c.Do(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	if got := ids[len(ids)-1]; got != "mine" {
		t.Errorf("request id = %q; want the caller's", got)
	}
}

func TestDoWriter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/raw", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "plain text")
	})
	req, _ := c.NewRequest("GET", "api/v1/raw", nil)
	var sb strings.Builder
	if _, err := c.Do(context.Background(), req, &sb); err != nil {
		t.Fatal(err)
	}
	if sb.String() != "plain text" {
		t.Errorf("body = %q", sb.String())
	}
}

func TestDoDecodeError(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/bad", func(w http.ResponseWriter, r *http.Request) {
		reply(w, `{"id": "not a number"`)
	})
	req, _ := c.NewRequest("GET", "api/v1/bad", nil)
	var u User
	resp, err := c.Do(context.Background(), req, &u)
	if err == nil || !strings.HasPrefix(err.Error(), "vessl: ") {
		t.Errorf("err = %v; want a vessl: decoding error", err)
	}
	if resp == nil || resp.StatusCode != 200 {
		t.Errorf("resp = %v; want the 200 response", resp)
	}
}

func TestDoContextCancelled(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/ping", func(w http.ResponseWriter, r *http.Request) { reply(w, `{}`) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := c.NewRequest("GET", "api/v1/ping", nil)
	_, err := c.Do(ctx, req, nil)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("Do(cancelled) = %v; want context canceled", err)
	}
}

// bareClient is a client with no default organization or project, on a
// test server whose handlers go on the returned mux.
func bareClient(t *testing.T) (*Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	c, err := NewClient(withEnv(nil), WithToken(testToken), WithBaseURL(server.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, mux
}

func TestDefaultOrganizationFromList(t *testing.T) {
	c, mux := bareClient(t)
	var lists atomic.Int32
	mux.HandleFunc("GET /api/v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		lists.Add(1)
		reply(w, `{"organizations": [{"name": "first-org"}, {"name": "second-org"}]}`)
	})
	mux.HandleFunc("GET /api/v1/organizations/first-org/projects/p", func(w http.ResponseWriter, r *http.Request) {
		reply(w, `{"name": "p"}`)
	})
	for range 2 {
		if _, _, err := c.Projects.Get(context.Background(), "", "p"); err != nil {
			t.Fatalf("Projects.Get: %v", err)
		}
	}
	if c.Organization() != "first-org" || lists.Load() != 1 {
		t.Errorf("Organization() = %q after %d lists; want first-org after 1", c.Organization(), lists.Load())
	}
	if _, _, err := c.Projects.Get(context.Background(), "", ""); err != ErrNoProject {
		t.Errorf("Projects.Get(\"\", \"\") = %v; want ErrNoProject", err)
	}
}

func TestNoOrganization(t *testing.T) {
	c, mux := bareClient(t)
	mux.HandleFunc("GET /api/v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		reply(w, `{"organizations": []}`)
	})
	if _, _, err := c.Clusters.List(context.Background(), "", nil); err != ErrNoOrganization {
		t.Errorf("Clusters.List(\"\") = %v; want ErrNoOrganization", err)
	}
	if c.Organization() != "" {
		t.Errorf("Organization() = %q; want none", c.Organization())
	}
}
