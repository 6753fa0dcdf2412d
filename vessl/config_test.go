package vessl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const fileToken = "file-token-123"

const goodConfig = `
[user]
access_token = "` + fileToken + `"
default_organization = "file-org"
default_project = "file-project"
workspace = "ignored"
`

func TestConfigResolution(t *testing.T) {
	good := writeConfig(t, goodConfig)
	partial := writeConfig(t, "[user]\ndefault_project = \"file-project\"\n")
	tests := []struct {
		name     string
		env      map[string]string
		opts     []Option
		wantTok  string
		wantBase string
		wantOrg  string
		wantProj string
	}{{
		name:     "options win over everything",
		env:      map[string]string{EnvAccessToken: "env-token", EnvAPIHost: "https://env.example", EnvDefaultOrganization: "env-org", EnvDefaultProject: "env-project", EnvConfigPath: good},
		opts:     []Option{WithToken("opt-token"), WithBaseURL("https://opt.example/prefix"), WithOrganization("opt-org"), WithProject("opt-project")},
		wantTok:  "opt-token",
		wantBase: "https://opt.example/prefix/",
		wantOrg:  "opt-org",
		wantProj: "opt-project",
	}, {
		name:     "environment wins over the file",
		env:      map[string]string{EnvAccessToken: "env-token", EnvAPIHost: "https://env.example", EnvDefaultOrganization: "env-org", EnvDefaultProject: "env-project", EnvConfigPath: good},
		wantTok:  "env-token",
		wantBase: "https://env.example/",
		wantOrg:  "env-org",
		wantProj: "env-project",
	}, {
		name:     "file from VESSL_CONFIG_PATH",
		env:      map[string]string{EnvConfigPath: good},
		wantTok:  fileToken,
		wantBase: DefaultBaseURL,
		wantOrg:  "file-org",
		wantProj: "file-project",
	}, {
		name:     "WithConfigPath wins over VESSL_CONFIG_PATH",
		env:      map[string]string{EnvConfigPath: "/nonexistent/config"},
		opts:     []Option{WithConfigPath(good)},
		wantTok:  fileToken,
		wantBase: DefaultBaseURL,
		wantOrg:  "file-org",
		wantProj: "file-project",
	}, {
		name:     "mixed sources",
		env:      map[string]string{EnvAccessToken: "env-token", EnvConfigPath: partial, EnvAPIHost: "api.dev.example"},
		opts:     []Option{WithOrganization("opt-org")},
		wantTok:  "env-token",
		wantBase: "https://api.dev.example/",
		wantOrg:  "opt-org",
		wantProj: "file-project",
	}, {
		name:     "file not read when options say everything",
		env:      map[string]string{EnvConfigPath: "/nonexistent/config"},
		opts:     []Option{WithToken("opt-token"), WithOrganization("o"), WithProject("p")},
		wantTok:  "opt-token",
		wantBase: DefaultBaseURL,
		wantOrg:  "o",
		wantProj: "p",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(append([]Option{withEnv(tt.env)}, tt.opts...)...)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			defer c.Close()
			if got := string(*c.token); got != tt.wantTok {
				t.Errorf("token = %q; want %q", got, tt.wantTok)
			}
			if got := c.BaseURL().String(); got != tt.wantBase {
				t.Errorf("base URL = %q; want %q", got, tt.wantBase)
			}
			if got := c.Organization(); got != tt.wantOrg {
				t.Errorf("organization = %q; want %q", got, tt.wantOrg)
			}
			if got := c.Project(); got != tt.wantProj {
				t.Errorf("project = %q; want %q", got, tt.wantProj)
			}
		})
	}
}

func TestConfigDefaultFileInHome(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".vessl"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".vessl", "config"), []byte(goodConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	inHome := func(s *settings) error {
		s.homeDir = func() (string, error) { return home, nil }
		return nil
	}
	c, err := NewClient(withEnv(nil), inHome)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	if string(*c.token) != fileToken || c.Organization() != "file-org" {
		t.Errorf("client = %v; want the file's token and org", c)
	}
}

