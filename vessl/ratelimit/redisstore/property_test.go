package redisstore

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// TestMirrorRandom drives both buckets through random sequences of takes,
// reports (fresh, stale, 429s with and without hints, lost requests,
// headerless answers) and cancels on one clock, and checks that they make
// the same decisions. The script counts in microseconds: when a take falls
// within a millisecond of an admission boundary the two may legitimately
// part ways, and the case ends there.
func TestMirrorRandom(t *testing.T) {
	mr, rdb := newMiniredis(t)
	s := New(rdb, WithPollInterval(time.Hour), WithFlushDelay(time.Hour), WithFailFast())
	defer s.Close()
	cases, boundary := 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		cfg := ratelimit.BucketConfig{Burst: rapid.SampledFrom([]float64{0, 0.1, 0.5, 1}).Draw(rt, "burst")}
		mem := ratelimit.NewMemoryStore().Open("s", cfg)
		red := s.Open(fmt.Sprintf("case-%d", cases), cfg)
		now := t0
		type ticket struct{ mem, red uint64 }
		var out []ticket
		steps := rapid.IntRange(1, 80).Draw(rt, "steps")
		for i := range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 700).Draw(rt, "dt")) * time.Millisecond)
			mr.SetTime(now)
			switch k := rapid.IntRange(0, 9).Draw(rt, "kind"); {
			case k < 5 || len(out) == 0: // take
				gm, _ := mem.Take(now)
				gr, err := red.Take(now)
				if err != nil {
					rt.Fatal(err)
				}
				if gm.OK != gr.OK {
					if (gm.OK && gr.Wait < time.Millisecond) || (gr.OK && gm.Wait < time.Millisecond) {
						boundary++
						return
					}
				}
				if gm.OK != gr.OK || gm.WaitKnown != gr.WaitKnown || !near(gm.Wait, gr.Wait) || !near(gm.Interval, gr.Interval) {
					rt.Fatalf("step %d (+%v): redis Take = %+v; memory Take = %+v\nredis  %+v\nmemory %+v",
						i, now.Sub(t0), gr, gm, red.Snapshot(now), mem.Snapshot(now))
				}
				if gm.OK {
					out = append(out, ticket{gm.Seq, gr.Seq})
				}
			case k < 9: // report one of those in flight
				j := rapid.IntRange(0, len(out)-1).Draw(rt, "which")
				tk := out[j]
				out = append(out[:j], out[j+1:]...)
				r := randomReport(rt)
				_ = mem.Report(now, tk.mem, r)
				_ = red.Report(now, tk.red, r)
			default: // cancel one
				j := rapid.IntRange(0, len(out)-1).Draw(rt, "which")
				tk := out[j]
				out = append(out[:j], out[j+1:]...)
				_ = mem.Cancel(now, tk.mem)
				_ = red.Cancel(now, tk.red)
			}
		}
		sm, sr := mem.Snapshot(now), red.Snapshot(now)
		if sm.Known != sr.Known || sm.Remaining != sr.Remaining || sm.InFlight != sr.InFlight || sm.Throttled != sr.Throttled {
			rt.Fatalf("end: redis snapshot %+v; memory snapshot %+v", sr, sm)
		}
		if bm, br := mem.Backoff(now), red.Backoff(now); !near(bm, br) {
			rt.Fatalf("end: redis Backoff %v; memory Backoff %v", br, bm)
		}
	})
	t.Logf("%d cases, %d ended at an admission boundary", cases, boundary)
}

func randomReport(rt *rapid.T) ratelimit.Report {
	ms := func(max int, label string) time.Duration {
		return time.Duration(rapid.IntRange(0, max).Draw(rt, label)) * time.Millisecond
	}
	r := ratelimit.Report{Status: 200, RTT: ms(300, "rtt")}
	switch rapid.IntRange(0, 6).Draw(rt, "report") {
	case 0, 1, 2: // headers
		r.Remaining, r.HasRemaining = rapid.IntRange(0, 12).Draw(rt, "remaining"), true
		r.Reset, r.HasReset = ms(3000, "reset"), rapid.IntRange(0, 4).Draw(rt, "hasReset") > 0
		if rapid.Bool().Draw(rt, "limit") {
			r.Limit, r.Window = 10, time.Second
		}
	case 3: // 429
		r.Status = 429
		switch rapid.IntRange(0, 2).Draw(rt, "hint") {
		case 0:
			r.RetryAfter, r.HasRetryAfter = ms(2000, "retryAfter"), true
		case 1:
			r.Reset, r.HasReset = ms(2000, "reset429"), true
		}
	case 4: // lost after sending
		r = ratelimit.Report{}
	case 5: // headerless success
	case 6:
		r.Status = 503
	}
	return r
}
