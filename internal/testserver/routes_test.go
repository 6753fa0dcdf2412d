package testserver

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestListEndpointsReturnData(t *testing.T) {
	s := NewTest(t)
	for _, path := range []string{
		"/organizations/demo-org/projects",
		expBase,
		"/organizations/demo-org/projects/demo-project/run_executions",
		"/organizations/demo-org/model_repositories",
		"/organizations/demo-org/model_services",
		"/organizations/demo-org/model_services/demo-service/revisions",
		"/organizations/demo-org/clusters",
		"/organizations/demo-org/datasets",
	} {
		resp, body := do(t, s, "GET", path, "")
		env := decode[listEnvelope[json.RawMessage]](t, body)
		if resp.StatusCode != 200 || len(env.Results) == 0 || env.PageInfo.TotalCount != len(env.Results) {
			t.Errorf("GET %s = %d %s; want a non-empty list", path, resp.StatusCode, body)
		}
		if !strings.Contains(string(body), `"hasNextPage":false`) || !strings.Contains(string(body), `"total_count"`) {
			t.Errorf("GET %s: page_info keys not as the API's: %s", path, body)
		}
	}
}

func TestGetEndpoints(t *testing.T) {
	s := NewTest(t)
	for _, tc := range []struct {
		path string
		want int
		key  string // a key the body must contain
	}{
		{"/organizations/demo-org", 200, `"credit_balance"`},
		{"/organizations/nope", 404, `"NotFound"`},
		{"/organizations/demo-org/projects/demo-project", 200, `"volume_id"`},
		{"/organizations/demo-org/projects/nope", 404, `"NotFound"`},
		{expBase + "/1", 200, `"kernel_cluster"`},
		{expBase + "/999", 404, `"NotFound"`},
		{expBase + "/x", 404, `"NotFound"`},
		{"/organizations/demo-org/projects/demo-project/run_executions/999", 404, `"NotFound"`},
		{"/organizations/demo-org/model_repositories/demo-model", 200, `"models_count"`},
		{"/organizations/demo-org/model_repositories/nope", 404, `"NotFound"`},
		{"/organizations/demo-org/model_services/demo-service", 200, `"running_replicas"`},
		{"/organizations/demo-org/model_services/demo-service/revisions/2", 200, `"traffic_weight":100`},
		{"/organizations/demo-org/model_services/demo-service/revisions/9", 404, `"NotFound"`},
		{"/organizations/demo-org/datasets/demo-dataset", 200, `"source_type"`},
		{"/organizations/demo-org/datasets/nope", 404, `"NotFound"`},
		{"/organizations/demo-org/clusters?limit=x", 400, `"fields"`},
		{"/organizations/demo-org/clusters?offset=-1", 400, `"offset"`},
		{"/no/such/endpoint", 404, `"NotFound"`},
	} {
		resp, body := do(t, s, "GET", tc.path, "")
		if resp.StatusCode != tc.want || !strings.Contains(string(body), tc.key) {
			t.Errorf("GET %s = %d %s; want %d with %s", tc.path, resp.StatusCode, body, tc.want, tc.key)
		}
	}
}

func TestPagination(t *testing.T) {
	s := NewTest(t)
	var ids []int64
	for offset := 0; ; offset += 2 {
		_, body := do(t, s, "GET", expBase+"?limit=2&offset="+strconv.Itoa(offset), "")
		env := decode[listEnvelope[experimentJSON]](t, body)
		for _, e := range env.Results {
			ids = append(ids, e.ID)
		}
		if env.PageInfo.HasPreviousPage != (offset > 0) {
			t.Errorf("offset %d: hasPreviousPage = %v", offset, env.PageInfo.HasPreviousPage)
		}
		if !env.PageInfo.HasNextPage {
			break
		}
	}
	if len(ids) != 3 || ids[0] >= ids[1] || ids[1] >= ids[2] {
		t.Errorf("walked ids %v; want 3 ascending", ids)
	}
}

