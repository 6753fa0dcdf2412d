package vessl

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestModelRepositoriesList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/model_repositories", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"limit": {"1"}})
		reply(w, `{"page_info": {"total_count": 2, "hasNextPage": true}, "results": [{"id": 1, "name": "bert", "models_count": 3}]}`)
	})
	got, resp, err := c.ModelRepositories.List(context.Background(), "", &ModelRepositoryListOptions{ListOptions{Limit: 1}})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	testJSONEqual(t, "List", got, []*ModelRepository{{ID: 1, Name: "bert", ModelsCount: 3}})
	if resp.NextOffset != 1 {
		t.Errorf("NextOffset = %d; want 1", resp.NextOffset)
	}
}

func TestModelRepositoriesListIter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/model_repositories", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "" {
			reply(w, `{"page_info": {"hasNextPage": true}, "results": [{"id": 1}]}`)
			return
		}
		reply(w, `{"page_info": {"hasNextPage": false}, "results": [{"id": 2}]}`)
	})
	n := 0
	for _, err := range c.ModelRepositories.ListIter(context.Background(), "", nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("got %d repositories; want 2", n)
	}
}

func TestModelRepositoriesGet(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/acme/model_repositories/bert", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 1, "name": "bert", "description": "d"}`)
	})
	got, _, err := c.ModelRepositories.Get(context.Background(), "acme", "bert")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	testJSONEqual(t, "Get", got, &ModelRepository{ID: 1, Name: "bert", Description: "d"})
}

func TestModelRepositoriesCreate(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/model_repositories", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, `{"name": "gpt"}`)
		reply(w, `{"id": 2, "name": "gpt"}`)
	})
	got, _, err := c.ModelRepositories.Create(context.Background(), "", &ModelRepositoryCreateRequest{Name: "gpt"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	testJSONEqual(t, "Create", got, &ModelRepository{ID: 2, Name: "gpt"})
}
