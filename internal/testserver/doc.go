// Package testserver is a fake VESSL API for tests, examples and benchmarks:
// the endpoints of the real API (same paths, JSON keys, list envelope and
// error body), created experiments and runs that move through their statuses
// over time, real server-side rate-limit algorithms, fault injection, and a
// ground truth that tells whether a client ever broke a limit or applied a
// write twice.
//
// It imports none of the SDK's packages, so a bug shared with the client
// cannot hide in both.
//
// Typical use in a test:
//
//	srv := testserver.NewTest(t,
//		testserver.WithLimits(testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 10, Window: time.Second}),
//		testserver.WithRunDuration(50*time.Millisecond))
//	// point a client at srv.URL with token srv.Token() ("test-token"),
//	// organization "demo-org" and project "demo-project", run the workload, then:
//	if st := srv.Stats(srv.Token()); st.Exceeded || srv.Duplicates() > 0 { t.Fatal(st) }
//
// # Defaults
//
// Token "test-token"; organization "demo-org" with projects "demo-project"
// and "sandbox"; three experiments and three runs in demo-project; three
// clusters, two model repositories, two model services with two revisions
// each, two datasets (WithSeedData adds more, for lists of several pages).
// No rate limit unless WithLimits or WithToken says so.
// Created experiments and runs take DefaultRunDuration (2 s): pending for the
// first fifth, then running, then completed (or failed: WithFailureShare, or
// an experiment hyperparameter fail=true, or a run spec line "fail: true").
// Lists are ordered by creation, oldest first (order_direction=desc reverses
// them), with limit (default 20, at most 200) and offset.
//
// # Wire details a client needs
//
// Creates answer 201 (project, experiment, model repository, and
// create_from_yaml with {"run_execution": {...}}); DELETE answers 204 with no
// body; terminate answers 200 with the object, or 400 "InvalidStatus" if it
// had already finished. Experiment statuses: pending, running, completed,
// failed, terminated; run statuses: pending, running, completed, failed,
// stopped (after terminate). Experiment "hyperparameters" is a list of
// {"key", "value"} string pairs; a create also accepts an object or
// ["k=v"] strings. An experiment create needs "start_command"; an invalid
// create is a 400 with "fields". Logs are {"logs": [{"timestamp" (Unix
// seconds, float), "message", "stream"}]}, filtered by after/before/limit
// (runs: log_start/log_end/log_limit).
//
// # Rate limiting
//
// Each token has its own buckets, one per Limit; a Limit applies to every
// route or to one route group (GroupRead, GroupWrite, GroupCreate, GroupLogs).
// Algorithms: FixedWindow, SlidingLog, SlidingCounter, TokenBucket (GCRA),
// None. Headers follow a HeaderStyle: X-RateLimit-* with the reset as delta
// seconds (default), epoch seconds or epoch milliseconds, the IETF
// RateLimit/RateLimit-Policy fields, Retry-After on 429, or nothing. A 429
// carries the VESSL error body with a link to RateLimitDocsURL.
//
// # Ground truth
//
// Stats reports per token what was admitted and throttled and whether any
// bucket's limit was ever exceeded; Admissions gives the admission times.
// Every applied write (POST, PATCH, DELETE answered 2xx) is counted by its
// X-Request-Id: WriteCounts and Duplicates prove that no write was applied
// twice. A write with an Idempotency-Key already seen is answered from the
// stored response and not applied again; while the first one is still being
// applied, the repeat gets 409 Conflict with Retry-After: 1.
//
// # Faults
//
// Faults (WithFaults, Server.SetFaults) injects latency, 5xx answers,
// connections cut mid-body, 429s that break the headers' promise, malformed
// or missing rate-limit headers, a server clock offset and HTML error pages.
//
// The command internal/testserver/cmd/vessl-testserver serves it standalone.
package testserver
