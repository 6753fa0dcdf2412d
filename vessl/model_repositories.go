package vessl

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// ModelRepositoriesService handles model repositories of an organization.
type ModelRepositoriesService service

// ModelRepository is a named collection of model versions.
type ModelRepository struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Description  string        `json:"description,omitempty"`
	ModelsCount  int           `json:"models_count,omitempty"`
	Organization *Organization `json:"organization,omitempty"`
	CreatedDT    time.Time     `json:"created_dt,omitzero"`
	UpdatedDT    time.Time     `json:"updated_dt,omitzero"`
}

// ModelRepositoryListOptions selects a page of model repositories.
type ModelRepositoryListOptions struct {
	ListOptions
}

// ModelRepositoryCreateRequest is the body of ModelRepositories.Create.
type ModelRepositoryCreateRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// List returns one page of the model repositories of org ("" = the default
// organization). opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/model_repositories
func (s *ModelRepositoriesService) List(ctx context.Context, org string, opts *ModelRepositoryListOptions) ([]*ModelRepository, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
	}
	return list[ModelRepository](ctx, s.client, "api/v1/organizations/"+o+"/model_repositories", url.Values{}, lo)
}

// ListIter walks every model repository of org, page by page, starting at
// opts (which it does not modify).
func (s *ModelRepositoriesService) ListIter(ctx context.Context, org string, opts *ModelRepositoryListOptions) iter.Seq2[*ModelRepository, error] {
	var o ModelRepositoryListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*ModelRepository, *Response, error) {
		o.ListOptions = lo
		return s.List(ctx, org, &o)
	})
}

// Get returns a model repository by name.
//
// VESSL API: GET /api/v1/organizations/{org}/model_repositories/{repositoryName}
func (s *ModelRepositoriesService) Get(ctx context.Context, org, name string) (*ModelRepository, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	return get[ModelRepository](ctx, s.client, "api/v1/organizations/"+o+"/model_repositories/"+url.PathEscape(name))
}

// Create creates a model repository in org ("" = the default organization).
//
// VESSL API: POST /api/v1/organizations/{org}/model_repositories
func (s *ModelRepositoriesService) Create(ctx context.Context, org string, body *ModelRepositoryCreateRequest) (*ModelRepository, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	return send[ModelRepository](ctx, s.client, "POST", "api/v1/organizations/"+o+"/model_repositories", body)
}
