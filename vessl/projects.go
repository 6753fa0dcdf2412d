package vessl

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// ProjectsService handles projects of an organization.
type ProjectsService service

// Project is a VESSL project.
type Project struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Description  string        `json:"description,omitempty"`
	Organization *Organization `json:"organization,omitempty"`
	Starred      bool          `json:"starred,omitempty"`
	VolumeID     int64         `json:"volume_id,omitempty"`
	CreatedDT    time.Time     `json:"created_dt,omitzero"`
	UpdatedDT    time.Time     `json:"updated_dt,omitzero"`
}

// ProjectListOptions selects a page of projects.
type ProjectListOptions struct {
	ListOptions
}

// ProjectCreateRequest is the body of Projects.Create.
type ProjectCreateRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// List returns one page of the projects of org ("" = the default
// organization). opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/projects
func (s *ProjectsService) List(ctx context.Context, org string, opts *ProjectListOptions) ([]*Project, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
	}
	return list[Project](ctx, s.client, "api/v1/organizations/"+o+"/projects", url.Values{}, lo)
}

// ListIter walks every project of org, page by page, starting at opts
// (which it does not modify).
func (s *ProjectsService) ListIter(ctx context.Context, org string, opts *ProjectListOptions) iter.Seq2[*Project, error] {
	var o ProjectListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*Project, *Response, error) {
		o.ListOptions = lo
		return s.List(ctx, org, &o)
	})
}

// Get returns a project; "" means the client's default organization or
// project.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}
func (s *ProjectsService) Get(ctx context.Context, org, project string) (*Project, *Response, error) {
	path, err := s.client.projectPath(ctx, org, project)
	if err != nil {
		return nil, nil, err
	}
	return get[Project](ctx, s.client, path)
}

// Create creates a project in org ("" = the default organization).
//
// VESSL API: POST /api/v1/organizations/{org}/projects
func (s *ProjectsService) Create(ctx context.Context, org string, body *ProjectCreateRequest) (*Project, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	return send[Project](ctx, s.client, "POST", "api/v1/organizations/"+o+"/projects", body)
}

// Delete deletes a project. Unlike the other methods, project must be named:
// "" does not mean the default project, so that a missing argument can never
// delete it.
//
// VESSL API: DELETE /api/v1/organizations/{org}/projects/{project}
func (s *ProjectsService) Delete(ctx context.Context, org, project string) (*Response, error) {
	if project == "" {
		return nil, ErrNoProject
	}
	path, err := s.client.projectPath(ctx, org, project)
	if err != nil {
		return nil, err
	}
	req, err := s.client.NewRequest("DELETE", path, nil)
	if err != nil {
		return nil, err
	}
	return s.client.Do(ctx, req, nil)
}
