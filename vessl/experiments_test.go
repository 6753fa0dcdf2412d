package vessl

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const expBase = "/api/v1/organizations/demo-org/projects/demo-project/experiments"

func TestExperimentsList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(expBase, func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{
			"statuses":      {"running", "pending"},
			"starred":       {"true"},
			"exclude_local": {"false"},
			"limit":         {"10"},
		})
		reply(w, `{"page_info": {"total_count": 1, "hasNextPage": false}, "results": [
			{"id": 11, "number": 3, "status": "running", "progress_percent": 42.5,
			 "hyperparameters": [{"key": "lr", "value": "0.1"}], "kernel_cluster": {"id": 1, "name": "c"},
			 "created_dt": "2024-05-06T07:08:09Z"}]}`)
	})
	yes, no := true, false
	got, resp, err := c.Experiments.List(context.Background(), "", "", &ExperimentListOptions{
		ListOptions:  ListOptions{Limit: 10},
		Statuses:     []ExperimentStatus{ExperimentRunning, ExperimentPending},
		Starred:      &yes,
		ExcludeLocal: &no,
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []*Experiment{{ID: 11, Number: 3, Status: ExperimentRunning, ProgressPercent: 42.5,
		Hyperparameters: []*Hyperparameter{{Key: "lr", Value: "0.1"}}, KernelCluster: &Cluster{ID: 1, Name: "c"},
		CreatedDT: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}}
	testJSONEqual(t, "List", got, want)
	if resp.TotalCount != 1 || resp.HasNextPage || resp.NextOffset != 0 {
		t.Errorf("page = %d %v %d", resp.TotalCount, resp.HasNextPage, resp.NextOffset)
	}
}

func TestExperimentsListIter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(expBase, func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query()["statuses"]; len(got) != 1 || got[0] != "failed" {
			t.Errorf("statuses = %v on every page; want [failed]", got)
		}
		if r.URL.Query().Get("offset") == "" {
			reply(w, `{"page_info": {"hasNextPage": true}, "results": [{"number": 1}]}`)
			return
		}
		reply(w, `{"page_info": {"hasNextPage": false}, "results": [{"number": 2}]}`)
	})
	var nums []int64
	for e, err := range c.Experiments.ListIter(context.Background(), "", "", &ExperimentListOptions{Statuses: []ExperimentStatus{ExperimentFailed}}) {
		if err != nil {
			t.Fatal(err)
		}
		nums = append(nums, e.Number)
	}
	testJSONEqual(t, "numbers", nums, []int64{1, 2})
}

func TestExperimentsGet(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/o/projects/p/experiments/42", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		reply(w, `{"id": 1, "number": 42, "status": "some-future-status"}`)
	})
	got, _, err := c.Experiments.Get(context.Background(), "o", "p", 42)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Status != "some-future-status" || got.Status.Terminal() {
		t.Errorf("Status = %q (terminal %v); want the unknown value kept, not terminal", got.Status, got.Status.Terminal())
	}
}

func TestExperimentsCreate(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(expBase, func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, `{"cluster_id": 1, "image_url": "img", "resource_spec_id": 2, "start_command": "python train.py",
			"hyperparameters": [{"key": "lr", "value": "0.1"}], "message": "m", "termination_protection": true}`)
		reply(w, `{"id": 9, "number": 4, "status": "pending"}`)
	})
	got, _, err := c.Experiments.Create(context.Background(), "", "", &ExperimentCreateRequest{
		ClusterID: 1, ImageURL: "img", ResourceSpecID: 2, StartCommand: "python train.py",
		Hyperparameters: []*Hyperparameter{{Key: "lr", Value: "0.1"}}, Message: "m", TerminationProtection: true,
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	testJSONEqual(t, "Create", got, &Experiment{ID: 9, Number: 4, Status: ExperimentPending})
}

func TestExperimentsUpdateMessage(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(expBase+"/4", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "PATCH")
		testBody(t, r, `{"message": "hello"}`)
		reply(w, `{"number": 4, "message": "hello"}`)
	})
	got, _, err := c.Experiments.UpdateMessage(context.Background(), "", "", 4, "hello")
	if err != nil || got.Message != "hello" {
		t.Fatalf("UpdateMessage = %v, %v", got, err)
	}
}

