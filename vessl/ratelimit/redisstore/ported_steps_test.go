package redisstore

// Code ported from vessl/ratelimit/memstore_test.go at 35c50d6: every step
// table of package ratelimit's bucket tests, the expected answers dropped,
// since here the in-memory bucket is the expectation.

import (
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// TestMirrorsBucketTables replays package ratelimit's bucket step tables
// on both buckets, with their burst tolerance (0.1).
func TestMirrorsBucketTables(t *testing.T) {
	// What those tests define around their tables.
	const (
		ms           = time.Millisecond
		minProbeWait = time.Second // ratelimit's minProbeWait
	)
	ok := ratelimit.Report{Status: 200}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"TestBucketColdStartGrows", []step{
			take(0),
			take(0), // one in flight until an answer
			report(100*time.Millisecond, 1, ok),
			take(100 * time.Millisecond), // cwnd 2
			take(100 * time.Millisecond),
			take(100 * time.Millisecond),
			report(200*time.Millisecond, 2, ok),
			report(200*time.Millisecond, 3, ok), // cwnd 4
			take(200 * time.Millisecond),
			take(200 * time.Millisecond),
			take(200 * time.Millisecond),
			take(200 * time.Millisecond),
			take(200 * time.Millisecond),
		}},
		{"TestBucketColdStartReleasesSlowly", []step{
			take(0),
			take(minProbeWait - 1),
			take(minProbeWait), // the first answer is late: one more
			take(minProbeWait),
		}},
		{"TestBucketPacesOverReset", []step{
			take(0),
			report(0, 1, headers(10, 10*time.Second)), // 10 left over 10s: 1s apart
			take(0),
			take(0),
			take(999 * time.Millisecond),
			take(time.Second),
		}},
		{"TestBucketCountsInFlight", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Remaining: 100, HasRemaining: true}), // no reset: no pacing
			take(0), // 2
			take(0), // 3
			take(0), // 4
			// The server says 2 left after request 2; 3 and 4 may not be
			// counted yet, so nothing is left.
			report(0, 2, ratelimit.Report{Status: 200, Remaining: 2, HasRemaining: true, Reset: time.Minute, HasReset: true}),
			take(0),
		}},
		{"TestBucketStaleNeverRaises", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Remaining: 100, HasRemaining: true}),
			take(0), // 2
			take(0), // 3
			report(10*time.Millisecond, 3, ratelimit.Report{Status: 200, Remaining: 5, HasRemaining: true}),
			// Request 2 was processed first but answers last, with more left.
			report(20*time.Millisecond, 2, ratelimit.Report{Status: 200, Remaining: 6, HasRemaining: true}),
		}},
		{"TestBucketProbesAtReset", []step{
			take(0),
			report(0, 1, headers(0, 5*time.Second)),
			take(time.Second),
			take(5 * time.Second), // the probe
			take(5 * time.Second),
			take(5100 * time.Millisecond),
			report(5200*time.Millisecond, 2, headers(9, 10*time.Second)), // 9 over 10s
			take(5200 * time.Millisecond),
			// 9 over 10s is 1.11s apart, but the learned window (10s) and
			// limit (10) say the long-run pace is 1s: never slower.
			take(5200 * time.Millisecond),
		}},
		{"TestBucketOldWindowIgnoredAfterProbe", []step{
			take(0),
			report(0, 1, headers(5, 5*time.Second)),
			take(4 * time.Second), // 2, answers late
			take(5 * time.Second), // probe 3
			report(5100*time.Millisecond, 3, headers(9, 10*time.Second)),
			// Request 2's answer describes the old window.
			report(5200*time.Millisecond, 2, headers(0, 0)),
		}},
		{"TestBucket429RetryAfterWins", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 429, Remaining: 0, HasRemaining: true, Reset: time.Second, HasReset: true, RetryAfter: 7 * time.Second, HasRetryAfter: true}),
			take(time.Second),
			take(7 * time.Second),
		}},
		{"TestBucket429WithoutHintBacksOff", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 429}),
			take(0),
		}},
		{"TestBucketLongRunRateCapsInterval", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Limit: 10, Window: time.Minute, Remaining: 3, HasRemaining: true, Reset: 24 * time.Hour, HasReset: true}),
			take(0),
			take(0),
		}},
		{"TestBucketCancelGivesBack", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Remaining: 1, HasRemaining: true}),
			take(0),
			take(0),
		}},
		{"TestBucketTighterPolicyWithEarlierResetIsAccepted", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Remaining: 500, HasRemaining: true, Reset: time.Hour, HasReset: true}),
			take(0),
			report(0, 2, ratelimit.Report{Status: 200, Remaining: 2, HasRemaining: true, Reset: 30 * time.Second, HasReset: true}),
		}},
		{"TestBucketCancelDuring429GivesNothingBack", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Remaining: 5, HasRemaining: true}),
			take(0), // 2: will be cancelled
			take(0), // 3: refused
			report(0, 3, ratelimit.Report{Status: 429, RetryAfter: 10 * time.Second, HasRetryAfter: true}),
		}},
		{"TestBucketHugeQuotaLongIntervalNoOverflow", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Limit: 10_000_000, Remaining: 2, HasRemaining: true, Reset: 24 * time.Hour, HasReset: true}),
			take(0),
			take(0),
			take(0), // nothing left
		}},
		{"TestBucketLostRequestStaysSpent", []step{
			take(0),
			report(0, 1, ratelimit.Report{Status: 200, Remaining: 5, HasRemaining: true}),
			take(0), // 2
			take(0), // 3: fails after it was sent
			report(0, 3, ratelimit.Report{Status: 0}), // lost: the server may count it later
			// 2 was sent before the loss: the server may count 3 after it.
			report(0, 2, ratelimit.Report{Status: 200, Remaining: 4, HasRemaining: true}),
		}},
		{"TestBucketOld429AfterProbeIgnored", []step{
			take(0),
			report(0, 1, headers(2, 5*time.Second)),
			take(0),                                // 2
			take(4500 * ms),                        // 3: slow, answers late
			report(4600*ms, 2, headers(0, 400*ms)), // nothing left until +5s
			take(5 * time.Second),                  // the probe waits for 3...
			take(5500 * ms),                        // ...for a while: probe 4
			report(5600*ms, 4, headers(9, 10*time.Second)),
			// 3 was refused before the reset: its 429 arrives now, with a
			// wait ending long before the new window's reset.
			report(5700*ms, 3, ratelimit.Report{Status: 429, RetryAfter: time.Second, HasRetryAfter: true}),
			take(5700 * ms),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { mirrorSteps(t, 0.1, tc.steps) })
	}
}
