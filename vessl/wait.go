package vessl

import (
	"context"
	"fmt"
	"time"
)

// DefaultPollInterval is the pause between polls of Experiments.Wait and
// Runs.Wait when WaitOptions does not set one.
const DefaultPollInterval = 5 * time.Second

// WaitOptions tunes Experiments.Wait and Runs.Wait.
type WaitOptions struct {
	// PollInterval is the pause after each poll that did not find a
	// terminal status. 0 means DefaultPollInterval. The rate-limit budget
	// may stretch it further.
	PollInterval time.Duration
	// OnPoll, if set, is called after every successful poll with the
	// status seen, e.g. to show progress.
	OnPoll func(status string)
}

// poll calls check until it reports done or fails, pausing between calls on
// a timer that ctx can interrupt.
func poll[T any](ctx context.Context, opts *WaitOptions, check func(context.Context) (*T, *Response, bool, error)) (*T, *Response, error) {
	interval := DefaultPollInterval
	var onPoll func(string)
	if opts != nil {
		if opts.PollInterval > 0 {
			interval = opts.PollInterval
		}
		onPoll = opts.OnPoll
	}
	var timer *time.Timer
	for {
		v, resp, done, err := check(ctx)
		if err != nil {
			return v, resp, err
		}
		if onPoll != nil {
			onPoll(statusOf(v))
		}
		if done {
			return v, resp, nil
		}
		if timer == nil {
			timer = time.NewTimer(interval)
			defer timer.Stop()
		} else {
			timer.Reset(interval)
		}
		select {
		case <-ctx.Done():
			return v, resp, fmt.Errorf("vessl: waiting for a terminal status: %w", context.Cause(ctx))
		case <-timer.C:
		}
	}
}

func statusOf(v any) string {
	switch v := v.(type) {
	case *Experiment:
		return string(v.Status)
	case *Run:
		return string(v.Status)
	}
	return ""
}
