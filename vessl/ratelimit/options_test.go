package ratelimit

import (
	"math"
	"testing"
	"time"
)

func TestOptionsClamp(t *testing.T) {
	tests := []struct {
		opt        Option
		wantJitter float64
		wantMax    time.Duration
	}{
		{WithJitter(-1), 0, 0},
		{WithJitter(math.NaN()), 0, 0},
		{WithJitter(5), 1, 0},
		{WithJitter(0.25), 0.25, 0},
		{WithMaxWait(-time.Second), 0.1, 0},
		{WithMaxWait(time.Minute), 0.1, time.Minute},
		{nil, 0.1, 0},
		{WithClock(nil), 0.1, 0},
		{WithStore(nil), 0.1, 0},
		{WithRand(nil), 0.1, 0},
	}
	for _, tt := range []struct{ in, want float64 }{{-1, 0}, {math.NaN(), 0}, {0.5, 0.5}, {3, 1}} {
		l := NewLimiter(WithBurst(tt.in))
		if l.cfg.burst != tt.want {
			t.Errorf("WithBurst(%v): burst = %v; want %v", tt.in, l.cfg.burst, tt.want)
		}
		_ = l.Close()
	}
	for i, tt := range tests {
		l := NewLimiter(tt.opt)
		if l.cfg.jitter != tt.wantJitter || l.cfg.maxWait != tt.wantMax || l.cfg.clock == nil || l.cfg.store == nil || l.cfg.rand == nil {
			t.Errorf("%d: config = %+v; want jitter %v, max wait %v, and defaults kept", i, l.cfg, tt.wantJitter, tt.wantMax)
		}
		_ = l.Close()
	}
}
