package testserver

import (
	"net/http"
	"strconv"
	"strings"
)

func (m *modelRepo) view(o *organization) modelRepoJSON {
	return modelRepoJSON{ID: m.id, Name: m.name, Description: m.description, Organization: orgRef{o.id, o.name},
		CreatedDT: m.created.UTC(), UpdatedDT: m.created.UTC()}
}

func (s *Server) listModelRepos(r *http.Request, c call) reply {
	return s.inOrg(r, func(o *organization) reply {
		views := make([]modelRepoJSON, len(o.modelRepos))
		for i, m := range o.modelRepos {
			views[i] = m.view(o)
		}
		return paginate(r, views, func(v modelRepoJSON) int64 { return v.ID })
	})
}

func (s *Server) createModelRepo(r *http.Request, c call) reply {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if bad := decodeBody(r, &in, false); bad != nil {
		return *bad
	}
	if !validName(in.Name) {
		return invalid("name", in.Name, nameRule)
	}
	return s.inOrg(r, func(o *organization) reply {
		for _, m := range o.modelRepos {
			if m.name == in.Name {
				return replyError(http.StatusConflict, "AlreadyExists", "model repository "+in.Name+" already exists.",
					[]FieldError{{Name: "name", Value: in.Name, Message: "already exists"}})
			}
		}
		m := &modelRepo{id: s.data.id(), name: in.Name, description: in.Description, created: c.now}
		o.modelRepos = append(o.modelRepos, m)
		return replyJSON(http.StatusCreated, m.view(o))
	})
}

func (s *Server) getModelRepo(r *http.Request, c call) reply {
	return s.inOrg(r, func(o *organization) reply {
		name := r.PathValue("name")
		for _, m := range o.modelRepos {
			if m.name == name {
				return replyJSON(http.StatusOK, m.view(o))
			}
		}
		return notFound("model repository", name)
	})
}

func (m *modelService) view(o *organization) modelServiceJSON {
	return modelServiceJSON{ID: m.id, Name: m.name, Status: m.status, Type: m.kind, RunningReplicas: m.running,
		TotalReplicas: m.total, CreatedDT: m.created.UTC(), Organization: orgRef{o.id, o.name}}
}

func (s *Server) listModelServices(r *http.Request, c call) reply {
	q := r.URL.Query()
	keyword, status, kind := q.Get("keyword"), q.Get("status"), q.Get("type")
	return s.inOrg(r, func(o *organization) reply {
		views := make([]modelServiceJSON, 0, len(o.services))
		for _, m := range o.services {
			if (keyword == "" || strings.Contains(m.name, keyword)) && (status == "" || m.status == status) && (kind == "" || m.kind == kind) {
				views = append(views, m.view(o))
			}
		}
		return paginate(r, views, func(v modelServiceJSON) int64 { return v.ID })
	})
}

// inService runs f with the model service named in the path.
func (s *Server) inService(r *http.Request, f func(o *organization, m *modelService) reply) reply {
	return s.inOrg(r, func(o *organization) reply {
		name := r.PathValue("name")
		for _, m := range o.services {
			if m.name == name {
				return f(o, m)
			}
		}
		return notFound("model service", name)
	})
}

func (s *Server) getModelService(r *http.Request, c call) reply {
	return s.inService(r, func(o *organization, m *modelService) reply { return replyJSON(http.StatusOK, m.view(o)) })
}

func (v *revision) view(m *modelService) revisionJSON {
	return revisionJSON{ID: v.id, Number: v.number, ModelServiceName: m.name, Status: v.status, TrafficWeight: v.weight, CreatedDT: v.created.UTC()}
}

func (s *Server) listRevisions(r *http.Request, c call) reply {
	statuses := r.URL.Query()["statuses"]
	return s.inService(r, func(o *organization, m *modelService) reply {
		views := make([]revisionJSON, 0, len(m.revisions))
		for _, v := range m.revisions {
			if hasStatus(statuses, v.status) {
				views = append(views, v.view(m))
			}
		}
		return paginate(r, views, func(v revisionJSON) int64 { return v.ID })
	})
}

func (s *Server) getRevision(r *http.Request, c call) reply {
	return s.inService(r, func(o *organization, m *modelService) reply {
		raw := r.PathValue("number")
		n, err := strconv.ParseInt(raw, 10, 64)
		if err == nil {
			for _, v := range m.revisions {
				if v.number == n {
					return replyJSON(http.StatusOK, v.view(m))
				}
			}
		}
		return notFound("revision", raw)
	})
}

func (s *Server) listClusters(r *http.Request, c call) reply {
	return s.inOrg(r, func(o *organization) reply {
		views := make([]clusterJSON, len(o.clusters))
		for i, k := range o.clusters {
			views[i] = k.view()
		}
		return paginate(r, views, func(v clusterJSON) int64 { return v.ID })
	})
}

func (d *dataset) view(o *organization) datasetJSON {
	return datasetJSON{ID: d.id, Name: d.name, Description: d.description, SourceType: d.source, IsVersioned: true,
		Organization: orgRef{o.id, o.name}, CreatedDT: d.created.UTC(), UpdatedDT: d.created.UTC()}
}

func (s *Server) listDatasets(r *http.Request, c call) reply {
	return s.inOrg(r, func(o *organization) reply {
		views := make([]datasetJSON, len(o.datasets))
		for i, d := range o.datasets {
			views[i] = d.view(o)
		}
		return paginate(r, views, func(v datasetJSON) int64 { return v.ID })
	})
}

func (s *Server) getDataset(r *http.Request, c call) reply {
	return s.inOrg(r, func(o *organization) reply {
		name := r.PathValue("name")
		for _, d := range o.datasets {
			if d.name == name {
				return replyJSON(http.StatusOK, d.view(o))
			}
		}
		return notFound("dataset", name)
	})
}

type datasetVersionJSON struct {
	ID        int64  `json:"id"`
	VersionID string `json:"version_id"`
	DatasetID int64  `json:"dataset_id"`
	CreatedDT string `json:"created_dt"`
}

func (s *Server) listDatasetVersions(r *http.Request, c call) reply {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	if err == nil {
		for _, o := range s.data.orgs {
			for _, d := range o.datasets {
				if d.id == id {
					views := []datasetVersionJSON{
						{ID: d.id*10 + 1, VersionID: "v1", DatasetID: d.id, CreatedDT: d.created.UTC().Format("2006-01-02T15:04:05Z07:00")},
					}
					return paginate(r, views, func(v datasetVersionJSON) int64 { return v.ID })
				}
			}
		}
	}
	return notFound("dataset", raw)
}
