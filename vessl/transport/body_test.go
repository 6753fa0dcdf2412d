package transport

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// trackedBody records how a body was consumed.
type trackedBody struct {
	r      io.Reader
	read   int
	closed bool
}

func newTrackedBody(s string) *trackedBody { return &trackedBody{r: strings.NewReader(s)} }

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

func TestDiscardDrainsBoundedAndCloses(t *testing.T) {
	small := newTrackedBody("rate limited")
	discard(&http.Response{Body: small})
	if small.read != len("rate limited") || !small.closed {
		t.Errorf("discard(small): read %d, closed %v; want %d, true", small.read, small.closed, len("rate limited"))
	}
	big := newTrackedBody(strings.Repeat("x", 3*drainLimit))
	discard(&http.Response{Body: big})
	if big.read != drainLimit || !big.closed {
		t.Errorf("discard(big): read %d, closed %v; want %d, true", big.read, big.closed, drainLimit)
	}
	discard(nil)
	discard(&http.Response{})
}

func TestHoldKeepsBodyIntact(t *testing.T) {
	for _, n := range []int{0, 10, drainLimit - 1, drainLimit, drainLimit + 10, 3 * drainLimit} {
		text := strings.Repeat("y", n)
		orig := newTrackedBody(text)
		resp := &http.Response{Body: orig}
		hold(resp)
		if n < drainLimit && !orig.closed {
			t.Errorf("hold(%d bytes): original not closed; want closed (connection released)", n)
		}
		got, err := io.ReadAll(resp.Body)
		if err != nil || string(got) != text {
			t.Errorf("hold(%d bytes): body reads %d bytes, %v; want %d bytes, nil", n, len(got), err, n)
		}
		if err := resp.Body.Close(); err != nil || !orig.closed {
			t.Errorf("hold(%d bytes): Close = %v, original closed %v; want nil, true", n, err, orig.closed)
		}
	}
}

func TestHoldKeepsReadError(t *testing.T) {
	boom := errors.New("boom")
	resp := &http.Response{Body: io.NopCloser(io.MultiReader(strings.NewReader("abc"), &errReader{boom}))}
	hold(resp)
	got, err := io.ReadAll(resp.Body)
	if string(got) != "abc" || !errors.Is(err, boom) {
		t.Errorf("held body reads %q, %v; want %q, %v", got, err, "abc", boom)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

func TestRewind(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "https://api.test/x", bytes.NewReader([]byte("payload")))
	if !rewindable(req) {
		t.Fatalf("rewindable(bytes.Reader body) = false; want true")
	}
	body, err := rewind(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(body)
	if string(got) != "payload" {
		t.Errorf("rewind body = %q; want %q", got, "payload")
	}

	stream, _ := http.NewRequest(http.MethodPost, "https://api.test/x", io.NopCloser(strings.NewReader("s")))
	if rewindable(stream) {
		t.Errorf("rewindable(streaming body) = true; want false")
	}
	empty, _ := http.NewRequest(http.MethodPost, "https://api.test/x", nil)
	if !rewindable(empty) {
		t.Errorf("rewindable(nil body) = false; want true")
	}
	if b, err := rewind(empty); b != nil || err != nil {
		t.Errorf("rewind(nil body) = %v, %v; want nil, nil", b, err)
	}

	failing, _ := http.NewRequest(http.MethodPost, "https://api.test/x", strings.NewReader("s"))
	boom := errors.New("boom")
	failing.GetBody = func() (io.ReadCloser, error) { return nil, boom }
	if _, err := rewind(failing); !errors.Is(err, boom) {
		t.Errorf("rewind(failing GetBody) err = %v; want %v", err, boom)
	}
}
