package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
)

// TestQuickstart runs the example against the fake API, configured through
// the environment exactly as a user's shell would.
func TestQuickstart(t *testing.T) {
	srv := testserver.NewTest(t, testserver.WithSeedData(testserver.SeedData{Experiments: 30}))
	t.Setenv("HOME", t.TempDir())
	t.Setenv(vessl.EnvConfigPath, "")
	t.Setenv(vessl.EnvAPIHost, srv.URL)
	t.Setenv(vessl.EnvAccessToken, srv.Token())
	t.Setenv(vessl.EnvDefaultOrganization, srv.Organization())
	t.Setenv(vessl.EnvDefaultProject, srv.Project())

	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "project "+srv.Project()) {
		t.Errorf("output lacks the project %q:\n%s", srv.Project(), got)
	}
	// 3 seeded experiments plus 30 more: the iterator crosses pages.
	if n := strings.Count(got, "experiment #"); n != 33 {
		t.Errorf("listed %d experiments; want 33:\n%s", n, got)
	}
}
