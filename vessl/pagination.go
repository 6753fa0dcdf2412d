package vessl

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// ListOptions selects one page of a list. Zero fields are not sent, so the
// server's defaults apply.
type ListOptions struct {
	Limit  int // page size
	Offset int // items to skip
}

func (o ListOptions) encode(q url.Values) {
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Offset > 0 {
		q.Set("offset", strconv.Itoa(o.Offset))
	}
}

// PageInfo is the page_info object of a list envelope. Its keys are mixed
// case on the wire; cursor values are kept as the server sent them.
type PageInfo struct {
	TotalCount       int  `json:"total_count"`
	HasNextPage      bool `json:"hasNextPage"`
	HasPreviousPage  bool `json:"hasPreviousPage"`
	EndCursorID      any  `json:"endCursorID,omitempty"`
	EndCursorValue   any  `json:"endCursorValue,omitempty"`
	StartCursorID    any  `json:"startCursorID,omitempty"`
	StartCursorValue any  `json:"startCursorValue,omitempty"`
}

// listEnvelope is {"page_info": {...}, "results": [...]}.
type listEnvelope[T any] struct {
	PageInfo *PageInfo `json:"page_info"`
	Results  []*T      `json:"results"`
}

// withQuery appends q to path.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// list fetches one page of a paginated endpoint and fills the page fields of
// the Response.
func list[T any](ctx context.Context, c *Client, path string, q url.Values, lo ListOptions) ([]*T, *Response, error) {
	lo.encode(q)
	req, err := c.NewRequest("GET", withQuery(path, q), nil)
	if err != nil {
		return nil, nil, err
	}
	var env listEnvelope[T]
	resp, err := c.Do(ctx, req, &env)
	if err != nil {
		return nil, resp, err
	}
	if pi := env.PageInfo; pi != nil {
		resp.TotalCount = pi.TotalCount
		resp.HasNextPage = pi.HasNextPage
		if pi.HasNextPage {
			resp.NextOffset = lo.Offset + len(env.Results)
		}
	}
	return env.Results, resp, nil
}

// pages walks every page starting at start. fetch gets the ListOptions of
// each page; the walk ends after a page without a next page, an empty page,
// or a short page, or on the first error, which is yielded with a nil item.
func pages[T any](ctx context.Context, start ListOptions, fetch func(context.Context, ListOptions) ([]*T, *Response, error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		lo := start
		for {
			items, resp, err := fetch(ctx, lo)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || !resp.HasNextPage || (lo.Limit > 0 && len(items) < lo.Limit) {
				return
			}
			lo.Offset = resp.NextOffset
		}
	}
}
