package testserver

import (
	"net/http"
	"slices"
)

// validName reports whether name is a VESSL resource name: lowercase
// letters, digits and inner dashes, 1 to 64 characters.
func validName(name string) bool {
	if name == "" || len(name) > 64 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

const nameRule = "must be 1-64 lowercase letters, digits or inner dashes"

func (s *Server) listProjects(r *http.Request, c call) reply {
	return s.inOrg(r, func(o *organization) reply {
		views := make([]projectJSON, len(o.projects))
		for i, p := range o.projects {
			views[i] = p.view(o)
		}
		return paginate(r, views, func(v projectJSON) int64 { return v.ID })
	})
}

type projectCreate struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (s *Server) createProject(r *http.Request, c call) reply {
	var in projectCreate
	if bad := decodeBody(r, &in, false); bad != nil {
		return *bad
	}
	if !validName(in.Name) {
		return invalid("name", in.Name, nameRule)
	}
	return s.inOrg(r, func(o *organization) reply {
		if o.project(in.Name) != nil {
			return replyError(http.StatusConflict, "AlreadyExists", "project "+in.Name+" already exists.",
				[]FieldError{{Name: "name", Value: in.Name, Message: "already exists"}})
		}
		p := &project{id: s.data.id(), name: in.Name, description: in.Description, created: c.now.UTC(), updated: c.now.UTC()}
		o.projects = append(o.projects, p)
		return replyJSON(http.StatusCreated, p.view(o))
	})
}

func (s *Server) getProject(r *http.Request, c call) reply {
	return s.inProject(r, func(o *organization, p *project) reply { return replyJSON(http.StatusOK, p.view(o)) })
}

func (s *Server) deleteProject(r *http.Request, c call) reply {
	return s.inProject(r, func(o *organization, p *project) reply {
		o.projects = slices.DeleteFunc(o.projects, func(q *project) bool { return q == p })
		return reply{status: http.StatusNoContent}
	})
}
