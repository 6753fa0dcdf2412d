package testserver

import (
	"testing"
	"time"
)

func TestMinDuration(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		l     Limit
		n     int
		start time.Duration // offset of start from t0 (t0 is window-aligned)
		want  time.Duration
	}{
		{Limit{Algorithm: None}, 100, 0, 0},
		{Limit{Algorithm: SlidingLog, Requests: 10, Window: time.Second}, 10, 0, 0},
		{Limit{Algorithm: SlidingLog, Requests: 10, Window: time.Second}, 11, 0, time.Second},
		{Limit{Algorithm: SlidingLog, Requests: 10, Window: time.Second}, 25, 0, 2 * time.Second}, // (ceil(25/10)-1)*W
		{Limit{Algorithm: FixedWindow, Requests: 10, Window: time.Second}, 25, 0, 2 * time.Second},
		{Limit{Algorithm: FixedWindow, Requests: 10, Window: time.Second}, 11, 900 * ms, 100 * ms}, // next slot starts soon
		{Limit{Algorithm: TokenBucket, Requests: 10, Window: time.Second}, 25, 0, 1500 * ms},       // (N-burst)/rate
		{Limit{Algorithm: TokenBucket, Requests: 10, Window: time.Second, Burst: 1}, 3, 0, 200 * ms},
	} {
		if got := tc.l.MinDuration(tc.n, t0.Add(tc.start)); got != tc.want {
			t.Errorf("%v.MinDuration(%d, +%v) = %v; want %v", tc.l, tc.n, tc.start, got, tc.want)
		}
	}
	// Sliding counter: after the first full window, admissions come as the
	// previous window decays: 4 in [0,1s), then the 5th once 4*(1-e) <= 3,
	// i.e. at 1.25s.
	l := Limit{Algorithm: SlidingCounter, Requests: 4, Window: time.Second}
	if got := l.MinDuration(5, t0); got < 1250*ms-time.Microsecond || got > 1250*ms+time.Microsecond {
		t.Errorf("%v.MinDuration(5) = %v; want 1.25s", l, got)
	}
}

func TestLimitString(t *testing.T) {
	for _, tc := range []struct {
		l    Limit
		want string
	}{
		{Limit{}, "none"},
		{Limit{Algorithm: SlidingLog, Requests: 100, Window: time.Minute}, "sliding-log 100/1m0s"},
		{Limit{Algorithm: TokenBucket, Requests: 10, Window: time.Second, Burst: 5, Group: GroupCreate}, "token-bucket 10/1s burst 5 [create]"},
	} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("String() = %q; want %q", got, tc.want)
		}
	}
}