func TestExperimentsTerminate(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(expBase+"/4/terminate", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, "")
		reply(w, `{"number": 4, "status": "terminated"}`)
	})
	got, _, err := c.Experiments.Terminate(context.Background(), "", "", 4)
	if err != nil || got.Status != ExperimentTerminated {
		t.Fatalf("Terminate = %v, %v", got, err)
	}
}

func TestExperimentsLogs(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(expBase+"/4/logs", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"after": {"1700000000.5"}, "before": {"1700000100"}, "limit": {"50"}})
		reply(w, `{"logs": [{"message": "epoch 1", "timestamp": 1700000001.25, "stream": "stdout"}]}`)
	})
	got, _, err := c.Experiments.Logs(context.Background(), "", "", 4, &ExperimentLogOptions{After: 1700000000.5, Before: 1700000100, Limit: 50})
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	testJSONEqual(t, "Logs", got, []*LogLine{{Message: "epoch 1", Timestamp: 1700000001.25, Stream: "stdout"}})
	if tm := got[0].Time(); !tm.Equal(time.Unix(1700000001, 250e6)) {
		t.Errorf("Time() = %v", tm)
	}
}

func TestExperimentsLogsRaw(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc(expBase+"/4/logs/raw", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testHeader(t, r, "Accept", "text/plain")
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("line 1\nline 2\n"))
	})
	var sb strings.Builder
	if _, err := c.Experiments.LogsRaw(context.Background(), "", "", 4, &sb); err != nil {
		t.Fatalf("LogsRaw: %v", err)
	}
	if got := sb.String(); got != "line 1\nline 2\n" {
		t.Errorf("LogsRaw wrote %q", got)
	}
}

func TestExperimentsWait(t *testing.T) {
	c, mux, _ := setup(t)
	var polls atomic.Int32
	mux.HandleFunc(expBase+"/4", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		switch polls.Add(1) {
		case 1:
			reply(w, `{"number": 4, "status": "pending"}`)
		case 2:
			reply(w, `{"number": 4, "status": "running"}`)
		default:
			reply(w, `{"number": 4, "status": "completed"}`)
		}
	})
	var seen []string
	got, resp, err := c.Experiments.Wait(context.Background(), "", "", 4, &WaitOptions{
		PollInterval: time.Millisecond,
		OnPoll:       func(s string) { seen = append(seen, s) },
	})
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if got.Status != ExperimentCompleted || resp.StatusCode != 200 {
		t.Errorf("Wait = %v, %v", got, resp)
	}
	testJSONEqual(t, "polled statuses", seen, []string{"pending", "running", "completed"})
}

func TestExperimentsWaitContext(t *testing.T) {
	c, mux, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	mux.HandleFunc(expBase+"/4", func(w http.ResponseWriter, r *http.Request) {
		reply(w, `{"number": 4, "status": "running"}`)
	})
	got, _, err := c.Experiments.Wait(ctx, "", "", 4, &WaitOptions{
		PollInterval: time.Hour,
		OnPoll:       func(string) { cancel() }, // the hour-long pause must end at once
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait err = %v; want context.Canceled", err)
	}
	if got == nil || got.Status != ExperimentRunning {
		t.Errorf("Wait = %v; want the last status seen", got)
	}
}

func TestExperimentStatusTerminal(t *testing.T) {
	for s, want := range map[ExperimentStatus]bool{
		ExperimentPending: false, ExperimentRunning: false, ExperimentCompleted: true,
		ExperimentFailed: true, ExperimentTerminated: true, ExperimentIdle: true, "weird": false,
	} {
		if got := s.Terminal(); got != want {
			t.Errorf("%q.Terminal() = %v; want %v", s, got, want)
		}
	}
}
