package vessl

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

const runBase = "/api/v1/organizations/demo-org/projects/demo-project"

func TestRunsList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(runBase+"/run_executions", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"keyword": {"bert"}, "statuses": {"failed", "stopped"}, "starred": {"false"}, "type": {"batch"}, "offset": {"3"}})
		reply(w, `{"page_info": {"total_count": 4, "hasNextPage": false}, "results": [
			{"id": 100, "immutable_slug": "run-x", "status": "failed", "progress_percent": 30, "tags": ["a"], "create_dt": "2024-01-01T00:00:00Z"}]}`)
	})
	no := false
	got, resp, err := c.Runs.List(context.Background(), "", "", &RunListOptions{
		ListOptions: ListOptions{Offset: 3}, Keyword: "bert", Statuses: []RunStatus{RunFailed, RunStopped}, Starred: &no, Type: "batch",
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []*Run{{ID: 100, ImmutableSlug: "run-x", Status: RunFailed, ProgressPercent: 30, Tags: []string{"a"},
		CreateDT: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	testJSONEqual(t, "List", got, want)
	if resp.TotalCount != 4 {
		t.Errorf("TotalCount = %d", resp.TotalCount)
	}
}

func TestRunsListIter(t *testing.T) {
	c, mux, _ := setup(t)
	var pages atomic.Int32
	mux.HandleFunc(runBase+"/run_executions", func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		// A short page ends the walk even if the server claims more.
		reply(w, `{"page_info": {"hasNextPage": true}, "results": [{"id": 1}]}`)
	})
	n := 0
	for _, err := range c.Runs.ListIter(context.Background(), "", "", &RunListOptions{ListOptions: ListOptions{Limit: 5}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 || pages.Load() != 1 {
		t.Errorf("got %d items from %d pages; want 1 from 1", n, pages.Load())
	}
}

func TestRunsGet(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(runBase+"/run_executions/100", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 100, "status": "running", "status_reason": "ok", "message": "m"}`)
	})
	got, _, err := c.Runs.Get(context.Background(), "", "", 100)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	testJSONEqual(t, "Get", got, &Run{ID: 100, Status: RunRunning, StatusReason: "ok", Message: "m"})
}

func TestRunsCreateFromYAML(t *testing.T) {
	c, mux, _ := setup(t)
	const spec = "name: train\nresources:\n  cluster: c\n"
	mux.HandleFunc(runBase+"/run/spec/create_from_yaml", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, `{"yaml_spec": "name: train\nresources:\n  cluster: c\n"}`)
		reply(w, `{"id": 7, "run_execution": {"id": 101, "status": "pending"}}`)
	})
	got, _, err := c.Runs.CreateFromYAML(context.Background(), "", "", spec)
	if err != nil {
		t.Fatalf("CreateFromYAML: %v", err)
	}
	testJSONEqual(t, "CreateFromYAML", got, &Run{ID: 101, Status: RunPending})
	if _, _, err := c.Runs.CreateFromYAML(context.Background(), "", "", ""); err == nil {
		t.Error("CreateFromYAML(empty) err = nil; want an error")
	}
}

func TestRunsTerminate(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(runBase+"/run_executions/100/terminate", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, "")
		reply(w, `{"id": 100, "status": "terminated"}`)
	})
	got, _, err := c.Runs.Terminate(context.Background(), "", "", 100)
	if err != nil || got.Status != RunTerminated {
		t.Fatalf("Terminate = %v, %v", got, err)
	}
}

func TestRunsLogs(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(runBase+"/run_executions/100/logs", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"log_start": {"10"}, "log_end": {"20.5"}, "log_limit": {"3"}})
		reply(w, `{"logs": [{"message": "a"}, {"message": "b"}]}`)
	})
	got, _, err := c.Runs.Logs(context.Background(), "", "", 100, &RunLogOptions{Start: 10, End: 20.5, Limit: 3})
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	testJSONEqual(t, "Logs", got, []*LogLine{{Message: "a"}, {Message: "b"}})
}

func TestRunsWait(t *testing.T) {
	c, mux, _ := setup(t)
	var polls atomic.Int32
	mux.HandleFunc(runBase+"/run_executions/100", func(w http.ResponseWriter, r *http.Request) {
		if polls.Add(1) < 3 {
			reply(w, `{"id": 100, "status": "running"}`)
			return
		}
		reply(w, `{"id": 100, "status": "stopped"}`)
	})
	got, _, err := c.Runs.Wait(context.Background(), "", "", 100, &WaitOptions{PollInterval: time.Millisecond})
	if err != nil || got.Status != RunStopped || polls.Load() != 3 {
		t.Fatalf("Wait = %v, %v after %d polls; want stopped after 3", got, err, polls.Load())
	}
}

func TestRunsWaitError(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(runBase+"/run_executions/100", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	})
	if _, _, err := c.Runs.Wait(context.Background(), "", "", 100, nil); err == nil {
		t.Fatal("Wait err = nil; want the 404")
	}
}

func TestRunStatusTerminal(t *testing.T) {
	for s, want := range map[RunStatus]bool{
		RunPending: false, RunQueued: false, RunRunning: false, RunCompleted: true,
		RunFailed: true, RunStopped: true, RunTerminated: true, "new-status": false,
	} {
		if got := s.Terminal(); got != want {
			t.Errorf("%q.Terminal() = %v; want %v", s, got, want)
		}
	}
}
