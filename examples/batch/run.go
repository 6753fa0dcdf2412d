package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vessl-go/vessl-go/vessl"
)

// item is one unit of the batch: an experiment with its own hyperparameters.
type item struct {
	Index int
	ID    string
	Hyper []*vessl.Hyperparameter
}

// Hyperparameter grid the items walk through.
var (
	learningRates = [...]string{"0.0001", "0.0003", "0.001", "0.003"}
	batchSizes    = [...]string{"16", "32", "64", "128"}
)

// makeItems returns n items with deterministic hyperparameters, so a resumed
// run rebuilds exactly the same ones. Items in fail carry fail=true, which
// the embedded server answers by failing the experiment.
func makeItems(n int, fail map[int]bool) []item {
	items := make([]item, n)
	for i := range items {
		id := fmt.Sprintf("item-%04d", i)
		hp := []*vessl.Hyperparameter{
			{Key: "item", Value: id},
			{Key: "learning_rate", Value: learningRates[i%len(learningRates)]},
			{Key: "batch_size", Value: batchSizes[(i/len(learningRates))%len(batchSizes)]},
			{Key: "seed", Value: strconv.Itoa(i)},
		}
		if fail[i] {
			hp = append(hp, &vessl.Hyperparameter{Key: "fail", Value: "true"})
		}
		items[i] = item{Index: i, ID: id, Hyper: hp}
	}
	return items
}

// createRequest is the experiment an item asks for.
func (it item) createRequest(sweep string) *vessl.ExperimentCreateRequest {
	return &vessl.ExperimentCreateRequest{
		ImageURL:        "quay.io/vessl-ai/torch:2.3.1-cuda12.1-r5",
		StartCommand:    "python train.py",
		Hyperparameters: it.Hyper,
		Message:         sweep + " " + it.ID,
	}
}

// causeInterrupted starts the cause of an item stopped by Ctrl-C.
const causeInterrupted = "interrupted"

// batch runs items against one client, recording each outcome.
type batch struct {
	client *vessl.Client
	wait   bool
	poll   time.Duration // 0 = the SDK's default
	sweep  string
	rec    *recorder
	prog   progress
	conc   int
}

// counts is what a batch run did.
type counts struct {
	OK, Failed, Skipped, NotStarted int
	Cancelled                       int // failed because the run was interrupted (counted in Failed)
	Interrupted                     bool
}

// run processes every item that prev does not record as done, with b.conc
// workers, and returns the tally over all items (earlier runs' included).
// When ctx ends, items in flight are recorded as failed with Retry set (a
// resume redoes them), items not started are not recorded.
func (b *batch) run(ctx context.Context, items []item, prev map[string]record) (counts, error) {
	var c counts
	todo := make(chan item)
	results := make(chan record)
	var pending []item
	for _, it := range items {
		if r, ok := prev[it.ID]; ok && r.done(b.wait) {
			c.Skipped++
			if r.Outcome == outcomeSucceeded {
				c.OK++
			} else {
				c.Failed++
			}
			continue
		}
		pending = append(pending, it)
	}
	b.prog.start(len(items), c.Skipped)

	var wg sync.WaitGroup
	for range min(b.conc, max(len(pending), 1)) {
		wg.Go(func() {
			for it := range todo {
				var p *record
				if r, ok := prev[it.ID]; ok {
					p = &r
				}
				results <- b.process(ctx, it, p)
			}
		})
	}
	go func() {
		defer func() { close(todo); wg.Wait(); close(results) }()
		for _, it := range pending {
			select {
			case todo <- it:
			case <-ctx.Done():
				return
			}
		}
	}()

	var writeErr error
	started := 0
	for r := range results {
		started++
		if err := b.rec.write(r); err != nil && writeErr == nil {
			writeErr = err
		}
		switch {
		case r.Outcome == outcomeSucceeded:
			c.OK++
		case strings.HasPrefix(r.Cause, causeInterrupted):
			c.Cancelled++
			c.Failed++
		default:
			c.Failed++
		}
		b.prog.itemDone(r)
	}
	c.NotStarted = len(pending) - started
	c.Interrupted = ctx.Err() != nil
	b.prog.stop()
	return c, writeErr
}

