package vessl

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestResponseHeadersScrubbed: a server that quotes the credentials back in
// response headers, on a success or an error, does not put the token into
// the Response or the APIError handed to the caller.
func TestResponseHeadersScrubbed(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/accounts/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", "you sent "+r.Header.Get("Authorization"))
		w.Header().Add("X-Echo", r.Header.Get("Authorization")+r.Header.Get("Authorization"))
		reply(w, `{"id": 1, "username": "u"}`)
	})
	mux.HandleFunc("/api/v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Www-Authenticate", `Token realm="`+r.Header.Get("Authorization")+`"`)
		http.Error(w, `{"message": "no"}`, http.StatusForbidden)
	})
	_, resp, err := c.Accounts.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range resp.Header.Values("X-Echo") {
		if strings.Contains(v, testToken) || !strings.Contains(v, redacted) {
			t.Errorf("Response header X-Echo = %q; want the token redacted", v)
		}
	}
	_, _, err = c.Organizations.List(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("List error %v; want an *APIError", err)
	}
	if v := apiErr.Response.Header.Get("Www-Authenticate"); strings.Contains(v, testToken) {
		t.Errorf("APIError response header = %q; want the token redacted", v)
	}
}
