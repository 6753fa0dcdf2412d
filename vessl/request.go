package vessl

import (
	"context"
	"reflect"
)

// get fetches path and decodes a T.
func get[T any](ctx context.Context, c *Client, path string) (*T, *Response, error) {
	return send[T](ctx, c, "GET", path, nil)
}

// send sends body (nil, or a nil pointer, for none) to path and decodes a T.
func send[T any](ctx context.Context, c *Client, method, path string, body any) (*T, *Response, error) {
	if body != nil {
		if v := reflect.ValueOf(body); v.Kind() == reflect.Pointer && v.IsNil() {
			body = nil
		}
	}
	req, err := c.NewRequest(method, path, body)
	if err != nil {
		return nil, nil, err
	}
	v := new(T)
	resp, err := c.Do(ctx, req, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}
