package vessl

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestDatasetsList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/datasets", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"limit": {"3"}})
		reply(w, `{"page_info": {"total_count": 1}, "results": [{"id": 1, "name": "mnist", "is_version_enabled": true}]}`)
	})
	got, _, err := c.Datasets.List(context.Background(), "", &DatasetListOptions{ListOptions{Limit: 3}})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	testJSONEqual(t, "List", got, []*Dataset{{ID: 1, Name: "mnist", IsVersioned: true}})
}

func TestDatasetsListIter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/datasets", func(w http.ResponseWriter, r *http.Request) {
		reply(w, `{"results": [{"id": 1}, {"id": 2}]}`) // no page_info: one page
	})
	n := 0
	for _, err := range c.Datasets.ListIter(context.Background(), "", nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("got %d datasets; want 2", n)
	}
}

func TestDatasetsListVersions(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/datasets/12/versions", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"limit": {"5"}})
		reply(w, `{"page_info": {"total_count": 1}, "results": [{"id": 121, "version_id": "v1", "dataset_id": 12}]}`)
	})
	got, _, err := c.Datasets.ListVersions(context.Background(), 12, &ListOptions{Limit: 5})
	if err != nil {
		t.Fatalf("ListVersions: %v", err)
	}
	testJSONEqual(t, "ListVersions", got, []*DatasetVersion{{ID: 121, VersionID: "v1", DatasetID: 12}})
}

func TestDatasetsListVersionsIter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/datasets/12/versions", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "" {
			reply(w, `{"page_info": {"hasNextPage": true}, "results": [{"id": 1}]}`)
			return
		}
		reply(w, `{"page_info": {"hasNextPage": false}, "results": [{"id": 2}]}`)
	})
	n := 0
	for _, err := range c.Datasets.ListVersionsIter(context.Background(), 12, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("got %d versions; want 2", n)
	}
}

func TestDatasetsGet(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/datasets/mnist", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 1, "name": "mnist", "description": "digits"}`)
	})
	got, _, err := c.Datasets.Get(context.Background(), "", "mnist")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	testJSONEqual(t, "Get", got, &Dataset{ID: 1, Name: "mnist", Description: "digits"})
}
