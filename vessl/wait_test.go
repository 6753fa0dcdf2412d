package vessl

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// statusSequence answers every GET with the next status of seq (the last
// one repeats), in memory.
type statusSequence struct {
	seq   []string
	polls atomic.Int32
}

func (s *statusSequence) RoundTrip(r *http.Request) (*http.Response, error) {
	i := int(s.polls.Add(1)) - 1
	if i >= len(s.seq) {
		i = len(s.seq) - 1
	}
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"id": 5, "number": 5, "status": "` + s.seq[i] + `"}`)),
		Request:    r,
	}, nil
}

// TestWaitPacesPolls runs Wait in a synctest bubble: the polls are
// DefaultPollInterval apart (in fake time) and Wait returns at the first
// terminal status.
func TestWaitPacesPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &statusSequence{seq: []string{"pending", "running", "running", "failed", "running"}}
		c, err := NewClient(withEnv(nil), WithToken("t"), WithBaseURL("https://api.vessl.test"),
			WithOrganization("o"), WithProject("p"), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		run, _, err := c.Runs.Wait(context.Background(), "", "", 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != RunFailed || rt.polls.Load() != 4 {
			t.Errorf("Wait = %s after %d polls; want failed after 4", run.Status, rt.polls.Load())
		}
		if got, want := time.Since(start), 3*DefaultPollInterval; got != want {
			t.Errorf("Wait took %v; want %v (3 pauses)", got, want)
		}
	})
}

// TestWaitDeadline: a deadline ends the pause between polls at once, not
// after it.
func TestWaitDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &statusSequence{seq: []string{"running"}}
		c, err := NewClient(withEnv(nil), WithToken("t"), WithBaseURL("https://api.vessl.test"),
			WithOrganization("o"), WithProject("p"), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		start := time.Now()
		exp, _, err := c.Experiments.Wait(ctx, "", "", 5, &WaitOptions{PollInterval: time.Minute})
		if err == nil || exp == nil || exp.Status != ExperimentRunning {
			t.Fatalf("Wait = %v, %v; want the last status and the deadline", exp, err)
		}
		if got := time.Since(start); got != 90*time.Second {
			t.Errorf("Wait returned after %v; want at the 90s deadline", got)
		}
		if n := rt.polls.Load(); n != 2 {
			t.Errorf("%d polls; want 2 (at 0s and 60s)", n)
		}
	})
}
