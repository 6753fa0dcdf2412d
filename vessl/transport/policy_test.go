package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"
)

func TestRepeatableMethods(t *testing.T) {
	unsafe := WithRetryUnsafe(context.Background())
	tests := []struct {
		method string
		header string // header name to set, if any
		ctx    context.Context
		want   bool
	}{
		{"", "", nil, true},
		{http.MethodGet, "", nil, true},
		{http.MethodHead, "", nil, true},
		{http.MethodOptions, "", nil, true},
		{http.MethodTrace, "", nil, true},
		{http.MethodPut, "", nil, true},
		{http.MethodDelete, "", nil, true},
		{http.MethodPost, "", nil, false},
		{http.MethodPatch, "", nil, false},
		{"CONNECT", "", nil, false},
		{http.MethodPost, "Idempotency-Key", nil, true},
		{http.MethodPatch, "X-Idempotency-Key", nil, true},
		{http.MethodPost, "X-Request-Id", nil, false},
		{http.MethodPost, "", unsafe, true},
		{http.MethodPatch, "", unsafe, true},
	}
	for _, tt := range tests {
		ctx := tt.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		req, err := http.NewRequestWithContext(ctx, tt.method, "https://api.test/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.header != "" {
			req.Header.Set(tt.header, "k1")
		}
		if got := Repeatable(req); got != tt.want {
			t.Errorf("Repeatable(%q, header %q, unsafe=%v) = %v; want %v",
				tt.method, tt.header, retryUnsafe(ctx), got, tt.want)
		}
	}
}

func TestRepeatableNilHeaderValue(t *testing.T) {
	// net/http treats a present key with a nil value as "idempotent, but do
	// not send the header"; so do we.
	req, _ := http.NewRequest(http.MethodPost, "https://api.test/x", nil)
	req.Header["Idempotency-Key"] = nil
	if !Repeatable(req) {
		t.Errorf("Repeatable(POST with nil Idempotency-Key) = false; want true")
	}
}

func TestTransientClassification(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://api.test/x", nil)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	reqCancelled := req.WithContext(cancelled)

	errTests := []struct {
		name string
		req  *http.Request
		err  error
		want bool
	}{
		{"connection reset", req, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"connection refused", req, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"unexpected EOF", req, errors.New("unexpected EOF"), true},
		{"untrusted certificate", req, &tls.CertificateVerificationError{Err: errors.New("x509: unknown authority")}, false},
		{"unsupported scheme", req, errors.New(`unsupported protocol scheme "ftp"`), false},
		{"invalid header", req, errors.New(`net/http: invalid header field name "a b"`), false},
		{"context cancelled", reqCancelled, context.Canceled, false},
	}
	for _, tt := range errTests {
		if got := transient(tt.req, nil, tt.err); got != tt.want {
			t.Errorf("transient(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}

	for code := 100; code < 600; code++ {
		want := code == 502 || code == 503 || code == 504
		resp := &http.Response{StatusCode: code, Status: http.StatusText(code)}
		if got := transient(req, resp, nil); got != want {
			t.Errorf("transient(status %d) = %v; want %v", code, got, want)
		}
	}
	if transient(reqCancelled, &http.Response{StatusCode: 503}, nil) {
		t.Errorf("transient(503, cancelled context) = true; want false")
	}
}

func TestURLOp(t *testing.T) {
	for in, want := range map[string]string{"": "Get", "GET": "Get", "POST": "Post", "X": "X"} {
		if got := urlOp(in); got != want {
			t.Errorf("urlOp(%q) = %q; want %q", in, got, want)
		}
	}
}