func TestConfigErrors(t *testing.T) {
	malformed := writeConfig(t, "[user]\naccess_token = \""+fileToken+"\nbroken")
	wrongType := writeConfig(t, "[user]\naccess_token = 12345\n")
	noToken := writeConfig(t, "[user]\ndefault_organization = \"o\"\n")
	tests := []struct {
		name    string
		env     map[string]string
		opts    []Option
		check   func(error) bool
		mention string // the error text must contain this
	}{{
		name:    "no token anywhere",
		env:     map[string]string{},
		check:   func(err error) bool { return errors.Is(err, ErrNoToken) },
		mention: EnvAccessToken,
	}, {
		name:    "file without a token",
		env:     map[string]string{EnvConfigPath: noToken},
		check:   func(err error) bool { return errors.Is(err, ErrNoToken) },
		mention: "WithToken",
	}, {
		name:    "malformed file",
		env:     map[string]string{EnvConfigPath: malformed},
		check:   func(err error) bool { var ce *ConfigFileError; return errors.As(err, &ce) && ce.Path == malformed },
		mention: malformed,
	}, {
		name:    "wrong type in file",
		env:     map[string]string{EnvConfigPath: wrongType},
		check:   func(err error) bool { var ce *ConfigFileError; return errors.As(err, &ce) },
		mention: wrongType,
	}, {
		name:    "named file missing",
		env:     map[string]string{EnvConfigPath: "/nonexistent/vessl/config"},
		check:   func(err error) bool { return errors.Is(err, os.ErrNotExist) },
		mention: "/nonexistent/vessl/config",
	}, {
		name:    "plain http to a remote host",
		opts:    []Option{WithToken("t"), WithBaseURL("http://api.example.com")},
		check:   func(err error) bool { return err != nil },
		mention: "WithInsecureHTTP",
	}, {
		name:    "plain http from the environment",
		env:     map[string]string{EnvAPIHost: "http://10.0.0.1:8080"},
		opts:    []Option{WithToken("t")},
		check:   func(err error) bool { return err != nil },
		mention: "10.0.0.1",
	}, {
		name:    "token with a newline",
		opts:    []Option{WithToken("abc\r\nX-Evil: 1")},
		check:   func(err error) bool { return err != nil },
		mention: "control character",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(append([]Option{withEnv(tt.env)}, tt.opts...)...)
			if err == nil {
				c.Close()
				t.Fatal("NewClient: err = nil; want an error")
			}
			if !tt.check(err) {
				t.Errorf("NewClient: err = %v (%T); wrong kind", err, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("NewClient: err = %q; want it to mention %q", err, tt.mention)
			}
			if strings.Contains(err.Error(), fileToken) || strings.Contains(err.Error(), "Evil") {
				t.Errorf("NewClient: err = %q reveals the token", err)
			}
			if !strings.HasPrefix(err.Error(), "vessl: ") {
				t.Errorf("NewClient: err = %q; want the vessl: prefix", err)
			}
		})
	}
}

func TestOptionValidation(t *testing.T) {
	bad := []struct {
		name string
		opt  Option
	}{
		{"empty token", WithToken("")},
		{"empty base URL", WithBaseURL("")},
		{"ftp base URL", WithBaseURL("ftp://x")},
		{"base URL with query", WithBaseURL("https://x/?a=b")},
		{"base URL with user", WithBaseURL("https://u:p@x/")},
		{"nil http client", WithHTTPClient(nil)},
		{"empty organization", WithOrganization("")},
		{"organization with slash", WithOrganization("a/b")},
		{"project with control char", WithProject("a\x00")},
		{"user agent with newline", WithUserAgent("a\nb")},
		{"nil logger", WithLogger(nil)},
		{"negative max wait", WithMaxWait(-1)},
		{"nil scope", WithScope(nil)},
		{"nil limiter", WithLimiter(nil)},
		{"empty config path", WithConfigPath("")},
	}
	for _, tt := range bad {
		if _, err := NewClient(withEnv(nil), WithToken("t"), tt.opt); err == nil || !strings.HasPrefix(err.Error(), "vessl: ") {
			t.Errorf("%s: NewClient err = %v; want a vessl: error", tt.name, err)
		}
	}
}

func TestLoopbackHTTPAllowed(t *testing.T) {
	for _, u := range []string{"http://localhost:8080", "http://127.0.0.1", "http://127.9.9.9:1", "http://[::1]:80"} {
		c, err := NewClient(withEnv(nil), WithToken("t"), WithBaseURL(u))
		if err != nil {
			t.Errorf("NewClient(%s) = %v; want loopback allowed", u, err)
			continue
		}
		c.Close()
	}
	c, err := NewClient(withEnv(nil), WithToken("t"), WithBaseURL("http://api.example.com"), WithInsecureHTTP())
	if err != nil {
		t.Errorf("NewClient(http remote, WithInsecureHTTP) = %v; want allowed", err)
	} else {
		c.Close()
	}
}

func TestFormatHidesToken(t *testing.T) {
	c, err := NewClient(withEnv(nil), WithToken(testToken), WithOrganization("o"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := defaultSettings()
	_ = WithToken(testToken)(s)
	for _, v := range []any{c, s, *s, s.token, secret(testToken), WithToken(testToken), struct{ C *Client }{c}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, testToken) || strings.Contains(out, fmt.Sprintf("%x", testToken)) ||
				strings.Contains(out, fmt.Sprintf("%X", testToken)) {
				t.Errorf("Sprintf(%s, %T) = %s reveals the token", verb, v, out)
			}
		}
	}
	if got := c.String(); !strings.Contains(got, `Organization: "o"`) {
		t.Errorf("String() = %s; want it to show the organization", got)
	}
}

// TestConfigFromProcessEnvironment checks the real wiring (os.LookupEnv,
// os.UserHomeDir, os.ReadFile) once, with a temporary HOME.
func TestConfigFromProcessEnvironment(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv(EnvConfigPath, "")
	t.Setenv(EnvAccessToken, "env-token")
	t.Setenv(EnvAPIHost, "https://api.example.test")
	t.Setenv(EnvDefaultOrganization, "env-org")
	t.Setenv(EnvDefaultProject, "")
	if err := os.MkdirAll(filepath.Join(home, ".vessl"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".vessl", "config"), []byte(goodConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient()
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	if string(*c.token) != "env-token" || c.BaseURL().Host != "api.example.test" || c.Organization() != "env-org" || c.Project() != "file-project" {
		t.Errorf("client = %v; want the environment's token, host and org, the file's project", c)
	}
}