// process takes one item from creation to its outcome. prev is the item's
// record from an earlier run, if any: an experiment it names is waited for
// rather than created again.
func (b *batch) process(ctx context.Context, it item, prev *record) record {
	start := time.Now()
	r := b.advance(ctx, it, prev)
	r.ElapsedS = time.Since(start).Seconds()
	return r
}

// advance does the work of process.
func (b *batch) advance(ctx context.Context, it item, prev *record) record {
	r := record{ID: it.ID, Sweep: b.sweep}

	if prev != nil && prev.Experiment > 0 {
		if num, ok := b.reuse(ctx, it, prev.Experiment); ok {
			r.Experiment = num
		}
	}
	if r.Experiment == 0 {
		// The key is derived from the item: if this process dies between
		// the create and the record, the re-run's create is answered with
		// the first one's experiment by a server that honours the key.
		kctx := vessl.ContextWithIdempotencyKey(ctx, b.sweep+"/"+it.ID)
		exp, _, err := b.client.Experiments.Create(kctx, "", "", it.createRequest(b.sweep))
		if err != nil {
			return b.failed(ctx, r, "create", err)
		}
		r.Experiment = exp.Number
		r.Status = string(exp.Status)
	}
	r.Stage = stageLaunched
	if !b.wait {
		r.Outcome = outcomeSucceeded
		return r
	}

	exp, _, err := b.client.Experiments.Wait(ctx, "", "", r.Experiment, &vessl.WaitOptions{PollInterval: b.poll})
	if err != nil {
		return b.failed(ctx, r, "wait", err)
	}
	r.Status = string(exp.Status)
	logs, _, err := b.client.Experiments.Logs(ctx, "", "", r.Experiment, nil)
	if err != nil {
		return b.failed(ctx, r, "logs", err)
	}
	r.LogLines = len(logs)
	r.Stage = stageFinished
	if exp.Status != vessl.ExperimentCompleted {
		r.Outcome = outcomeFailed
		r.Cause = fmt.Sprintf("experiment %d ended %s", exp.Number, exp.Status)
		if exp.StatusReason != "" {
			r.Cause += ": " + exp.StatusReason
		}
		if n := len(logs); n > 0 {
			r.Cause += fmt.Sprintf(" (last log line: %q)", logs[n-1].Message)
		}
		return r
	}
	r.Outcome = outcomeSucceeded
	return r
}

// reuse checks that experiment num, recorded by an earlier run, still exists
// and belongs to it (its "item" hyperparameter), so it is waited for instead
// of created again.
func (b *batch) reuse(ctx context.Context, it item, num int64) (int64, bool) {
	exp, _, err := b.client.Experiments.Get(ctx, "", "", num)
	if err != nil {
		return 0, false
	}
	for _, hp := range exp.Hyperparameters {
		if hp.Key == "item" {
			return num, hp.Value == it.ID
		}
	}
	return 0, false
}

// failed records err as the cause of r's failure at stage. A failure that may
// go away (the run was interrupted, a 429 or 5xx that outlasted the retries,
// a network error) is marked for a resume to redo; a 4xx is not.
func (b *batch) failed(ctx context.Context, r record, stage string, err error) record {
	r.Outcome = outcomeFailed
	r.Retry = true
	if ctx.Err() != nil {
		r.Cause = causeInterrupted + " during " + stage
		return r
	}
	r.Cause = stage + ": " + err.Error()
	var apiErr *vessl.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 &&
		apiErr.StatusCode != http.StatusTooManyRequests && apiErr.StatusCode != http.StatusRequestTimeout {
		r.Retry = false
	}
	return r
}
