package chaos

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vessl-go/vessl-go/vessl"
)

// TestConfigErrorsHideToken: a configuration file that holds the token but
// cannot be used (broken TOML in several ways, a token with a space or a
// newline) gives an error that names the file and never holds the token:
// not its text, its formatting with any verb, what it wraps, nor the
// exported fields of each.
func TestConfigErrorsHideToken(t *testing.T) {
	for _, env := range []string{vessl.EnvAccessToken, vessl.EnvAPIHost, vessl.EnvDefaultOrganization, vessl.EnvDefaultProject, vessl.EnvConfigPath} {
		t.Setenv(env, "")
	}
	files := map[string]string{
		"unterminated": "[user]\naccess_token = \"" + secretToken + "\ndefault_project = \"p\"\n",
		"bad key":      "[user]\n" + secretToken + " = = \"x\"\n",
		"duplicate":    "[user]\naccess_token = \"a\"\naccess_token = \"" + secretToken + "\"\n",
		"wrong type":   "[user]\naccess_token = [\"" + secretToken + "\"]\n",
		"space":        "[user]\naccess_token = \"" + secretToken + " x\"\n",
		"newline":      "[user]\naccess_token = \"" + secretToken + "\\n\"\n",
		"multiline":    "[user]\naccess_token = \"\"\"\n" + secretToken + "\n",
	}
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := vessl.NewClient(vessl.WithConfigPath(path), vessl.WithBaseURL("https://api.vessl.ai"))
		if err == nil {
			t.Errorf("%s: NewClient accepted the file", name)
			continue
		}
		var ce *vessl.ConfigFileError
		if errors.As(err, &ce) && ce.Path != path {
			t.Errorf("%s: ConfigFileError.Path = %q; want %q", name, ce.Path, path)
		}
		checkError(t, name, err)
	}
}
