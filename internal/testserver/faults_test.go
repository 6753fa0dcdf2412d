package testserver

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const expBase = "/organizations/demo-org/projects/demo-project/experiments"

func TestFaultLatency(t *testing.T) {
	s := NewTest(t, WithFaults(Faults{Latency: 30 * time.Millisecond, Jitter: 10 * time.Millisecond}))
	start := time.Now()
	do(t, s, "GET", "/accounts/me", "")
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("request took %v; want at least the 30ms latency", d)
	}
	s.SetFaults(Faults{})
	if got := s.Faults(); got != (Faults{}) {
		t.Errorf("Faults() = %+v after SetFaults(Faults{})", got)
	}
}

func TestFaultServerErrors(t *testing.T) {
	s := NewTest(t, WithFaults(Faults{ServerErrors: 1}))
	seen := map[int]bool{}
	for i := range 30 {
		id := "req-" + strconv.Itoa(i)
		resp, body := do(t, s, "POST", expBase, `{"start_command":"x"}`, "X-Request-Id", id)
		seen[resp.StatusCode] = true
		applied := s.WriteCounts()[id] == 1
		switch resp.StatusCode {
		case 502, 503:
			if applied {
				t.Errorf("%d: write applied; want not applied before a 502/503", resp.StatusCode)
			}
		case 504:
			if !applied {
				t.Errorf("504: write not applied; want applied (gateway timeout after the work)")
			}
		default:
			t.Fatalf("status %d (%s); want 502, 503 or 504", resp.StatusCode, body)
		}
		if resp.StatusCode >= 500 && decode[ErrorBody](t, body).Code == "" {
			t.Errorf("5xx body %s has no code", body)
		}
	}
	if !seen[502] || !seen[503] || !seen[504] {
		t.Errorf("statuses seen = %v; want all of 502, 503, 504 in 30 draws", seen)
	}
}

func TestFaultConnReset(t *testing.T) {
	s := NewTest(t, WithFaults(Faults{ConnReset: 1}))
	req, _ := http.NewRequest("POST", s.URL+"/api/v1"+expBase, strings.NewReader(`{"start_command":"x"}`))
	req.Header.Set("Authorization", "Token test-token")
	req.Header.Set("X-Request-Id", "cut")
	resp, err := s.Client().Do(req)
	if err == nil {
		_, err = readAll(resp)
	}
	if err == nil {
		t.Fatal("request with ConnReset=1 succeeded; want an error reading the response")
	}
	if n := s.WriteCounts()["cut"]; n != 1 {
		t.Errorf("write applied %d times; want 1 (the cut happens after the work)", n)
	}
}

func TestFaultSpuriousThrottle(t *testing.T) {
	s := NewTest(t,
		WithLimits(Limit{Algorithm: FixedWindow, Requests: 100, Window: time.Hour}),
		WithHeaders(HeaderStyle{XRateLimit: true, RetryAfter: true}),
		WithFaults(Faults{SpuriousThrottle: 1}))
	resp, body := do(t, s, "GET", "/accounts/me", "")
	if resp.StatusCode != 429 {
		t.Fatalf("status = %d; want 429", resp.StatusCode)
	}
	if rem, _ := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining")); rem <= 0 {
		t.Errorf("Remaining = %q; want > 0 (the header promises quota)", resp.Header.Get("X-RateLimit-Remaining"))
	}
	if e := decode[ErrorBody](t, body); e.Code != "TooManyRequests" || !strings.Contains(e.Message, RateLimitDocsURL) {
		t.Errorf("429 body = %s; want TooManyRequests with the docs link", body)
	}
	if st := s.Stats(s.Token()); st.Spurious != 1 || st.Throttled != 1 || st.Admitted != 0 || st.Buckets[0].Throttled != 0 {
		t.Errorf("Stats = %+v; want 1 spurious throttle, nothing admitted", st)
	}
}

func TestFaultHeaders(t *testing.T) {
	limit := WithLimits(Limit{Algorithm: FixedWindow, Requests: 100, Window: time.Hour})
	t.Run("missing", func(t *testing.T) {
		s := NewTest(t, limit, WithFaults(Faults{MissingHeaders: 1}))
		resp, _ := do(t, s, "GET", "/accounts/me", "")
		if v := resp.Header.Get("X-RateLimit-Remaining"); v != "" {
			t.Errorf("Remaining = %q; want no header", v)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		s := NewTest(t, limit, WithFaults(Faults{MalformedHeaders: 1}))
		bad := 0
		for range 20 {
			resp, _ := do(t, s, "GET", "/accounts/me", "")
			for _, k := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
				if n, err := strconv.Atoi(resp.Header.Get(k)); err != nil || n < 0 || n > 1e9 {
					bad++
					break
				}
			}
		}
		if bad != 20 {
			t.Errorf("%d of 20 responses had a malformed header; want 20", bad)
		}
	})
}

func TestFaultClockOffset(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewTest(t, WithClock(NewManualClock(start)),
		WithLimits(Limit{Algorithm: FixedWindow, Requests: 5, Window: time.Minute}),
		WithResetFormat(ResetEpoch),
		WithFaults(Faults{ClockOffset: -time.Hour}))
	resp, _ := do(t, s, "GET", "/accounts/me", "")
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil || !date.Equal(start.Add(-time.Hour)) {
		t.Errorf("Date = %q; want %v", resp.Header.Get("Date"), start.Add(-time.Hour))
	}
	want := strconv.FormatInt(start.Add(-time.Hour+time.Minute).Unix(), 10)
	if got := resp.Header.Get("X-RateLimit-Reset"); got != want {
		t.Errorf("Reset = %s; want %s (moved with the Date header)", got, want)
	}
}

func TestFaultHTMLErrors(t *testing.T) {
	s := NewTest(t, WithLimits(Limit{Algorithm: FixedWindow, Requests: 1, Window: time.Hour}),
		WithFaults(Faults{HTMLErrors: true}))
	do(t, s, "GET", "/accounts/me", "")
	resp, body := do(t, s, "GET", "/accounts/me", "")
	if resp.StatusCode != 429 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html>") {
		t.Errorf("got %d %q %s; want a 429 HTML page", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp, body = do(t, s, "GET", "/nowhere", ""); resp.StatusCode != 429 {
		t.Errorf("unknown path while throttled = %d %s; want 429", resp.StatusCode, body)
	}
}

func TestFaultsDeterministic(t *testing.T) {
	statuses := func() string {
		s := NewTest(t, WithSeed(42), WithFaults(Faults{ServerErrors: 0.5}))
		var b strings.Builder
		for range 20 {
			resp, _ := do(t, s, "GET", "/accounts/me", "")
			b.WriteString(strconv.Itoa(resp.StatusCode) + " ")
		}
		return b.String()
	}
	if a, b := statuses(), statuses(); a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
}
