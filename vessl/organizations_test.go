package vessl

import (
	"context"
	"net/http"
	"testing"
)

func TestOrganizationsList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, nil)
		reply(w, `{"organizations": [{"id": 1, "name": "demo-org", "display_name": "Demo", "description": null, "credit_balance": 12.5}, {"id": 2, "name": "other"}]}`)
	})
	got, _, err := c.Organizations.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []*Organization{{ID: 1, Name: "demo-org", DisplayName: "Demo", CreditBalance: 12.5}, {ID: 2, Name: "other"}}
	testJSONEqual(t, "List", got, want)
}

func TestOrganizationsGet(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/{org}", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 3, "name": "`+r.PathValue("org")+`", "slug": "s"}`)
	})
	for _, tt := range []struct{ arg, want string }{{"", "demo-org"}, {"acme", "acme"}} {
		got, _, err := c.Organizations.Get(context.Background(), tt.arg)
		if err != nil {
			t.Fatalf("Get(%q): %v", tt.arg, err)
		}
		testJSONEqual(t, "Get", got, &Organization{ID: 3, Name: tt.want, Slug: "s"})
	}
}
