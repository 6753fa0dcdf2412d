package main

import (
	"testing"
	"time"
)

func TestMeterRateIsSmoothed(t *testing.T) {
	m := &meter{}
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		at   time.Duration
		reqs int64
		want float64
	}{
		{0, 0, 0},
		{500 * time.Millisecond, 10, 20},
		{time.Second, 10, 10},                   // a pause halves it, not zeroes it
		{2 * time.Second, 20, 10},               // 20 in 2 s
		{3 * time.Second, 20, 5},                // window now starts at 1 s: 10 in 2 s
		{5500 * time.Millisecond, 20, 0},        // nothing for 2.5 s
		{5750 * time.Millisecond, 25, 5 / 2.75}, // from the newest sample at least 2 s old
	} {
		if got := m.observe(t0.Add(tc.at), tc.reqs); got != tc.want {
			t.Errorf("observe(+%v, %d) = %v; want %v", tc.at, tc.reqs, got, tc.want)
		}
	}
}
