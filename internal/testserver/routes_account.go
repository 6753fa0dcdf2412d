package testserver

import (
	"encoding/json"
	"net/http"
)

type userJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Name     string `json:"name"`
}

// me answers accounts/me from bytes encoded once: it is the endpoint SDKs
// call to validate a token, and the one the throughput benchmark hits.
func (s *Server) me(r *http.Request, c call) reply {
	return reply{status: http.StatusOK, body: s.meBody}
}

func encodeMe() []byte {
	b, _ := json.Marshal(userJSON{ID: 1, Username: "demo-user", Email: "demo-user@example.com", Name: "Demo User"})
	return b
}

func (s *Server) listOrganizations(r *http.Request, c call) reply {
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	out := struct {
		Organizations []organizationJSON `json:"organizations"`
	}{Organizations: []organizationJSON{}}
	for _, o := range s.data.orgs {
		out.Organizations = append(out.Organizations, o.view())
	}
	return replyJSON(http.StatusOK, out)
}

func (s *Server) getOrganization(r *http.Request, c call) reply {
	return s.inOrg(r, func(o *organization) reply { return replyJSON(http.StatusOK, o.view()) })
}
