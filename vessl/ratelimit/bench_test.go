package ratelimit

import (
	"context"
	"runtime"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// plenty is a response from a server whose budget is never exhausted.
var plenty = Observation{Status: 200, Limit: maxCount, Remaining: maxCount, HasRemaining: true}

// BenchmarkAcquireReport measures one Acquire/Report pair; compare with
// BenchmarkXTimeRateWait (golang.org/x/time/rate's Wait with a limit that
// is never exhausted) in the same run.
func BenchmarkAcquireReport(b *testing.B) {
	ctx := context.Background()
	b.Run("uncontended", func(b *testing.B) {
		l := NewLimiter()
		defer l.Close()
		bud := l.Budget("bench")
		b.ReportAllocs()
		for b.Loop() {
			t, err := bud.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			bud.Report(t, plenty)
		}
	})
	b.Run("uncontended-at", func(b *testing.B) {
		// As the transport does: the response's arrival time was read
		// for ParseHeaders, and Report reuses it.
		l := NewLimiter()
		defer l.Close()
		bud := l.Budget("bench")
		obs := plenty
		obs.At = time.Now()
		b.ReportAllocs()
		for b.Loop() {
			t, err := bud.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			bud.Report(t, obs)
		}
	})
	b.Run("contended-64", func(b *testing.B) {
		l := NewLimiter()
		defer l.Close()
		bud := l.Budget("bench")
		t, _ := bud.Acquire(ctx)
		bud.Report(t, plenty) // learn the budget; cold start would limit concurrency
		b.ReportAllocs()
		b.SetParallelism(max(1, 64/parallelism()))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				t, err := bud.Acquire(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				bud.Report(t, plenty)
			}
		})
	})
}

func BenchmarkXTimeRateWait(b *testing.B) {
	ctx := context.Background()
	b.Run("uncontended", func(b *testing.B) {
		lim := rate.NewLimiter(1e12, 1e9)
		b.ReportAllocs()
		for b.Loop() {
			if err := lim.Wait(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("contended-64", func(b *testing.B) {
		lim := rate.NewLimiter(1e12, 1e9)
		b.ReportAllocs()
		b.SetParallelism(max(1, 64/parallelism()))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := lim.Wait(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// parallelism is GOMAXPROCS, the multiplier RunParallel applies to
// SetParallelism.
func parallelism() int { return runtime.GOMAXPROCS(0) }
