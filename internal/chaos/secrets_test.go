package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
	"github.com/vessl-go/vessl-go/vessl/transport"
)

// echoPath is answered by echoAuthorization with the caller's credentials,
// every time.
const echoPath = "/api/v1/echo-me"

// echoAuthorization wraps next with a hostile server: every 9th request, and
// every request to echoPath, is answered with an error whose body, in JSON,
// HTML or plain text, and whose headers quote the request's Authorization
// header back, as careless proxies and debug endpoints do.
func echoAuthorization(next http.Handler) http.Handler {
	var n atomic.Int64
	statuses := []int{400, 401, 403, 404, 409, 422, 429, 500, 502, 503}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if r.URL.Path != echoPath && i%9 != 0 {
			next.ServeHTTP(w, r)
			return
		}
		auth := r.Header.Get("Authorization")
		status := statuses[int(i/9)%len(statuses)]
		w.Header().Set("X-Echo-Authorization", auth)
		w.Header().Set("Www-Authenticate", `Token realm="`+auth+`"`)
		if ra := r.URL.Query().Get("retry-after"); ra != "" {
			// A 429 to wait out for longer than the client may wait.
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", ra)
		}
		switch i % 3 {
		case 0:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			b, _ := json.Marshal(map[string]any{
				"code":    "Echo",
				"message": "bad credentials: " + auth,
				"fields":  []map[string]any{{"name": "authorization", "value": auth, "message": "got " + auth}},
			})
			w.Write(b)
		case 1:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			fmt.Fprintf(w, "<html><body><h1>%d</h1><pre>Authorization: %s</pre></body></html>", status, auth)
		default:
			w.WriteHeader(status)
			fmt.Fprintf(w, "%s", auth)
		}
	})
}

