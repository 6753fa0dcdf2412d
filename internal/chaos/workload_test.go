package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vessl-go/vessl-go/vessl"
)

// outcome is what happened to one item of the workload. An item is lost if
// it is neither OK nor failed with a Stage and a Cause.
type outcome struct {
	ID         string
	OK         bool
	Stage      string // where it failed: "create", "wait", "logs" or "status"
	Cause      string // the error (or experiment status) that failed it
	Err        error  // the error behind Cause, if any
	Experiment int64  // the experiment created for it, 0 if none
	Status     vessl.ExperimentStatus
	LogLines   int
	Retries    int      // calls repeated by the workload after a transient error
	Retried    []string // the cause class of each error that was retried
}

// workload is a batch job as a user writes one with the SDK: for each item,
// create an experiment under an Idempotency-Key derived from the item, wait
// for it to end, fetch its logs, record the outcome. A call that fails with
// a transient error (a network error, a cut body, a 5xx or 429 the transport
// gave up on) is repeated up to tries times in all: for the create with the
// same key, so that the server answers a repeat of an applied create with
// the stored experiment instead of creating a second one.
type workload struct {
	client *vessl.Client
	sweep  string        // prefix of every Idempotency-Key
	poll   time.Duration // Experiments.Wait poll interval
	tries  int           // attempts per call, the first included
}

// itemID names item i; it is also the "item" hyperparameter of its
// experiment, by which the test finds the experiments of each item.
func itemID(i int) string { return fmt.Sprintf("item-%04d", i) }

// run processes items 0..n-1 with the given number of workers and returns
// one outcome per item, in item order. It returns once every worker has
// finished; items still waiting to start when ctx ends fail with ctx's
// error as their cause.
func (w *workload) run(ctx context.Context, n, workers int) []outcome {
	out := make([]outcome, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				out[i] = w.process(ctx, itemID(i))
			}
		})
	}
	wg.Wait()
	return out
}

// process takes one item from creation to its outcome.
func (w *workload) process(ctx context.Context, id string) outcome {
	o := outcome{ID: id}
	if err := ctx.Err(); err != nil {
		return o.fail("create", err)
	}
	kctx := vessl.ContextWithIdempotencyKey(ctx, w.sweep+"/"+id)
	req := &vessl.ExperimentCreateRequest{
		ImageURL:        "quay.io/vessl-ai/torch:2.3.1-cuda12.1-r5",
		StartCommand:    "python train.py",
		Hyperparameters: []*vessl.Hyperparameter{{Key: "item", Value: id}},
		Message:         w.sweep + " " + id,
	}
	var exp *vessl.Experiment
	err := w.call(ctx, &o, func() (err error) {
		exp, _, err = w.client.Experiments.Create(kctx, "", "", req)
		return err
	})
	if err != nil {
		return o.fail("create", err)
	}
	o.Experiment = exp.Number
	err = w.call(ctx, &o, func() (err error) {
		exp, _, err = w.client.Experiments.Wait(ctx, "", "", o.Experiment, &vessl.WaitOptions{PollInterval: w.poll})
		return err
	})
	if err != nil {
		return o.fail("wait", err)
	}
	o.Status = exp.Status
	var logs []*vessl.LogLine
	err = w.call(ctx, &o, func() (err error) {
		logs, _, err = w.client.Experiments.Logs(ctx, "", "", o.Experiment, nil)
		return err
	})
	if err != nil {
		return o.fail("logs", err)
	}
	o.LogLines = len(logs)
	if exp.Status != vessl.ExperimentCompleted {
		o.Stage, o.Cause = "status", fmt.Sprintf("experiment %d ended %s", exp.Number, exp.Status)
		return o
	}
	o.OK = true
	return o
}

func (o outcome) fail(stage string, err error) outcome {
	o.Stage, o.Cause, o.Err = stage, err.Error(), err
	return o
}

// call runs f up to w.tries times while it fails with a transient error.
// It does not pause between attempts: the client's rate-limit budget paces
// every request anyway.
func (w *workload) call(ctx context.Context, o *outcome, f func() error) error {
	var err error
	for try := 1; try <= w.tries; try++ {
		if try > 1 {
			o.Retries++
		}
		if err = f(); err == nil || !transient(ctx, err) {
			return err
		}
		if try < w.tries {
			o.Retried = append(o.Retried, errorClass(err))
		}
	}
	return err
}

// transient reports whether a call that failed with err may succeed when
// repeated: not when ctx has ended, and not for an answer of the API that
// is final (a 4xx other than 429).
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var apiErr *vessl.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode == 429 || apiErr.StatusCode >= 500
	}
	return true
}

// causeClass groups a failure cause for the summary.
func causeClass(o outcome) string {
	if o.OK {
		return ""
	}
	if o.Err == nil {
		return o.Stage + ": " + o.Cause
	}
	return o.Stage + ": " + errorClass(o.Err)
}

// errorClass names the kind of err: the status code of an API error, a
// context error, else the innermost error's text.
func errorClass(err error) string {
	var apiErr *vessl.APIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("HTTP %d", apiErr.StatusCode)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return err.Error()
}