func TestExperimentLifecycleEndpoints(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := NewTest(t, WithClock(clock), WithRunDuration(10*time.Second))
	for _, tc := range []struct{ body, field string }{
		{`{"message":"no command"}`, "start_command"},
		{`{"start_command":"x","hyperparameters":"lr"}`, "hyperparameters"},
		{`{"start_command":"x","cluster_id":12345}`, "cluster_id"},
	} {
		resp, body := do(t, s, "POST", expBase, tc.body)
		if e := decode[ErrorBody](t, body); resp.StatusCode != 400 || len(e.Fields) != 1 || e.Fields[0].Name != tc.field {
			t.Errorf("create %s = %d %s; want 400 on field %s", tc.body, resp.StatusCode, body, tc.field)
		}
	}
	if resp, _ := do(t, s, "POST", expBase, `{not json`); resp.StatusCode != 400 {
		t.Errorf("malformed JSON = %d; want 400", resp.StatusCode)
	}
	_, body := do(t, s, "POST", expBase, `{"start_command":"x","hyperparameters":{"b":2,"a":"1","fail":"true"}}`)
	e := decode[experimentJSON](t, body)
	if len(e.Hyperparameters) != 3 || e.Hyperparameters[0] != (Hyperparameter{"a", "1"}) || e.Hyperparameters[1] != (Hyperparameter{"b", "2"}) {
		t.Errorf("hyperparameters = %v; want sorted key/value list", e.Hyperparameters)
	}
	path := expBase + "/" + strconv.FormatInt(e.Number, 10)
	clock.Advance(10 * time.Second)
	_, body = do(t, s, "GET", path, "")
	if got := decode[experimentJSON](t, body); got.Status != "failed" || got.StatusReason == "" {
		t.Errorf("fail=true experiment: status %q reason %q; want failed with a reason", got.Status, got.StatusReason)
	}
	if resp, _ := do(t, s, "POST", path+"/terminate", ""); resp.StatusCode != 400 {
		t.Errorf("terminate a finished experiment = %d; want 400", resp.StatusCode)
	}

	_, body = do(t, s, "POST", expBase, `{"start_command":"x","hyperparameters":["lr=0.1"]}`)
	path = expBase + "/" + strconv.FormatInt(decode[experimentJSON](t, body).Number, 10)
	_, body = do(t, s, "PATCH", path, `{"message":"renamed"}`)
	if got := decode[experimentJSON](t, body).Message; got != "renamed" {
		t.Errorf("message after PATCH = %q", got)
	}
	if resp, _ := do(t, s, "PATCH", path, `{}`); resp.StatusCode != 400 {
		t.Errorf("PATCH without message = %d; want 400", resp.StatusCode)
	}
	clock.Advance(5 * time.Second)
	_, body = do(t, s, "GET", path+"/logs", "")
	logs := decode[logsJSON](t, body).Logs
	if len(logs) < 3 {
		t.Fatalf("logs while running = %s; want several lines", body)
	}
	_, body = do(t, s, "GET", path+"/logs?limit=1&after="+strconv.FormatFloat(logs[0].Timestamp, 'f', -1, 64), "")
	if got := decode[logsJSON](t, body).Logs; len(got) != 1 || got[0] != logs[1] {
		t.Errorf("logs after the first, limit 1 = %v; want [%v]", got, logs[1])
	}
	_, body = do(t, s, "POST", path+"/terminate", "")
	if got := decode[experimentJSON](t, body).Status; got != "terminated" {
		t.Errorf("status after terminate = %q", got)
	}
	clock.Advance(time.Hour)
	_, body = do(t, s, "GET", path, "")
	if got := decode[experimentJSON](t, body).Status; got != "terminated" {
		t.Errorf("status long after terminate = %q; want terminated", got)
	}
	resp, raw := do(t, s, "GET", path+"/logs/raw", "")
	if resp.StatusCode != 200 || !strings.Contains(string(raw), "terminated") {
		t.Errorf("raw logs = %d %q", resp.StatusCode, raw)
	}
}

