package vessl

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestProjectsList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/acme/projects", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"limit": {"2"}, "offset": {"4"}})
		reply(w, `{"page_info": {"total_count": 7, "hasNextPage": true, "hasPreviousPage": true, "endCursorID": 9}, "results": [{"id": 1, "name": "a", "organization": {"id": 3, "name": "acme"}}, {"id": 2, "name": "b", "starred": true}]}`)
	})
	got, resp, err := c.Projects.List(context.Background(), "acme", &ProjectListOptions{ListOptions{Limit: 2, Offset: 4}})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []*Project{{ID: 1, Name: "a", Organization: &Organization{ID: 3, Name: "acme"}}, {ID: 2, Name: "b", Starred: true}}
	testJSONEqual(t, "List", got, want)
	if resp.TotalCount != 7 || !resp.HasNextPage || resp.NextOffset != 6 {
		t.Errorf("page = total %d next %v offset %d; want 7 true 6", resp.TotalCount, resp.HasNextPage, resp.NextOffset)
	}
}

func TestProjectsListIter(t *testing.T) {
	c, mux, _ := setup(t)
	var offsets []string
	mux.HandleFunc("/api/v1/organizations/demo-org/projects", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offsets = append(offsets, q.Get("offset"))
		switch q.Get("offset") {
		case "", "0":
			reply(w, `{"page_info": {"total_count": 5, "hasNextPage": true}, "results": [{"id": 1}, {"id": 2}]}`)
		case "2":
			reply(w, `{"page_info": {"total_count": 5, "hasNextPage": true}, "results": [{"id": 3}, {"id": 4}]}`)
		case "4":
			reply(w, `{"page_info": {"total_count": 5, "hasNextPage": false}, "results": [{"id": 5}]}`)
		default:
			t.Errorf("unexpected offset %q", q.Get("offset"))
		}
	})
	opts := &ProjectListOptions{ListOptions{Limit: 2}}
	var ids []int64
	for p, err := range c.Projects.ListIter(context.Background(), "", opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	testJSONEqual(t, "ids", ids, []int64{1, 2, 3, 4, 5})
	testJSONEqual(t, "offsets", offsets, []string{"", "2", "4"})
	if opts.Offset != 0 || opts.Limit != 2 {
		t.Errorf("ListIter changed the caller's options to %+v", opts)
	}

	// Breaking out early stops fetching.
	offsets = nil
	for range c.Projects.ListIter(context.Background(), "", opts) {
		break
	}
	if len(offsets) != 1 {
		t.Errorf("fetched %d pages after break; want 1", len(offsets))
	}
}

func TestProjectsListIterError(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/projects", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "1" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		reply(w, `{"page_info": {"hasNextPage": true}, "results": [{"id": 1}]}`)
	})
	var n, errs int
	for p, err := range c.Projects.ListIter(context.Background(), "", nil) {
		if err != nil {
			errs++
			if p != nil {
				t.Errorf("item with error = %v; want nil", p)
			}
			continue
		}
		n++
	}
	if n != 1 || errs != 1 {
		t.Errorf("got %d items and %d errors; want 1 and 1", n, errs)
	}
}

func TestProjectsGet(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/projects/demo-project", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 5, "name": "demo-project", "volume_id": 9}`)
	})
	got, _, err := c.Projects.Get(context.Background(), "", "")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	testJSONEqual(t, "Get", got, &Project{ID: 5, Name: "demo-project", VolumeID: 9})
}

func TestProjectsGetEscapes(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/{org}/projects/{project}", func(w http.ResponseWriter, r *http.Request) {
		if got := r.PathValue("project"); got != "a b/c" {
			t.Errorf("project = %q; want %q", got, "a b/c")
		}
		reply(w, `{}`)
	})
	if _, _, err := c.Projects.Get(context.Background(), "", "a b/c"); err != nil {
		t.Fatal(err)
	}
}

func TestProjectsCreate(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/projects", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, `{"name": "new", "description": "d"}`)
		reply(w, `{"id": 8, "name": "new", "description": "d"}`)
	})
	got, _, err := c.Projects.Create(context.Background(), "", &ProjectCreateRequest{Name: "new", Description: "d"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	testJSONEqual(t, "Create", got, &Project{ID: 8, Name: "new", Description: "d"})
}

func TestProjectsDelete(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/projects/old", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "DELETE")
		testBody(t, r, "")
		w.WriteHeader(http.StatusNoContent)
	})
	resp, err := c.Projects.Delete(context.Background(), "", "old")
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("Delete = %v, %v; want 204, nil", resp, err)
	}
	if _, err := c.Projects.Delete(context.Background(), "", ""); err != ErrNoProject {
		t.Errorf("Delete(\"\") = %v; want ErrNoProject (never the default project)", err)
	}
}
