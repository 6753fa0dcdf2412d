package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain lets the test binary stand in for the program when the
// multi-process scenario re-executes it as a child; otherwise it runs the
// tests and checks that no goroutine outlives them.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := runChild(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "compare child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// TestMultiProcess runs the multi-process scenario small: three processes
// on one token, with private budgets and with one shared through an
// in-process miniredis. Every request must succeed, and with the shared
// budget the server's limit must hold without a single 429.
func TestMultiProcess(t *testing.T) {
	w := workload{N: 30, K: 2, L: 10, W: time.Second}
	rows, err := runMultiProcess(t.Context(), w, 3, "")
	if err != nil {
		t.Fatalf("runMultiProcess: %v", err)
	}
	if len(rows) != 2 {
		t.Fatalf("got %d rows; want 2 (private, shared)", len(rows))
	}
	for _, r := range rows {
		if r.OK != w.N {
			t.Errorf("%s: %d ok; want %d", r.Client, r.OK, w.N)
		}
	}
	shared := rows[1]
	if !strings.Contains(shared.Client, "shared") {
		t.Fatalf("second row %q is not the shared budget", shared.Client)
	}
	if shared.Exceeded || shared.HTTP429 != 0 {
		t.Errorf("shared budget: exceeded %v, %d 429s; want the limit kept with no 429", shared.Exceeded, shared.HTTP429)
	}
}