func TestRunEndpoints(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := NewTest(t, WithClock(clock), WithRunDuration(10*time.Second))
	base := "/organizations/demo-org/projects/demo-project"
	if resp, _ := do(t, s, "POST", base+"/run/spec/create_from_yaml", `{"yaml_spec":""}`); resp.StatusCode != 400 {
		t.Errorf("empty spec = %d; want 400", resp.StatusCode)
	}
	resp, body := do(t, s, "POST", base+"/run/spec/create_from_yaml", `{"yaml_spec":"name: my-run\nmessage: hello\nresources:\n  cluster: x\n"}`)
	created := decode[struct {
		RunExecution runJSON `json:"run_execution"`
	}](t, body).RunExecution
	if resp.StatusCode != 201 || created.ID == 0 || created.Name != "my-run" || created.Status != "pending" || !strings.Contains(string(body), `"create_dt"`) {
		t.Fatalf("create_from_yaml = %d %s", resp.StatusCode, body)
	}
	path := base + "/run_executions/" + strconv.FormatInt(created.ID, 10)
	clock.Advance(3 * time.Second)
	_, body = do(t, s, "GET", path, "")
	if got := decode[runJSON](t, body); got.Status != "running" || got.ProgressPercent <= 0 {
		t.Errorf("run after 3s = %+v; want running with progress", got)
	}
	_, body = do(t, s, "GET", base+"/run_executions?statuses=running&keyword=my-run", "")
	if n := decode[listEnvelope[runJSON]](t, body).PageInfo.TotalCount; n != 1 {
		t.Errorf("filtered runs = %d; want 1", n)
	}
	_, body = do(t, s, "GET", path+"/logs?log_limit=1", "")
	if got := decode[logsJSON](t, body).Logs; len(got) != 1 {
		t.Errorf("run logs with log_limit=1 = %v", got)
	}
	_, body = do(t, s, "POST", path+"/terminate", "")
	if got := decode[runJSON](t, body).Status; got != "stopped" {
		t.Errorf("run status after terminate = %q; want stopped", got)
	}
}

func TestFailureShare(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := NewTest(t, WithClock(clock), WithRunDuration(time.Second), WithFailureShare(0.5), WithSeed(7))
	for range 40 {
		do(t, s, "POST", expBase, `{"start_command":"x"}`)
	}
	clock.Advance(time.Second)
	_, body := do(t, s, "GET", expBase+"?statuses=failed&limit=200", "")
	// 1 seeded failure plus about half of 40.
	if n := decode[listEnvelope[experimentJSON]](t, body).PageInfo.TotalCount - 1; n < 10 || n > 30 {
		t.Errorf("%d of 40 failed; want about 20", n)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := NewTest(t)
	resp, body := do(t, s, "PUT", "/organizations/demo-org/projects/demo-project", "")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, DELETE" || decode[ErrorBody](t, body).Code != "MethodNotAllowed" {
		t.Errorf("PUT project = %d Allow %q %s; want 405 with Allow: GET, DELETE", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
}

func TestSeedData(t *testing.T) {
	s := NewTest(t, WithSeedData(SeedData{Projects: 3, Experiments: 45, Runs: 25, ModelRepositories: 2, Datasets: 1}))
	for path, want := range map[string]int{
		"/organizations/demo-org/projects": 5,
		expBase:                            48,
		expBase + "?statuses=failed":       1 + 9,
		"/organizations/demo-org/projects/demo-project/run_executions": 28,
		"/organizations/demo-org/model_repositories":                   4,
		"/organizations/demo-org/datasets":                             3,
	} {
		_, body := do(t, s, "GET", path, "")
		if got := decode[listEnvelope[json.RawMessage]](t, body).PageInfo.TotalCount; got != want {
			t.Errorf("GET %s: total_count = %d; want %d", path, got, want)
		}
	}
}
