package testserver

import (
	"net/http"
	"slices"
	"strconv"
)

// Pagination bounds of list endpoints.
const (
	DefaultPageSize = 20
	MaxPageSize     = 200
)

// PageInfo is the "page_info" object of a list response. Its keys mix cases
// exactly as the real API's do.
type PageInfo struct {
	TotalCount       int     `json:"total_count"`
	HasNextPage      bool    `json:"hasNextPage"`
	HasPreviousPage  bool    `json:"hasPreviousPage"`
	StartCursorID    *int64  `json:"startCursorID"`
	StartCursorValue *string `json:"startCursorValue"`
	EndCursorID      *int64  `json:"endCursorID"`
	EndCursorValue   *string `json:"endCursorValue"`
}

type listEnvelope[T any] struct {
	PageInfo PageInfo `json:"page_info"`
	Results  []T      `json:"results"`
}

// page parses limit and offset. A bad value yields a 400 reply.
func page(r *http.Request) (limit, offset int, bad *reply) {
	q := r.URL.Query()
	limit, offset = DefaultPageSize, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			rep := invalid("limit", v, "must be a non-negative integer")
			return 0, 0, &rep
		}
		if n > 0 {
			limit = min(n, MaxPageSize)
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			rep := invalid("offset", v, "must be a non-negative integer")
			return 0, 0, &rep
		}
		offset = n
	}
	return limit, offset, nil
}

// paginate renders one page of items (already filtered, oldest first;
// order_direction=desc reverses them) with id giving each item's id for the
// cursors.
func paginate[T any](r *http.Request, items []T, id func(T) int64) reply {
	limit, offset, bad := page(r)
	if bad != nil {
		return *bad
	}
	if r.URL.Query().Get("order_direction") == "desc" {
		items = slices.Clone(items)
		slices.Reverse(items)
	}
	total := len(items)
	lo := min(offset, total)
	hi := min(lo+limit, total)
	env := listEnvelope[T]{
		PageInfo: PageInfo{TotalCount: total, HasNextPage: hi < total, HasPreviousPage: lo > 0},
		Results:  items[lo:hi:hi],
	}
	if hi > lo {
		first, last := id(items[lo]), id(items[hi-1])
		env.PageInfo.StartCursorID, env.PageInfo.EndCursorID = &first, &last
	}
	if env.Results == nil {
		env.Results = []T{}
	}
	return replyJSON(http.StatusOK, env)
}

// hasStatus reports whether status passes a repeated-key filter (empty: all).
func hasStatus(filter []string, status string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if f == status {
			return true
		}
	}
	return false
}
