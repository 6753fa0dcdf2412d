// Package vessl is a client for the VESSL MLOps API (https://vessl.ai) that
// never gets a batch job throttled and never repeats a write it cannot
// prove was not applied.
//
// # Quick start
//
// Users of the official CLI (who ran `vessl configure`) need no setup:
//
//	client, err := vessl.NewClient()
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer client.Close()
//
//	me, _, err := client.Accounts.Me(ctx)
//	...
//	for exp, err := range client.Experiments.ListIter(ctx, "", "", nil) {
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Println(exp.Number, exp.Status)
//	}
//
// # Configuration
//
// NewClient takes each setting from the first of these that gives it:
//
//   - access token: WithToken, VESSL_ACCESS_TOKEN, access_token in the
//     configuration file;
//   - base URL: WithBaseURL, VESSL_API_HOST, https://api.vessl.ai;
//   - default organization: WithOrganization, VESSL_DEFAULT_ORGANIZATION,
//     default_organization in the configuration file;
//   - default project: WithProject, VESSL_DEFAULT_PROJECT, default_project in
//     the configuration file.
//
// The configuration file is the CLI's TOML file: WithConfigPath, else
// VESSL_CONFIG_PATH, else ~/.vessl/config, with the keys under a [user]
// table. Without a token NewClient returns ErrNoToken; a file that cannot be
// parsed gives a *ConfigFileError naming the file (never its contents).
// A plain http:// base URL is refused unless its host is loopback or
// WithInsecureHTTP is given.
//
// Methods that address an organization or a project take them as the
// arguments after ctx; "" means the client's default. Without a configured
// default organization the client, like the official SDK, uses the first
// organization the user belongs to (one GET /api/v1/organizations, on first
// use); ErrNoOrganization if there is none. Without a default project,
// ErrNoProject. Projects.Delete is the exception: it needs the project named.
//
// # Rate limits
//
// Every call goes through a rate-aware transport (package
// github.com/vessl-go/vessl-go/vessl/transport) that keeps one budget per host
// and credential, shared by all goroutines using the client: calls are paced
// to what the server's X-RateLimit-* headers allow, 429 answers are waited out
// and retried, and transient failures are retried only for requests that
// cannot apply a write twice. Each Response names the rate-limit observation
// it carried (Response.Rate); Client.Rate returns the latest one,
// Client.Budget().Snapshot() the budget's current state (limit, remaining
// estimate, reset, in flight, waiters) and Client.Transport().Stats() the
// counters (requests, 429s, retries, time waited). A 429 that could not be waited out (for example its reset lies
// beyond WithMaxWait) is returned as a *RateLimitError; a budget wait that
// would exceed WithMaxWait or the context's deadline fails at once with a
// *ratelimit.WaitError.
//
// # Errors
//
// Non-2xx answers are *APIError values (status, code, message, fields), and
// 429s *RateLimitError values (which unwrap to their *APIError); use
// errors.As. No error string, log line or formatted value of a Client ever
// contains the access token.
//
// # Requests
//
// The client sets Authorization itself on each request, so Go's redirect
// rules drop it on a redirect to another host. Every logical request carries a
// random X-Request-Id, the same on every retry, so a server can tell a retry
// from a second write.
//
// Writes (POST, PATCH) are repeated only after a 429, when the server did no
// work. After a network error or a 502/503/504 they are reported, not
// repeated, unless the server honours Idempotency-Key and the client was
// built WithIdempotencyKeys (or the call's context carries a key from
// ContextWithIdempotencyKey), or the call's context was made with
// transport.WithRetryUnsafe. The same rule decides whether a call whose 2xx
// answer broke off after the headers is sent again (see Client.Do).
// NewRequest and Do build and send requests to endpoints this package does
// not cover.
package vessl
