package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// Outcomes of an item.
const (
	outcomeSucceeded = "succeeded"
	outcomeFailed    = "failed"
)

// Stages an item reached.
const (
	stageLaunched = "launched" // created; -wait=false stops here
	stageFinished = "finished" // the experiment ended and its logs were read
)

// record is one line of the -out file: the outcome of one item. A line
// without an id is the file's header, naming the sweep.
type record struct {
	ID         string  `json:"id,omitempty"`
	Outcome    string  `json:"outcome,omitempty"`
	Cause      string  `json:"cause,omitempty"`
	Stage      string  `json:"stage,omitempty"`
	Experiment int64   `json:"experiment,omitempty"` // experiment number, once created
	Status     string  `json:"status,omitempty"`     // the experiment's last status
	LogLines   int     `json:"log_lines,omitempty"`
	Retry      bool    `json:"retry,omitempty"` // the failure may go away: a resume redoes the item
	ElapsedS   float64 `json:"elapsed_s,omitempty"`
	Sweep      string  `json:"sweep,omitempty"`
}

// done reports whether a resumed run skips the item r records: it succeeded
// (and, when waiting, finished), or it failed for good.
func (r record) done(wait bool) bool {
	switch r.Outcome {
	case outcomeSucceeded:
		return r.Stage == stageFinished || !wait
	case outcomeFailed:
		return !r.Retry
	}
	return false
}

// journal is the state read from an -out file: the sweep it belongs to and
// the last record of each item.
type journal struct {
	Sweep string
	Items map[string]record
}

// loadJournal reads path. A missing file is an empty journal; a truncated
// last line (a crash while writing) is ignored, so is any line that does not
// parse.
func loadJournal(path string) (journal, error) {
	j := journal{Items: map[string]record{}}
	if path == "" {
		return j, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return j, fmt.Errorf("batch: read -out file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var r record
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		if j.Sweep == "" && r.Sweep != "" {
			j.Sweep = r.Sweep
		}
		if r.ID != "" {
			j.Items[r.ID] = r
		}
	}
	if err := sc.Err(); err != nil {
		return j, fmt.Errorf("batch: read -out file: %w", err)
	}
	return j, nil
}

// newSweepName returns a random sweep name for a run without one.
func newSweepName() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	return "batch-" + hex.EncodeToString(b[:])
}

// recorder appends records to the -out file, one line per write, so a
// crash loses at most the line being written. It is safe for concurrent use;
// with no file it only drops the records.
type recorder struct {
	mu sync.Mutex
	f  *os.File
}

// openRecorder opens path for appending ("" = no file) and writes a header
// line naming the sweep when the file is new.
func openRecorder(path, sweep string, fresh bool) (*recorder, error) {
	if path == "" {
		return &recorder{}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("batch: open -out file: %w", err)
	}
	rec := &recorder{f: f}
	if fresh {
		if err := rec.write(record{Sweep: sweep}); err != nil {
			f.Close()
			return nil, err
		}
	}
	return rec, nil
}

// write appends r as one line.
func (rec *recorder) write(r record) error {
	if rec.f == nil {
		return nil
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("batch: encode record: %w", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if _, err := rec.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("batch: write -out file: %w", err)
	}
	return nil
}

// Close syncs and closes the file.
func (rec *recorder) Close() error {
	if rec.f == nil {
		return nil
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	err := rec.f.Sync()
	if cerr := rec.f.Close(); err == nil {
		err = cerr
	}
	return err
}
