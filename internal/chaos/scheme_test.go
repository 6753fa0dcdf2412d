package chaos

import (
	"testing"

	"github.com/vessl-go/vessl-go/vessl"
)

// TestPlainHTTPRefused: a plain http:// base URL is refused for every host
// that is not loopback, including names built to look like loopback, and
// whether it comes from WithBaseURL or VESSL_API_HOST; the refusal never
// quotes the token. Loopback hosts and https are accepted.
func TestPlainHTTPRefused(t *testing.T) {
	refused := []string{
		"http://api.vessl.ai",
		"HTTP://api.vessl.ai/",
		"http://api.vessl.ai:443",
		"http://10.0.0.1:8080",
		"http://0.0.0.0",
		"http://localhost.evil.example",
		"http://127.0.0.1.evil.example",
		"http://127.0.0.1@evil.example",
		"http://evil.example#@127.0.0.1",
		"http://[::ffff:10.0.0.1]",
		"http://[fe80::1]",
		"http://2130706433", // 127.0.0.1 as a decimal integer: not a loopback host name
	}
	for _, u := range refused {
		_, err := vessl.NewClient(vessl.WithToken(secretToken), vessl.WithBaseURL(u),
			vessl.WithOrganization("o"), vessl.WithProject("p"))
		if err == nil {
			t.Errorf("NewClient(WithBaseURL(%q)) accepted a plain http:// URL for a remote host", u)
			continue
		}
		checkError(t, "refusal of "+u, err)
	}
	for _, u := range []string{"http://api.vessl.ai", "http://10.0.0.1:8080"} {
		t.Setenv(vessl.EnvAPIHost, u)
		if _, err := vessl.NewClient(vessl.WithToken(secretToken), vessl.WithOrganization("o"), vessl.WithProject("p")); err == nil {
			t.Errorf("NewClient with %s=%q accepted a plain http:// URL for a remote host", vessl.EnvAPIHost, u)
		}
	}
	t.Setenv(vessl.EnvAPIHost, "")
	for _, u := range []string{"https://api.vessl.ai", "api.vessl.ai", "http://localhost:8080", "http://127.0.0.1", "http://[::1]:80"} {
		c, err := vessl.NewClient(vessl.WithToken(secretToken), vessl.WithBaseURL(u), vessl.WithOrganization("o"), vessl.WithProject("p"))
		if err != nil {
			t.Errorf("NewClient(WithBaseURL(%q)) = %v; want it accepted", u, err)
			continue
		}
		_ = c.Close()
	}
}
