package testserver

import (
	"fmt"
	"strconv"
	"time"
)

// Hyperparameter is one experiment hyperparameter as the API lists it.
type Hyperparameter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// lifecycle is the status progression of an experiment or a run, computed
// from the clock when asked, so that no goroutine runs per resource: pending
// for the first fifth of duration, running until duration, then final.
type lifecycle struct {
	created    time.Time
	duration   time.Duration
	final      string    // "completed" or "failed"
	stoppedAt  time.Time // set by terminate
	stopStatus string    // status after terminate
}

func (l *lifecycle) pending() time.Duration { return l.duration / 5 }

// status returns the status at now and the progress in percent.
func (l *lifecycle) status(now time.Time) (string, float64) {
	if !l.stoppedAt.IsZero() && !now.Before(l.stoppedAt) {
		_, p := l.natural(l.stoppedAt)
		return l.stopStatus, p
	}
	return l.natural(now)
}

func (l *lifecycle) natural(now time.Time) (string, float64) {
	el := now.Sub(l.created)
	switch {
	case el < l.pending():
		return "pending", 0
	case el < l.duration:
		run := l.duration - l.pending()
		return "running", 100 * float64(el-l.pending()) / float64(run)
	}
	return l.final, 100
}

// finished reports whether the natural progression or a stop has ended it.
func (l *lifecycle) finished(now time.Time) bool {
	s, _ := l.status(now)
	return s != "pending" && s != "running"
}

func (l *lifecycle) stop(now time.Time, status string) {
	l.stoppedAt, l.stopStatus = now, status
}

func (l *lifecycle) statusReason(now time.Time) string {
	switch s, _ := l.status(now); s {
	case "failed":
		return "Process exited with code 1"
	case "terminated", "stopped":
		return "Terminated by user"
	}
	return ""
}

// LogLine is one log entry as the logs endpoints return it.
type LogLine struct {
	Timestamp float64 `json:"timestamp"` // Unix seconds
	Message   string  `json:"message"`
	Stream    string  `json:"stream"`
}

// logs returns the lines written up to now: one when it starts running, ten
// progress lines, and a last one when it ends.
func (l *lifecycle) logs(now time.Time, what string) []LogLine {
	end := now
	if !l.stoppedAt.IsZero() && l.stoppedAt.Before(end) {
		end = l.stoppedAt
	}
	var out []LogLine
	add := func(at time.Time, msg string) {
		if !at.After(end) {
			out = append(out, LogLine{Timestamp: float64(at.UnixNano()) / 1e9, Message: msg, Stream: "stdout"})
		}
	}
	start := l.created.Add(l.pending())
	add(start, fmt.Sprintf("Starting %s", what))
	step := (l.duration - l.pending()) / 10
	for i := 1; i < 10; i++ {
		add(start.Add(time.Duration(i)*step), fmt.Sprintf("step %d/10 loss=%.4f", i, 1/float64(i+1)))
	}
	if !l.stoppedAt.IsZero() && l.stoppedAt.Before(l.created.Add(l.duration)) {
		add(l.stoppedAt, what+" terminated")
		return out
	}
	if l.final == "failed" {
		add(l.created.Add(l.duration), "Error: process exited with code 1")
	} else {
		add(l.created.Add(l.duration), what+" completed")
	}
	return out
}

// filterLogs keeps the lines with after < timestamp < before (a zero bound
// is open), at most limit of them (0: all), oldest first.
func filterLogs(lines []LogLine, after, before float64, limit int) []LogLine {
	out := lines[:0:0]
	for _, l := range lines {
		if after > 0 && l.Timestamp <= after {
			continue
		}
		if before > 0 && l.Timestamp >= before {
			continue
		}
		out = append(out, l)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	if out == nil {
		out = []LogLine{}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
