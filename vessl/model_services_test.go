package vessl

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

const msBase = "/api/v1/organizations/demo-org/model_services"

func TestModelServicesList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(msBase, func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"keyword": {"llm"}, "status": {"ready"}, "type": {"serverless"}})
		reply(w, `{"page_info": {"hasNextPage": false}, "results": [{"id": 1, "name": "llm", "status": "ready", "type": "serverless", "running_replicas": 1, "total_replicas": 2}]}`)
	})
	got, _, err := c.ModelServices.List(context.Background(), "", &ModelServiceListOptions{Keyword: "llm", Status: ModelServiceReady, Type: ModelServiceServerless})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	testJSONEqual(t, "List", got, []*ModelService{{ID: 1, Name: "llm", Status: ModelServiceReady, Type: "serverless", RunningReplicas: 1, TotalReplicas: 2}})
}

func TestModelServicesListIter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(msBase, func(w http.ResponseWriter, r *http.Request) {
		reply(w, `{"page_info": {"hasNextPage": false}, "results": [{"id": 1}, {"id": 2}]}`)
	})
	n := 0
	for _, err := range c.ModelServices.ListIter(context.Background(), "", nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("got %d services; want 2", n)
	}
}

func TestModelServicesGet(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(msBase+"/llm", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 1, "name": "llm", "status": "error"}`)
	})
	got, _, err := c.ModelServices.Get(context.Background(), "", "llm")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	testJSONEqual(t, "Get", got, &ModelService{ID: 1, Name: "llm", Status: ModelServiceError})
}

func TestModelServicesListRevisions(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(msBase+"/llm/revisions", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"statuses": {"running", "pending"}, "limit": {"5"}})
		reply(w, `{"page_info": {"total_count": 1}, "results": [{"id": 3, "number": 2, "model_service_name": "llm", "status": "running", "traffic_weight": 0.5}]}`)
	})
	got, _, err := c.ModelServices.ListRevisions(context.Background(), "", "llm", &RevisionListOptions{ListOptions: ListOptions{Limit: 5}, Statuses: []string{"running", "pending"}})
	if err != nil {
		t.Fatalf("ListRevisions: %v", err)
	}
	testJSONEqual(t, "ListRevisions", got, []*ModelServiceRevision{{ID: 3, Number: 2, ModelServiceName: "llm", Status: "running", TrafficWeight: 0.5}})
}

func TestModelServicesListRevisionsIter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(msBase+"/llm/revisions", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query()["statuses"]; len(got) != 1 || got[0] != "running" {
			t.Errorf("statuses = %v on every page; want [running]", got)
		}
		if r.URL.Query().Get("offset") == "" {
			reply(w, `{"page_info": {"hasNextPage": true}, "results": [{"number": 1}]}`)
			return
		}
		reply(w, `{"page_info": {"hasNextPage": false}, "results": [{"number": 2}]}`)
	})
	var nums []int64
	for rev, err := range c.ModelServices.ListRevisionsIter(context.Background(), "", "llm", &RevisionListOptions{Statuses: []string{"running"}}) {
		if err != nil {
			t.Fatal(err)
		}
		nums = append(nums, rev.Number)
	}
	testJSONEqual(t, "numbers", nums, []int64{1, 2})
}

func TestModelServicesGetRevision(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(msBase+"/llm/revisions/2", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 3, "number": 2}`)
	})
	got, _, err := c.ModelServices.GetRevision(context.Background(), "", "llm", 2)
	if err != nil {
		t.Fatalf("GetRevision: %v", err)
	}
	testJSONEqual(t, "GetRevision", got, &ModelServiceRevision{ID: 3, Number: 2})
}
