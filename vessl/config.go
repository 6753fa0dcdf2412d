package vessl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// Environment variables read by NewClient, the same names the official VESSL
// CLI and Python SDK use.
const (
	EnvAccessToken         = "VESSL_ACCESS_TOKEN"
	EnvAPIHost             = "VESSL_API_HOST"
	EnvConfigPath          = "VESSL_CONFIG_PATH"
	EnvDefaultOrganization = "VESSL_DEFAULT_ORGANIZATION"
	EnvDefaultProject      = "VESSL_DEFAULT_PROJECT"
)

// DefaultBaseURL is the VESSL API host used when neither WithBaseURL nor
// VESSL_API_HOST says otherwise.
const DefaultBaseURL = "https://api.vessl.ai/"

// ErrNoToken is returned by NewClient when no access token was found. Its
// message names the three ways to provide one.
var ErrNoToken = errors.New("vessl: no access token: pass vessl.WithToken, set " +
	EnvAccessToken + ", or run `vessl configure` to write access_token under [user] in ~/.vessl/config (or the file named by " +
	EnvConfigPath + ")")

// ConfigFileError reports a configuration file that exists but cannot be read
// or parsed. It names the file, never its contents.
type ConfigFileError struct {
	Path string
	Err  error
}

// Error names the file and the cause.
func (e *ConfigFileError) Error() string {
	return fmt.Sprintf("vessl: config file %s: %v", e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *ConfigFileError) Unwrap() error { return e.Err }

// fileConfig is the part of the CLI's TOML configuration the client uses.
type fileConfig struct {
	User struct {
		AccessToken         secret `toml:"access_token"`
		DefaultOrganization string `toml:"default_organization"`
		DefaultProject      string `toml:"default_project"`
	} `toml:"user"`
}

// configPath returns the configuration file to read: the explicit path, else
// VESSL_CONFIG_PATH, else ~/.vessl/config. explicit reports whether the
// caller named the file (a missing explicit file is an error; a missing
// default file is not).
func (s *settings) configPath() (path string, explicit bool, err error) {
	if s.configFile != "" {
		return s.configFile, true, nil
	}
	if p, ok := s.lookupEnv(EnvConfigPath); ok && p != "" {
		return p, true, nil
	}
	home, err := s.homeDir()
	if err != nil || home == "" {
		// No home directory (e.g. a service account): no default file.
		return "", false, nil
	}
	return filepath.Join(home, ".vessl", "config"), false, nil
}

// readConfigFile loads the file named by configPath. A missing default file
// yields an empty configuration.
func (s *settings) readConfigFile() (*fileConfig, error) {
	path, explicit, err := s.configPath()
	if err != nil || path == "" {
		return &fileConfig{}, err
	}
	data, err := s.readFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			return &fileConfig{}, nil
		}
		return nil, &ConfigFileError{Path: path, Err: scrubPathError(err)}
	}
	var fc fileConfig
	if _, err := toml.Decode(string(data), &fc); err != nil {
		// toml's parse errors quote the offending line, which may hold
		// the token: keep only the position.
		return nil, &ConfigFileError{Path: path, Err: tomlErrorWithoutText(err)}
	}
	return &fc, nil
}

// scrubPathError drops the path from an *fs.PathError (ConfigFileError
// already names it) and keeps the cause.
func scrubPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// errMalformed is the cause reported for a config file that is not valid TOML
// of the expected shape.
var errMalformed = errors.New("malformed TOML")

func tomlErrorWithoutText(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w at line %d", errMalformed, pe.Position.Line)
	}
	// Type mismatches (e.g. access_token = 1) name keys, not values, but
	// stay conservative.
	return errMalformed
}

// resolve fills in every setting that no option gave, from the environment
// and the configuration file, in the documented order: option, environment,
// file. The file is read only if something is still missing.
func (s *settings) resolve() error {
	if s.token == "" {
		if v, ok := s.lookupEnv(EnvAccessToken); ok && v != "" {
			s.token = secret(v)
		}
	}
	if s.organization == "" {
		if v, ok := s.lookupEnv(EnvDefaultOrganization); ok {
			s.organization = v
		}
	}
	if s.project == "" {
		if v, ok := s.lookupEnv(EnvDefaultProject); ok {
			s.project = v
		}
	}
	if s.token == "" || s.organization == "" || s.project == "" {
		fc, err := s.readConfigFile()
		if err != nil {
			return err
		}
		if s.token == "" {
			s.token = fc.User.AccessToken
		}
		if s.organization == "" {
			s.organization = fc.User.DefaultOrganization
		}
		if s.project == "" {
			s.project = fc.User.DefaultProject
		}
	}
	if s.token == "" {
		return ErrNoToken
	}
	if err := validateToken(string(s.token)); err != nil {
		return err
	}
	if s.baseURL == nil {
		raw := DefaultBaseURL
		if v, ok := s.lookupEnv(EnvAPIHost); ok && v != "" {
			raw = v
		}
		u, err := parseBaseURL(raw)
		if err != nil {
			return fmt.Errorf("vessl: %s: %w", EnvAPIHost, err)
		}
		s.baseURL = u
	}
	return checkScheme(s.baseURL, s.insecureHTTP)
}

// defaultSettings returns settings that read the real environment and file
// system.
func defaultSettings() *settings {
	return &settings{
		lookupEnv: os.LookupEnv,
		homeDir:   os.UserHomeDir,
		readFile:  os.ReadFile,
		userAgent: defaultUserAgent,
	}
}
