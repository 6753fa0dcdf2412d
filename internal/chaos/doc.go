// Package chaos holds no code of its own: its tests drive the vessl client,
// its transport and its rate-limit budget end to end against
// internal/testserver under injected faults (5xx answers, connections cut
// mid-body, 429 storms whose headers lie, latency spikes, a server clock
// that is off), and check the promises of the SDK against the server's
// ground truth: no item lost, no write applied twice, the server's limit
// never exceeded, no run that hangs, and no token in any log line or error.
//
// SECURITY.md at the repository root lists which test checks which promise.
package chaos
