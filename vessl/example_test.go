package vessl_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// The examples run against internal/testserver, a fake VESSL API on
// 127.0.0.1. Against the real API, vessl.NewClient() with no options reads
// the token, organization and project the CLI stored.

func ExampleNewClient() {
	srv := testserver.Start()
	defer srv.Close()

	client, err := vessl.NewClient(
		vessl.WithBaseURL(srv.URL), // default: VESSL_API_HOST or https://api.vessl.ai
		vessl.WithToken(srv.Token()),
		vessl.WithOrganization("demo-org"),
		vessl.WithProject("demo-project"),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	me, _, err := client.Accounts.Me(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Username)
	// Printing the client, with any verb, never shows the token.
	fmt.Println(strings.Contains(fmt.Sprintf("%#v", client), srv.Token()))
	// Output:
	// demo-user
	// false
}

func ExampleExperimentsService_ListIter() {
	srv := testserver.Start()
	defer srv.Close()
	client := newExampleClient(srv)
	defer client.Close()

	// Pages of two: the iterator fetches the next page when it needs it,
	// and does not modify opts.
	opts := &vessl.ExperimentListOptions{ListOptions: vessl.ListOptions{Limit: 2}}
	for exp, err := range client.Experiments.ListIter(context.Background(), "", "", opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("#%d %-9s %s\n", exp.Number, exp.Status, exp.Message)
	}
	// Output:
	// #1 completed baseline
	// #2 failed    lr sweep 0.01
	// #3 completed lr sweep 0.001
}

func ExampleExperimentsService_Wait() {
	srv := testserver.Start(testserver.WithRunDuration(50 * time.Millisecond))
	defer srv.Close()
	client := newExampleClient(srv)
	defer client.Close()
	ctx := context.Background()

	clusters, _, err := client.Clusters.List(ctx, "", nil)
	if err != nil {
		log.Fatal(err)
	}
	exp, _, err := client.Experiments.Create(ctx, "", "", &vessl.ExperimentCreateRequest{
		ClusterID:    clusters[0].ID,
		ImageURL:     "quay.io/vessl-ai/torch:2.1.0-cuda12.2-r3",
		StartCommand: "python train.py",
		Message:      "example",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", exp.Status)

	// Every poll spends the same rate-limit budget as any other call.
	exp, _, err = client.Experiments.Wait(ctx, "", "", exp.Number, &vessl.WaitOptions{PollInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("finished:", exp.Status)
	// Output:
	// created: pending
	// finished: completed
}

func ExampleRateLimitError() {
	// A server allowing one request per hour that says nothing until it
	// answers 429 with Retry-After.
	srv := testserver.Start(
		testserver.WithLimits(testserver.Limit{Algorithm: testserver.SlidingLog, Requests: 1, Window: time.Hour}),
		testserver.WithHeaders(testserver.HeaderStyle{RetryAfter: true}),
	)
	defer srv.Close()
	// Waits longer than a second are not worth it here: fail instead.
	client := newExampleClient(srv, vessl.WithMaxWait(time.Second))
	defer client.Close()
	ctx := context.Background()

	for i := range 3 {
		_, _, err := client.Accounts.Me(ctx)
		var rle *vessl.RateLimitError
		var we *ratelimit.WaitError
		switch {
		case errors.As(err, &rle):
			// The server refused; it asked to come back after RetryAfter.
			fmt.Printf("call %d: rate limited (%d), retry after %v\n", i+1, rle.StatusCode, rle.RetryAfter)
		case errors.As(err, &we):
			// The client knew the budget was spent and did not even ask.
			fmt.Printf("call %d: not sent, the budget refills in more than %v\n", i+1, we.Max)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Printf("call %d: ok\n", i+1)
		}
	}
	// Output:
	// call 1: ok
	// call 2: rate limited (429), retry after 1h0m0s
	// call 3: not sent, the budget refills in more than 1s
}

func newExampleClient(srv *testserver.Server, opts ...vessl.Option) *vessl.Client {
	client, err := vessl.NewClient(append([]vessl.Option{
		vessl.WithBaseURL(srv.URL),
		vessl.WithToken(srv.Token()),
		vessl.WithOrganization(srv.Organization()),
		vessl.WithProject(srv.Project()),
	}, opts...)...)
	if err != nil {
		log.Fatal(err)
	}
	return client
}
