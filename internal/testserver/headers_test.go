package testserver

import (
	"net/http"
	"testing"
	"time"
)

func TestFormatReset(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC) // Unix 1767225610
	for _, tc := range []struct {
		f     ResetFormat
		reset time.Duration
		want  string
	}{
		{ResetDelta, 1500 * time.Millisecond, "2"}, // rounded up
		{ResetDelta, time.Second, "1"},
		{ResetDelta, 0, "0"},
		{ResetDelta, -time.Second, "0"},
		{ResetEpoch, 1500 * time.Millisecond, "1767225612"},
		{ResetEpoch, 2 * time.Second, "1767225612"},
		{ResetEpochMillis, 1500 * time.Millisecond, "1767225611500"},
		{ResetEpochMillis, 1500*time.Millisecond + 1, "1767225611501"},
		{"", 3 * time.Second, "3"}, // zero value is delta
		{ResetDeltaFrac, 1250 * time.Millisecond, "1.250"},
		{ResetDeltaFrac, 1, "0.001"},
		{ResetHTTPDate, 1500 * time.Millisecond, "Thu, 01 Jan 2026 00:00:12 GMT"},
		{ResetRFC3339, 1500 * time.Millisecond, "2026-01-01T00:00:11.500Z"},
	} {
		if got := formatReset(tc.f, tc.reset, now); got != tc.want {
			t.Errorf("formatReset(%q, %v) = %s; want %s", tc.f, tc.reset, got, tc.want)
		}
	}
}

func TestHeaderStyles(t *testing.T) {
	limit := Limit{Algorithm: SlidingLog, Requests: 5, Window: time.Minute}
	create := Limit{Algorithm: FixedWindow, Requests: 1, Window: 10 * time.Second, Group: GroupCreate}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		style  HeaderStyle
		limits []Limit
		method string
		path   string
		n      int // requests sent; headers of the last are checked
		want   map[string]string
	}{
		{"default delta", DefaultHeaders(), []Limit{limit}, "GET", "/accounts/me", 1,
			map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4", "X-RateLimit-Reset": "60", "RateLimit": "", "Retry-After": ""}},
		{"epoch", HeaderStyle{XRateLimit: true, Reset: ResetEpoch}, []Limit{limit}, "GET", "/accounts/me", 1,
			map[string]string{"X-RateLimit-Reset": "1767225660"}},
		{"epoch-ms", HeaderStyle{XRateLimit: true, Reset: ResetEpochMillis}, []Limit{limit}, "GET", "/accounts/me", 1,
			map[string]string{"X-RateLimit-Reset": "1767225660000"}},
		{"ietf only", HeaderStyle{IETF: true}, []Limit{limit}, "GET", "/accounts/me", 2,
			map[string]string{"RateLimit-Policy": `"default";q=5;w=60`, "RateLimit": `"default";r=3;t=60`, "X-RateLimit-Limit": ""}},
		{"none", HeaderStyle{}, []Limit{limit}, "GET", "/accounts/me", 1,
			map[string]string{"X-RateLimit-Limit": "", "RateLimit": ""}},
		{"retry-after on 429", HeaderStyle{XRateLimit: true, RetryAfter: true}, []Limit{create}, "POST", "/organizations/demo-org/projects", 2,
			map[string]string{"Retry-After": "10", "X-RateLimit-Remaining": "0"}},
		{"group governs", HeaderStyle{XRateLimit: true, IETF: true}, []Limit{limit, create}, "POST", "/organizations/demo-org/projects", 1,
			map[string]string{"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0",
				"RateLimit-Policy": `"default";q=5;w=60, "create";q=1;w=10`, "RateLimit": `"create";r=0;t=10`}},
		{"group not on reads", DefaultHeaders(), []Limit{create}, "GET", "/accounts/me", 1,
			map[string]string{"X-RateLimit-Limit": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewTest(t, WithClock(NewManualClock(start)), WithHeaders(tc.style), WithLimits(tc.limits...))
			var resp *http.Response
			for i := range tc.n {
				body := `{"name":"p` + string(rune('a'+i)) + `"}`
				resp, _ = do(t, s, tc.method, tc.path, body)
			}
			for k, want := range tc.want {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q; want %q", k, got, want)
				}
			}
		})
	}
}

func TestNoLimitNoHeaders(t *testing.T) {
	s := NewTest(t)
	resp, _ := do(t, s, "GET", "/accounts/me", "")
	if v := resp.Header.Get("X-RateLimit-Limit"); v != "" {
		t.Errorf("unlimited server sent X-RateLimit-Limit %q", v)
	}
}

func TestPerTokenBuckets(t *testing.T) {
	s := NewTest(t,
		WithLimits(Limit{Algorithm: FixedWindow, Requests: 1, Window: time.Hour}),
		WithToken("other", Limit{Algorithm: FixedWindow, Requests: 2, Window: time.Hour}),
		WithToken("free", Limit{Algorithm: None}))
	for _, tc := range []struct {
		token string
		n     int
		admit int
	}{{"test-token", 3, 1}, {"other", 3, 2}, {"free", 3, 3}} {
		for range tc.n {
			doToken(t, s, tc.token, "GET", "/accounts/me", "")
		}
		if st := s.Stats(tc.token); st.Admitted != tc.admit || st.Throttled != tc.n-tc.admit {
			t.Errorf("%s: Stats = %+v; want %d admitted", tc.token, st, tc.admit)
		}
	}
}

func TestObserveMode(t *testing.T) {
	s := NewTest(t, WithLimits(Limit{Algorithm: SlidingLog, Requests: 2, Window: time.Hour, Observe: true}))
	for range 3 {
		if resp, _ := do(t, s, "GET", "/accounts/me", ""); resp.StatusCode != 200 {
			t.Fatalf("observe mode answered %d", resp.StatusCode)
		}
	}
	if st := s.Stats(s.Token()); !st.Exceeded || st.MaxInWindow != 3 {
		t.Errorf("Stats = %+v; want exceeded with 3 in the window", st)
	}
}

func TestLimitsAccessor(t *testing.T) {
	l := Limit{Algorithm: FixedWindow, Requests: 3, Window: time.Second}
	s := New(WithLimits(l, Limit{Algorithm: None}), WithToken("free", Limit{Algorithm: None}))
	if got := s.Limits(s.Token()); len(got) != 1 || got[0] != l {
		t.Errorf("Limits(default) = %v; want [%v]", got, l)
	}
	if got := s.Limits("free"); got != nil {
		t.Errorf("Limits(free) = %v; want nil", got)
	}
}
