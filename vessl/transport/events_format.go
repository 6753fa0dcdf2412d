package transport

import (
	"fmt"
	"net/http"
)

// Events carry the caller's request, whose headers may hold a credential.
// Their Format methods print the request as method and URL only (without
// user info), so logging an event with any verb (%v, %+v, %#v, %s) never
// shows a token. The Request field itself stays whole for hooks that need it.

// Format implements fmt.Formatter.
func (e WaitEvent) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "transport.WaitEvent{Scope:%q Reason:%s Duration:%v Attempt:%d Request:%s}",
		e.Scope, e.Reason, e.Duration, e.Attempt, requestLine(e.Request))
}

// Format implements fmt.Formatter.
func (e RetryEvent) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "transport.RetryEvent{Scope:%q Attempt:%d StatusCode:%d Err:%v Waited:%v Request:%s}",
		e.Scope, e.Attempt, e.StatusCode, e.Err, e.Waited, requestLine(e.Request))
}

// requestLine is "METHOD URL" with any user info removed, or "<nil>".
func requestLine(r *http.Request) string {
	if r == nil {
		return "<nil>"
	}
	if r.URL == nil {
		return r.Method
	}
	u := *r.URL
	u.User = nil
	return r.Method + " " + u.String()
}
