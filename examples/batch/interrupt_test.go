package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl"
)

// cancelAfterFirst is a progress that interrupts the run when the first
// item is done, as a Ctrl-C in the middle of a batch would.
type cancelAfterFirst struct {
	cancel context.CancelFunc
	done   []record
}

func (p *cancelAfterFirst) start(int, int) {}
func (p *cancelAfterFirst) stop()          {}
func (p *cancelAfterFirst) itemDone(r record) {
	p.done = append(p.done, r)
	p.cancel()
}

// TestInterruptMidRunThenResume interrupts a batch while items are in
// flight, then resumes it from the records: every item ends succeeded, and
// no experiment is created twice.
func TestInterruptMidRunThenResume(t *testing.T) {
	srv := newServer(t)
	client, err := vessl.NewClient(vessl.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	items := makeItems(8, nil)

	ctx, cancel := context.WithCancel(t.Context())
	p := &cancelAfterFirst{cancel: cancel}
	b := &batch{client: client, wait: true, poll: 20 * time.Millisecond, sweep: "t", rec: &recorder{}, prog: p, conc: 4}
	c, err := b.run(ctx, items, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Interrupted || c.OK+c.Failed+c.NotStarted != len(items) || c.OK < 1 {
		t.Fatalf("interrupted run counts %+v; want interrupted, every item accounted for", c)
	}
	prev := map[string]record{}
	for _, r := range p.done {
		prev[r.ID] = r
		if r.Outcome == outcomeFailed && (!r.Retry || !strings.HasPrefix(r.Cause, causeInterrupted)) {
			t.Errorf("in-flight item recorded as %+v; want an interrupted failure to redo", r)
		}
	}
	if c.Cancelled != c.Failed {
		t.Errorf("cancelled %d, failed %d; want every failure to be an interruption", c.Cancelled, c.Failed)
	}

	resumed := &cancelAfterFirst{cancel: func() {}}
	b.prog = resumed
	c, err = b.run(t.Context(), items, prev)
	if err != nil {
		t.Fatal(err)
	}
	if c.OK != len(items) || c.Failed != 0 {
		t.Errorf("resumed run counts %+v; want all %d ok", c, len(items))
		for _, r := range resumed.done {
			if r.Outcome != outcomeSucceeded {
				t.Logf("resumed: %+v", r)
			}
		}
	}
	if got := srv.Writes().Applied; got != len(items) {
		t.Errorf("writes applied = %d; want %d (one create per item, interrupted or not)", got, len(items))
	}
	checkGroundTruth(t, srv)
}
