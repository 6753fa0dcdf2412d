package transport

import (
	"context"
	"net/http"

	"github.com/vessl-go/vessl-go/vessl/ratelimit"
)

// observationKey is the context key of an observed.
type observationKey struct{}

// observed is the context of the requests a RoundTrip sends: the caller's
// context plus the rate-limit observation of the response RoundTrip
// returned. Carrying it in the context costs one allocation per RoundTrip
// and no second parse of the headers.
type observed struct {
	context.Context
	obs  ratelimit.Observation
	resp *http.Response
}

// Value returns o for observationKey and defers everything else.
func (o *observed) Value(key any) any {
	if key == (observationKey{}) {
		return o
	}
	return o.Context.Value(key)
}

// finish records resp as the response RoundTrip returns; resp.Request is
// the attempt's request, whose context is o.
func (o *observed) finish(resp *http.Response) *http.Response {
	o.resp = resp
	return resp
}

// ObservationFrom returns the rate-limit observation of a response returned
// by a Transport (through an http.Client too): what its headers said, parsed
// once at arrival, so deadlines are relative to the arrival time. ok is false
// for a response that did not come through a Transport.
func ObservationFrom(resp *http.Response) (obs ratelimit.Observation, ok bool) {
	if resp == nil || resp.Request == nil {
		return ratelimit.Observation{}, false
	}
	o, _ := resp.Request.Context().Value(observationKey{}).(*observed)
	if o == nil || o.resp != resp {
		return ratelimit.Observation{}, false
	}
	return o.obs, true
}
