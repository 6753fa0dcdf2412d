package vessl

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestAccountsMe(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/accounts/me", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, nil)
		testBody(t, r, "")
		reply(w, `{"id": 1, "username": "ada", "email": "ada@example.com", "display_name": "Ada", "created_dt": "2024-01-02T03:04:05Z", "unknown_key": true}`)
	})
	got, resp, err := c.Accounts.Me(context.Background())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	want := &User{ID: 1, Username: "ada", Email: "ada@example.com", DisplayName: "Ada", CreatedDT: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	testJSONEqual(t, "Me", got, want)
	if resp.StatusCode != 200 {
		t.Errorf("StatusCode = %d", resp.StatusCode)
	}
}

func TestAccountsMeError(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/accounts/me", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		reply(w, `{"code":"Unauthorized","message":"invalid token"}`)
	})
	got, resp, err := c.Accounts.Me(context.Background())
	if got != nil || err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("Me = %v, %v, %v; want nil, the 401, an error", got, resp, err)
	}
}
