package transport

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const testURL = "https://api.test/api/v1/organizations/demo-org/projects"

// step is one scripted answer of the fake server: a response or an error.
type step struct {
	status int
	header map[string]string
	body   string
	err    error
}

// answer builds a scripted response.
func answer(status int, kv ...string) step {
	s := step{status: status, header: map[string]string{}, body: http.StatusText(status)}
	for i := 0; i+1 < len(kv); i += 2 {
		s.header[kv[i]] = kv[i+1]
	}
	return s
}

// failure builds a scripted network error.
func failure(err error) step { return step{err: err} }

// sent is what the fake server saw of one attempt.
type sent struct {
	req    *http.Request
	header http.Header
	body   string
}

// recorder scripts an httpmock responder as a sequence of steps and
// records every request it received. Past the end of the script it
// repeats the last step.
type recorder struct {
	mu     sync.Mutex
	steps  []step
	sent   []sent
	at     []time.Time    // arrival time of each attempt
	bodies []*trackedBody // response bodies handed out, in order
}

func (r *recorder) responder(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var body string
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		body = string(b)
		_ = req.Body.Close()
	}
	r.sent = append(r.sent, sent{req: req, header: req.Header.Clone(), body: body})
	r.at = append(r.at, time.Now())
	n := len(r.sent)
	s := r.steps[min(n, len(r.steps))-1]
	if s.err != nil {
		return nil, s.err
	}
	tb := newTrackedBody(s.body)
	r.bodies = append(r.bodies, tb)
	resp := &http.Response{
		Status:     http.StatusText(s.status),
		StatusCode: s.status,
		Header:     http.Header{},
		Body:       tb,
		Request:    req,
	}
	for k, v := range s.header {
		resp.Header.Set(k, v)
	}
	return resp, nil
}

func (r *recorder) attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

// gap returns the time between attempt i and i+1 (counted from 1).
func (r *recorder) gap(i int) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.at[i].Sub(r.at[i-1])
}

// mockBase returns an httpmock transport answering method testURL with
// steps, and the recorder behind it.
func mockBase(t *testing.T, method string, steps ...step) (*httpmock.MockTransport, *recorder) {
	t.Helper()
	rec := &recorder{steps: steps}
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(method, testURL, rec.responder)
	return mt, rec
}

// readBody reads and closes resp's body.
func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	_ = resp.Body.Close()
	return string(b)
}

// events collects hook calls; safe for concurrent use.
type events struct {
	mu      sync.Mutex
	waits   []WaitEvent
	retries []RetryEvent
}

func (e *events) wait(ev WaitEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.waits = append(e.waits, ev)
}

func (e *events) retry(ev RetryEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.retries = append(e.retries, ev)
}

// waitsFor returns the waits with the given reason.
func (e *events) waitsFor(reason WaitReason) []WaitEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []WaitEvent
	for _, w := range e.waits {
		if w.Reason == reason {
			out = append(out, w)
		}
	}
	return out
}
