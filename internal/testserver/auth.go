package testserver

import (
	"net/http"
	"strings"
)

// authenticate returns the state of the token in "Authorization: Token <t>",
// or nil if the header is missing or names no configured token.
func (s *Server) authenticate(r *http.Request) *tokenState {
	v := r.Header["Authorization"]
	if len(v) != 1 {
		return nil
	}
	tok, ok := strings.CutPrefix(v[0], "Token ")
	if !ok {
		return nil
	}
	return s.tokens[strings.TrimSpace(tok)]
}

func replyUnauthorized(r *http.Request) reply {
	if _, ok := r.Header["Authorization"]; !ok {
		return replyError(http.StatusUnauthorized, "NotAuthenticated", "Authentication credentials were not provided.", nil)
	}
	return replyError(http.StatusUnauthorized, "NotAuthenticated", "Invalid token.", nil)
}
