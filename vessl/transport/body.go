package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// drainLimit bounds how much of a discarded or held response body the
// transport reads. A body within the bound is read to EOF, which lets
// net/http put the connection back in its pool; a longer one is closed
// unread (the connection is then dropped, which costs less than reading an
// unbounded body).
const drainLimit = 64 << 10

// ErrBodyNotRewindable reports that a request would have been retried but its
// body cannot be sent again: it is neither nil nor http.NoBody and the
// request has no GetBody. The transport never re-sends such a request (it
// would go out with an empty or partial body). Requests built by
// http.NewRequest from a *bytes.Buffer, *bytes.Reader or *strings.Reader
// have GetBody; streaming bodies do not. Test with errors.Is.
var ErrBodyNotRewindable = errors.New("transport: request body cannot be rewound (no GetBody) and is not re-sent")

// rewindable reports whether req's body can be produced again for a retry.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// rewind returns a fresh body for a repeat of req. The caller has checked
// rewindable.
func rewind(req *http.Request) (io.ReadCloser, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("transport: rewinding the request body: %w", err)
	}
	return body, nil
}

// closeRequestBody closes the caller's body when RoundTrip returns without
// handing req to the base transport, as the http.RoundTripper contract asks.
func closeRequestBody(req *http.Request) {
	if req.Body != nil && req.Body != http.NoBody {
		_ = req.Body.Close()
	}
}

// discard drains at most drainLimit bytes of resp's body and closes it, so
// that its connection can be reused. It accepts nil.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	_ = resp.Body.Close()
}

// hold reads up to drainLimit bytes of resp's body into memory and closes
// the connection's side of it when that reached EOF, so the connection goes
// back to the pool while the transport waits to retry. The body stays intact
// for the caller in case the response is returned after all. Bodies longer
// than drainLimit keep their unread tail (and their connection).
func hold(resp *http.Response) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return
	}
	if _, ok := resp.Body.(*heldBody); ok {
		return
	}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, drainLimit))
	if err == nil && len(buf) < drainLimit {
		_ = resp.Body.Close()
		resp.Body = &heldBody{Reader: bytes.NewReader(buf)}
		return
	}
	// Over the bound or failed mid-way: keep what was read in front of the
	// rest, so the caller sees the same bytes (or the same error).
	resp.Body = &heldBody{Reader: io.MultiReader(bytes.NewReader(buf), resp.Body), closer: resp.Body}
}

// heldBody is a response body that was read (partly) into memory by hold.
type heldBody struct {
	io.Reader
	closer io.Closer // the original body when not read to EOF
}

// Close closes the original body, if hold did not already.
func (b *heldBody) Close() error {
	if b.closer == nil {
		return nil
	}
	return b.closer.Close()
}
