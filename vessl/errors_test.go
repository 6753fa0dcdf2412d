package vessl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

func TestCheckResponse(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   APIError
	}{{
		name:   "JSON body",
		status: 400,
		body:   `{"code":"InvalidParameter","message":"bad name","fields":[{"name":"name","value":"x y","message":"no spaces"}]}`,
		want: APIError{StatusCode: 400, Code: "InvalidParameter", Message: "bad name",
			Fields: []FieldError{{Name: "name", Value: "x y", Message: "no spaces"}}},
	}, {
		name:   "HTML from a proxy",
		status: 502,
		body:   "<html>\n\t<body>Bad   gateway\x00</body></html>",
		want:   APIError{StatusCode: 502, Message: "Bad Gateway", Excerpt: "<html> <body>Bad gateway </body></html>"},
	}, {
		name:   "empty body",
		status: 404,
		want:   APIError{StatusCode: 404, Message: "Not Found"},
	}, {
		name:   "JSON of the wrong shape",
		status: 500,
		body:   `{"code": 5}`,
		want:   APIError{StatusCode: 500, Message: "Internal Server Error", Excerpt: `{"code": 5}`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tt.body))}
			err := CheckResponse(resp)
			var got *APIError
			if !errors.As(err, &got) {
				t.Fatalf("CheckResponse = %v (%T); want *APIError", err, err)
			}
			got.Response = nil
			testJSONEqual(t, "APIError", *got, tt.want)
			if got.Excerpt != tt.want.Excerpt {
				t.Errorf("Excerpt = %q; want %q", got.Excerpt, tt.want.Excerpt)
			}
			if !strings.HasPrefix(err.Error(), "vessl: ") {
				t.Errorf("Error() = %q; want the vessl: prefix", err)
			}
		})
	}
	if err := CheckResponse(&http.Response{StatusCode: 204}); err != nil {
		t.Errorf("CheckResponse(204) = %v; want nil", err)
	}
}

func TestCheckResponseLimitsBody(t *testing.T) {
	body := strings.Repeat("x", 10*maxErrorBody)
	r := strings.NewReader(body)
	err := CheckResponse(&http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(r)})
	if read := len(body) - r.Len(); read > maxErrorBody {
		t.Errorf("read %d bytes of the error body; want at most %d", read, maxErrorBody)
	}
	var e *APIError
	if !errors.As(err, &e) || len(e.Excerpt) > maxExcerpt+3 {
		t.Errorf("Excerpt has %d bytes; want at most %d", len(e.Excerpt), maxExcerpt+3)
	}
}

func TestRateLimitError(t *testing.T) {
	c, mux, _ := setup(t, WithMaxWait(time.Millisecond))
	mux.HandleFunc("/api/v1/accounts/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"code":"TooManyRequests","message":"see https://docs.vessl.ai/api-reference/rate-limits"}`)
	})
	before := time.Now()
	_, resp, err := c.Accounts.Me(context.Background())
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("Me() err = %v (%T); want *RateLimitError", err, err)
	}
	if rl.Limit != 100 || rl.Remaining != 0 || rl.RetryAfter != time.Hour {
		t.Errorf("RateLimitError = limit %d remaining %d retry-after %v; want 100, 0, 1h", rl.Limit, rl.Remaining, rl.RetryAfter)
	}
	if rl.Reset.Before(before.Add(time.Hour)) || rl.Reset.After(time.Now().Add(time.Hour)) {
		t.Errorf("Reset = %v; want about an hour from now", rl.Reset)
	}
	if rl.Code != "TooManyRequests" || rl.StatusCode != 429 {
		t.Errorf("APIError part = %+v", rl.APIError)
	}
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 429 {
		t.Errorf("errors.As(*APIError) = %v; want the embedded APIError", api)
	}
	if resp == nil || resp.StatusCode != 429 || resp.Rate.Limit != 100 {
		t.Errorf("resp = %+v; want the 429 with its Rate", resp)
	}
	if !strings.Contains(err.Error(), "retry after 1h0m0s") {
		t.Errorf("Error() = %q; want the retry-after", err)
	}
	if rl.RequestID == "" || rl.Method != "GET" || rl.Path != baseURLPath+"/api/v1/accounts/me" {
		t.Errorf("request fields = %q %q %q", rl.RequestID, rl.Method, rl.Path)
	}
}

func TestErrorsNeverContainToken(t *testing.T) {
	c, mux, _ := setup(t)
	// A misbehaving server that echoes the Authorization header back.
	mux.HandleFunc("/api/v1/accounts/me", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"code":"Unauthorized","message":"bad %s","fields":[{"name":"token","value":%q,"message":"%s"}]}`,
			r.Header.Get("Authorization"), r.Header.Get("Authorization"), r.Header.Get("Authorization"))
	})
	mux.HandleFunc("/api/v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<html>denied for %s</html>", r.Header.Get("Authorization"))
	})
	_, _, err1 := c.Accounts.Me(context.Background())
	_, _, err2 := c.Organizations.List(context.Background())
	for _, err := range []error{err1, err2} {
		if err == nil {
			t.Fatal("err = nil; want an error")
		}
		var e *APIError
		if !errors.As(err, &e) || e.Response == nil || e.Response.Request == nil {
			t.Fatalf("err = %v; want an *APIError with its response", err)
		}
		if got := e.Response.Request.Header.Get("Authorization"); got != "" {
			t.Errorf("APIError.Response.Request carries Authorization %q", got)
		}
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			if s := fmt.Sprintf(verb, err); strings.Contains(s, testToken) {
				t.Errorf("Sprintf(%s, err) = %s; reveals the token", verb, s)
			}
		}
	}
}

func TestExcerptNeverCutsTokenOpen(t *testing.T) {
	for pad := maxExcerpt - len(testToken); pad <= maxExcerpt; pad++ {
		body := strings.Repeat("x", pad) + testToken
		r := &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		var e *APIError
		if !errors.As(checkResponse(r, ratelimit.Observation{}, testToken), &e) {
			t.Fatal("want an *APIError")
		}
		if strings.Contains(e.Excerpt, testToken[:6]) {
			t.Errorf("pad %d: excerpt %q holds part of the token", pad, e.Excerpt)
		}
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  a \r\n b  ", "a b"},
		{"\xff\xfeok", "ok"},
		{strings.Repeat("é", maxExcerpt), strings.Repeat("é", maxExcerpt/2) + "..."},
	}
	for _, tt := range tests {
		if got := excerpt([]byte(tt.in)); got != tt.want {
			t.Errorf("excerpt(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
