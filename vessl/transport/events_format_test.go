package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEventsNeverPrintCredentials: every formatting verb of the exported
// event types, and of pointers to them, leaves the Authorization header and
// URL user info out, while still naming the request.
func TestEventsNeverPrintCredentials(t *testing.T) {
	const secret = "tok-3f9a1c77e2"
	req, err := http.NewRequest(http.MethodGet, "https://user:"+secret+"@api.example.test/api/v1/x?y=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+secret)
	wait := WaitEvent{Scope: "api.example.test", Reason: WaitRateLimited, Duration: time.Second, Attempt: 2, Request: req}
	retry := RetryEvent{Scope: "api.example.test", Attempt: 2, StatusCode: 503, Err: errors.New("boom"), Waited: time.Second, Request: req}
	for _, v := range []any{wait, &wait, retry, &retry, WaitEvent{}, RetryEvent{}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			got := fmt.Sprintf(verb, v)
			if strings.Contains(got, secret) {
				t.Errorf("Sprintf(%q, %T) = %s; contains the credential", verb, v, got)
			}
		}
	}
	if got := fmt.Sprint(wait); !strings.Contains(got, "GET https://api.example.test/api/v1/x?y=1") || !strings.Contains(got, "rate-limited") {
		t.Errorf("Sprint(WaitEvent) = %s; want the method, URL and reason", got)
	}
	if got := fmt.Sprint(retry); !strings.Contains(got, "StatusCode:503") || !strings.Contains(got, "boom") {
		t.Errorf("Sprint(RetryEvent) = %s; want the status and error", got)
	}
}
