package testserver

import "time"

// fixedWindow counts admissions in windows [k*W, (k+1)*W) of absolute time.
// Reset is the time left until the current window ends.
type fixedWindow struct {
	limit  int
	window time.Duration
	start  time.Time // start of the window count belongs to
	count  int
}

func (f *fixedWindow) roll(now time.Time) {
	if start := now.Truncate(f.window); !start.Equal(f.start) {
		f.start, f.count = start, 0
	}
}

func (f *fixedWindow) peek(now time.Time) (bool, int, time.Duration) {
	f.roll(now)
	reset := f.start.Add(f.window).Sub(now)
	if f.count >= f.limit {
		return false, 0, reset
	}
	return true, f.limit - f.count - 1, reset
}

func (f *fixedWindow) take(now time.Time) {
	f.roll(now)
	f.count++
}

func (f *fixedWindow) clone() algorithm {
	c := *f
	return &c
}
