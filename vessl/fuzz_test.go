package vessl

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// FuzzCheckResponse: any status and body give a *APIError (or
// *RateLimitError) whose text is valid UTF-8, bounded, and never holds the
// token.
func FuzzCheckResponse(f *testing.F) {
	f.Add(400, `{"code":"x","message":"y","fields":[{"name":"a","message":"b"}]}`)
	f.Add(429, "<html>slow down</html>")
	f.Add(500, "\xff\x00"+testToken)
	f.Add(503, `{"message":"`+testToken+`"}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 300 || status > 599 {
			return
		}
		r := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"1"}}, Body: io.NopCloser(strings.NewReader(body))}
		err := checkResponse(r, ratelimit.Observation{Status: status}, testToken)
		if err == nil {
			t.Fatal("checkResponse = nil for a non-2xx status")
		}
		msg := err.Error()
		if strings.Contains(msg, testToken) {
			t.Errorf("error %q contains the token", msg)
		}
		if len(body) <= maxErrorBody && !utf8.ValidString(msg) && utf8.ValidString(body) {
			t.Errorf("error %q is not valid UTF-8", msg)
		}
		if len(msg) > 2*maxErrorBody+1024 {
			t.Errorf("error has %d bytes", len(msg))
		}
	})
}

// FuzzConfigFile: any file content either parses or gives a
// *ConfigFileError that names the file and never quotes the content.
func FuzzConfigFile(f *testing.F) {
	f.Add(goodConfig)
	f.Add("[user]\naccess_token = \"" + testToken + "\nbroken")
	f.Add("[user]\naccess_token = 1\n")
	f.Add("user = \"" + testToken + "\"\n[user]\n")
	f.Add("[[user]]\naccess_token=\"" + testToken + "\"")
	f.Fuzz(func(t *testing.T, content string) {
		s := defaultSettings()
		s.configFile = "/virtual/config"
		s.readFile = func(string) ([]byte, error) { return []byte(content), nil }
		_, err := s.readConfigFile()
		if err == nil {
			return
		}
		var ce *ConfigFileError
		if !errors.As(err, &ce) || ce.Path != "/virtual/config" {
			t.Fatalf("err = %v (%T); want a *ConfigFileError naming the file", err, err)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("err = %q quotes the token", err)
		}
	})
}
