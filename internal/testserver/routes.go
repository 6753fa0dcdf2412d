package testserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

const (
	apiPrefix = "/api/v1"
	orgPath   = apiPrefix + "/organizations/{org}"
	projPath  = orgPath + "/projects/{project}"
	expPath   = projPath + "/experiments"
	runPath   = projPath + "/run_executions"
)

// routes registers every endpoint of VESSL_API.md.
func (s *Server) routes() {
	s.handle("GET "+apiPrefix+"/accounts/me", 0, s.me)
	s.handle("GET "+apiPrefix+"/organizations", 0, s.listOrganizations)
	s.handle("GET "+orgPath, 0, s.getOrganization)

	s.handle("GET "+orgPath+"/projects", 0, s.listProjects)
	s.handle("POST "+orgPath+"/projects", inCreate, s.createProject)
	s.handle("GET "+projPath, 0, s.getProject)
	s.handle("DELETE "+projPath, 0, s.deleteProject)

	s.handle("GET "+expPath, 0, s.listExperiments)
	s.handle("POST "+expPath, inCreate, s.createExperiment)
	s.handle("GET "+expPath+"/{number}", 0, s.getExperiment)
	s.handle("PATCH "+expPath+"/{number}", 0, s.updateExperiment)
	s.handle("POST "+expPath+"/{number}/terminate", 0, s.terminateExperiment)
	s.handle("GET "+expPath+"/{number}/logs", inLogs, s.experimentLogs)
	s.handle("GET "+expPath+"/{number}/logs/raw", inLogs, s.experimentLogsRaw)

	s.handle("GET "+runPath, 0, s.listRuns)
	s.handle("GET "+runPath+"/{id}", 0, s.getRun)
	s.handle("GET "+runPath+"/{id}/logs", inLogs, s.runLogs)
	s.handle("POST "+runPath+"/{id}/terminate", 0, s.terminateRun)
	s.handle("POST "+projPath+"/run/spec/create_from_yaml", inCreate, s.createRunFromYAML)

	s.handle("GET "+orgPath+"/model_repositories", 0, s.listModelRepos)
	s.handle("POST "+orgPath+"/model_repositories", inCreate, s.createModelRepo)
	s.handle("GET "+orgPath+"/model_repositories/{name}", 0, s.getModelRepo)
	s.handle("GET "+orgPath+"/model_services", 0, s.listModelServices)
	s.handle("GET "+orgPath+"/model_services/{name}", 0, s.getModelService)
	s.handle("GET "+orgPath+"/model_services/{name}/revisions", 0, s.listRevisions)
	s.handle("GET "+orgPath+"/model_services/{name}/revisions/{number}", 0, s.getRevision)

	s.handle("GET "+orgPath+"/clusters", 0, s.listClusters)
	s.handle("GET "+orgPath+"/datasets", 0, s.listDatasets)
	s.handle("GET "+orgPath+"/datasets/{name}", 0, s.getDataset)
	s.handle("GET "+apiPrefix+"/datasets/{id}/versions", 0, s.listDatasetVersions)

	// Anything else: authenticated and limited like the rest, then 404.
	s.mux.Handle("/", &route{s: s, groups: inRead, h: s.notFound})
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// decodeBody decodes the JSON body of r into v. An empty body leaves v alone
// when optional.
func decodeBody(r *http.Request, v any, optional bool) *reply {
	err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(v)
	if err == nil || (optional && errors.Is(err, io.EOF)) {
		return nil
	}
	rep := replyError(http.StatusBadRequest, "InvalidBody", "request body is not valid JSON: "+err.Error(), nil)
	return &rep
}

// inOrg runs f with the organization named in the path, holding the store
// lock; an unknown organization is a 404.
func (s *Server) inOrg(r *http.Request, f func(o *organization) reply) reply {
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	name := r.PathValue("org")
	o := s.data.org(name)
	if o == nil {
		return notFound("organization", name)
	}
	return f(o)
}

// inProject is inOrg for the project named in the path.
func (s *Server) inProject(r *http.Request, f func(o *organization, p *project) reply) reply {
	return s.inOrg(r, func(o *organization) reply {
		name := r.PathValue("project")
		p := o.project(name)
		if p == nil {
			return notFound("project", name)
		}
		return f(o, p)
	})
}
