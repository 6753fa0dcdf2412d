package testserver

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestAuth(t *testing.T) {
	s := NewTest(t)
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"missing", "", 401},
		{"wrong", "nope", 401},
		{"default", "test-token", 200},
	} {
		resp, body := doToken(t, s, tc.token, "GET", "/accounts/me", "")
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status = %d; want %d (%s)", tc.name, resp.StatusCode, tc.want, body)
		}
		if tc.want == 401 {
			if e := decode[ErrorBody](t, body); e.Code != "NotAuthenticated" {
				t.Errorf("%s: code = %q; want NotAuthenticated", tc.name, e.Code)
			}
		}
	}
}

func TestOrganizationsAndProjects(t *testing.T) {
	s := NewTest(t)
	_, body := do(t, s, "GET", "/organizations", "")
	orgs := decode[struct {
		Organizations []struct{ Name string } `json:"organizations"`
	}](t, body)
	if len(orgs.Organizations) == 0 || orgs.Organizations[0].Name != "demo-org" {
		t.Fatalf("organizations = %s; want demo-org first", body)
	}
	resp, body := do(t, s, "GET", "/organizations/demo-org/projects?limit=1", "")
	list := decode[listEnvelope[projectJSON]](t, body)
	if resp.StatusCode != 200 || list.PageInfo.TotalCount != 2 || len(list.Results) != 1 || !list.PageInfo.HasNextPage {
		t.Fatalf("projects page = %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, s, "POST", "/organizations/demo-org/projects", `{"name":"Bad Name"}`)
	if e := decode[ErrorBody](t, body); resp.StatusCode != 400 || len(e.Fields) != 1 || e.Fields[0].Name != "name" {
		t.Fatalf("invalid create = %d %s; want 400 with field name", resp.StatusCode, body)
	}
	resp, _ = do(t, s, "POST", "/organizations/demo-org/projects", `{"name":"new-one"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create = %d; want 201", resp.StatusCode)
	}
	if resp, _ = do(t, s, "DELETE", "/organizations/demo-org/projects/new-one", ""); resp.StatusCode != 204 {
		t.Fatalf("delete = %d; want 204", resp.StatusCode)
	}
	if resp, _ = do(t, s, "GET", "/organizations/demo-org/projects/new-one", ""); resp.StatusCode != 404 {
		t.Fatalf("get deleted = %d; want 404", resp.StatusCode)
	}
}

func TestExperimentProgression(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := NewTest(t, WithClock(clock), WithRunDuration(10*time.Second))
	base := "/organizations/demo-org/projects/demo-project/experiments"
	resp, body := do(t, s, "POST", base, `{"start_command":"python train.py","message":"m","hyperparameters":[{"key":"lr","value":"0.1"}]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create = %d %s", resp.StatusCode, body)
	}
	e := decode[experimentJSON](t, body)
	path := base + "/" + strconv.FormatInt(e.Number, 10)
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{{0, "pending"}, {3 * time.Second, "running"}, {7 * time.Second, "completed"}} {
		clock.Advance(step.advance)
		_, body := do(t, s, "GET", path, "")
		if got := decode[experimentJSON](t, body).Status; got != step.want {
			t.Errorf("after %v: status = %q; want %q", step.advance, got, step.want)
		}
	}
	_, body = do(t, s, "GET", base+"?statuses=completed&statuses=failed&limit=100", "")
	if n := decode[listEnvelope[experimentJSON]](t, body).PageInfo.TotalCount; n != 4 {
		t.Errorf("completed+failed experiments = %d; want 4", n)
	}
}

func TestFixedWindowLimit(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := NewTest(t, WithClock(clock), WithLimits(Limit{Algorithm: FixedWindow, Requests: 2, Window: 10 * time.Second}))
	clock.Advance(4 * time.Second)
	for i, want := range []struct {
		status    int
		remaining string
	}{{200, "1"}, {200, "0"}, {429, "0"}} {
		resp, body := do(t, s, "GET", "/accounts/me", "")
		if resp.StatusCode != want.status || resp.Header.Get("X-RateLimit-Remaining") != want.remaining ||
			resp.Header.Get("X-RateLimit-Reset") != "6" || resp.Header.Get("X-RateLimit-Limit") != "2" {
			t.Errorf("request %d: %d %v; want %d remaining %s reset 6 (%s)", i, resp.StatusCode, resp.Header, want.status, want.remaining, body)
		}
	}
	clock.Advance(6 * time.Second)
	if resp, _ := do(t, s, "GET", "/accounts/me", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("after reset: %d; want 200", resp.StatusCode)
	}
	if th := s.Throttles(s.Token()); len(th) != 1 || !th[0].Equal(clock.Now().Add(-6*time.Second)) {
		t.Errorf("Throttles = %v; want the one 429 at +4s", th)
	}
	st := s.Stats(s.Token())
	if st.Admitted != 3 || st.Throttled != 1 || st.Exceeded || st.MaxInWindow != 3 {
		t.Errorf("Stats = %+v; want 3 admitted, 1 throttled, not exceeded, max 3 in a sliding 10s", st)
	}
}

func TestWriteCounts(t *testing.T) {
	s := NewTest(t)
	base := "/organizations/demo-org/projects/demo-project/experiments"
	body := `{"start_command":"run"}`
	do(t, s, "POST", base, body, "X-Request-Id", "a")
	do(t, s, "POST", base, body, "X-Request-Id", "b", "Idempotency-Key", "k1")
	resp, _ := do(t, s, "POST", base, body, "X-Request-Id", "b", "Idempotency-Key", "k1")
	if resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("second write with the same key not replayed")
	}
	if s.Duplicates() != 0 {
		t.Fatalf("Duplicates = %d; want 0", s.Duplicates())
	}
	do(t, s, "POST", base, body, "X-Request-Id", "a")
	if got := s.WriteCounts(); got["a"] != 2 || got["b"] != 1 || s.Duplicates() != 1 {
		t.Errorf("WriteCounts = %v, Duplicates = %d; want a:2 b:1, 1", got, s.Duplicates())
	}
}

func TestIdempotencyKeyReuse(t *testing.T) {
	s := NewTest(t)
	base := "/organizations/demo-org/projects/demo-project/experiments"
	do(t, s, "POST", base, `{"start_command":"a"}`, "X-Request-Id", "1", "Idempotency-Key", "k")
	resp, body := do(t, s, "POST", base, `{"start_command":"b"}`, "X-Request-Id", "2", "Idempotency-Key", "k")
	if resp.StatusCode != 422 || decode[ErrorBody](t, body).Code != "IdempotencyKeyReused" {
		t.Errorf("same key, other body = %d %s; want 422 IdempotencyKeyReused", resp.StatusCode, body)
	}
	if w := s.Writes(); w.Applied != 1 || w.Replayed != 0 {
		t.Errorf("Writes = %+v; want 1 applied, 0 replayed", w)
	}
	// A failed write (400) is stored too: the retry gets the same answer.
	do(t, s, "POST", base, `{}`, "Idempotency-Key", "bad")
	if resp, _ := do(t, s, "POST", base, `{}`, "Idempotency-Key", "bad"); resp.StatusCode != 400 || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed 400 = %d %v", resp.StatusCode, resp.Header)
	}
}