// TestTokenNeverLeaks runs a batch through every failure the client can
// meet (5xx, cut bodies, lying and header-less 429s, malformed headers,
// HTML error pages, servers that quote the credentials back, 4xx errors,
// a wrong token, cancelled and over-long waits) with a debug-level logger,
// then checks that the token appears in no log line, no error (its text,
// its formatting with every verb, what it wraps and the exported fields of
// each), no Response, and no formatting of the Client, its options, budget
// or stats.
func TestTokenNeverLeaks(t *testing.T) {
	srv := testserver.New(
		testserver.WithDefaultToken(secretToken),
		testserver.WithLimits(testserver.Limit{Algorithm: testserver.FixedWindow, Requests: 200, Window: 500 * time.Millisecond}),
		testserver.WithRunDuration(30*time.Millisecond),
		testserver.WithFailureShare(0.1),
		testserver.WithFaults(testserver.Faults{
			ServerErrors: 0.1, ConnReset: 0.05, SpuriousThrottle: 0.01,
			MissingHeaders: 0.1, HTMLErrors: true,
			ClockOffset: -3 * time.Minute,
		}),
	)
	hs := httptest.NewServer(echoAuthorization(srv.Handler()))
	defer hs.Close()

	sink := &logSink{}
	log := sink.logger()
	hooked := sink.logger().With("from", "hook")
	option := vessl.WithToken(secretToken)
	client, err := vessl.NewClient(
		option,
		vessl.WithBaseURL(hs.URL),
		vessl.WithOrganization(srv.Organization()),
		vessl.WithProject(srv.Project()),
		vessl.WithLogger(log),
		vessl.WithMaxWait(5*time.Second),
		vessl.WithTransportOptions(
			transport.WithBackoff(2*time.Millisecond, 50*time.Millisecond),
			// What a user's hooks might log: the events as they are.
			transport.WithWaitHook(func(e transport.WaitEvent) { hooked.Debug("wait", "event", e) }),
			transport.WithRetryHook(func(e transport.RetryEvent) { hooked.Debug("retry", "event", e) }),
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	var errs []error
	var resps []*vessl.Response
	keep := func(resp *vessl.Response, err error) {
		if resp != nil {
			resps = append(resps, resp)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}

	// The batch, with its transient errors, retries and failed items.
	w := &workload{client: client, sweep: "secrets", poll: 10 * time.Millisecond, tries: 2}
	start := time.Now()
	out := w.run(ctx, 100, 16)
	t.Logf("batch: %v, %+v", time.Since(start), client.Transport().Stats())
	for _, o := range out {
		if o.Err != nil {
			errs = append(errs, o.Err)
		}
		checkNoLeak(t, "outcome cause of "+o.ID, o.Cause)
	}

	// Errors of every kind.
	_, resp, err := client.Experiments.Get(ctx, "", "", 987654)
	keep(resp, err)
	_, resp, err = client.Projects.Get(ctx, "", "no-such-project")
	keep(resp, err)
	_, resp, err = client.Experiments.Create(ctx, "", "", &vessl.ExperimentCreateRequest{})
	keep(resp, err)
	for _, q := range []string{"", "", "", "?retry-after=3600"} {
		req, err := client.NewRequest("GET", strings.TrimPrefix(echoPath, "/")+q, nil)
		if err != nil {
			t.Fatal(err)
		}
		keep(client.Do(ctx, req, nil))
	}
	var raw strings.Builder
	keep(client.Experiments.LogsRaw(ctx, "", "", 1, &raw))
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	_, resp, err = client.Experiments.Wait(cctx, "", "", 1, nil)
	keep(resp, err)
	for _, err := range client.Experiments.ListIter(cctx, "", "", nil) {
		keep(nil, err)
	}

	// A wrong token (which contains the right one) and a wait that cannot
	// end in time.
	wrong, err := vessl.NewClient(vessl.WithToken(secretToken+"-wrong"), vessl.WithBaseURL(hs.URL),
		vessl.WithOrganization(srv.Organization()), vessl.WithProject(srv.Project()), vessl.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	_, resp, err = wrong.Accounts.Me(ctx)
	keep(resp, err)
	short, sc := context.WithTimeout(ctx, time.Millisecond)
	_, resp, err = wrong.Accounts.Me(short)
	sc()
	keep(resp, err)

	// Options that refuse a bad value.
	for _, opt := range []vessl.Option{
		vessl.WithToken(secretToken + " with space"),
		vessl.WithToken(secretToken + "\n"),
		vessl.WithBaseURL("http://api.example.com/"),
	} {
		_, err := vessl.NewClient(opt, vessl.WithOrganization("o"), vessl.WithProject("p"), vessl.WithToken(secretToken))
		keep(nil, err)
	}

	// The checks.
	if len(errs) < 10 {
		t.Errorf("only %d errors collected; the faults did not bite", len(errs))
	}
	var apiErrs, rateErrs, waitErrs int
	for i, err := range errs {
		checkError(t, fmt.Sprintf("error %d (%T)", i, err), err)
		var ae *vessl.APIError
		var re *vessl.RateLimitError
		var we *ratelimit.WaitError
		apiErrs += btoi(errors.As(err, &ae))
		rateErrs += btoi(errors.As(err, &re))
		waitErrs += btoi(errors.As(err, &we))
	}
	for i, r := range resps {
		checkFormats(t, fmt.Sprintf("response %d", i), r)
		checkExported(t, fmt.Sprintf("response %d", i), r)
	}
	for _, c := range []*vessl.Client{client, wrong} {
		checkFormats(t, "*vessl.Client", c)
		checkFormats(t, "vessl.Client", reflect.ValueOf(c).Elem().Interface())
		checkExported(t, "*vessl.Client", c)
		checkFormats(t, "Client.Budget().Snapshot()", c.Budget().Snapshot())
		checkFormats(t, "Client.Rate()", c.Rate())
		checkFormats(t, "Client.Transport().Stats()", c.Transport().Stats())
		checkFormats(t, "Client.BaseURL()", c.BaseURL())
	}
	checkFormats(t, "vessl.Option", option)
	logs := sink.String()
	checkNoLeak(t, "the debug log", logs)
	classes := map[string]int{}
	for _, o := range out {
		if !o.OK {
			classes[causeClass(o)]++
		}
	}
	t.Logf("failed items by cause: %v", classes)
	t.Logf("checked %d errors (%d API, %d rate-limit, %d wait), %d responses, %d log lines (%d KiB)",
		len(errs), apiErrs, rateErrs, waitErrs, len(resps), sink.lines, len(logs)/1024)
	for _, want := range []string{"transport: retrying", "vessl: request", "status=401", "status=429"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the debug log has no %q line: the test did not exercise it", want)
		}
	}
	if apiErrs == 0 || rateErrs == 0 || waitErrs == 0 {
		t.Error("some kind of error was not collected")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTokenNotInPanics: a panic raised while the SDK is on the stack (in a
// retry hook, in an OnPoll callback) that carries the SDK's own values (the
// event, the client, the error) prints no token, and neither does the stack
// trace.
func TestTokenNotInPanics(t *testing.T) {
	srv := testserver.New(testserver.WithDefaultToken(secretToken), testserver.WithRunDuration(20*time.Millisecond))
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	client, err := vessl.NewClient(
		vessl.WithToken(secretToken), vessl.WithBaseURL(hs.URL),
		vessl.WithOrganization(srv.Organization()), vessl.WithProject(srv.Project()),
		vessl.WithTransportOptions(
			transport.WithBackoff(time.Millisecond, time.Millisecond),
			transport.WithRetryHook(func(e transport.RetryEvent) { panic(e) }),
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	check := func(name string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if r == nil {
				t.Errorf("%s did not panic", name)
				return
			}
			checkNoLeak(t, name+": panic value", fmt.Sprint(r))
			checkNoLeak(t, name+": panic value %+v", fmt.Sprintf("%+v", r))
			checkNoLeak(t, name+": panic value %#v", fmt.Sprintf("%#v", r))
			checkNoLeak(t, name+": stack", string(debug.Stack()))
		}()
		f()
	}
	ctx := t.Context()
	check("panic(RetryEvent) in a retry hook", func() {
		srv.SetFaults(testserver.Faults{ServerErrors: 1})
		defer srv.SetFaults(testserver.Faults{})
		_, _, _ = client.Accounts.Me(ctx)
	})
	check("panic(client) in OnPoll", func() {
		_, _, _ = client.Experiments.Wait(ctx, "", "", 1, &vessl.WaitOptions{OnPoll: func(string) { panic(client) }})
	})
	check("panic(err) of a failed call", func() {
		_, _, err := client.Projects.Get(ctx, "", "no-such-project")
		panic(err)
	})
	check("panic(fmt.Sprintf(%v, *client))", func() {
		panic(fmt.Sprintf("%v", reflect.ValueOf(client).Elem().Interface()))
	})
}
