package vessl

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// ModelServicesService handles model services (serving) of an organization.
type ModelServicesService service

// ModelServiceStatus is a model service's status as the API spells it.
// Values this package does not know are kept as they are.
type ModelServiceStatus string

// Model service statuses seen on the wire.
const (
	ModelServiceReady   ModelServiceStatus = "ready"
	ModelServiceRunning ModelServiceStatus = "running"
	ModelServiceError   ModelServiceStatus = "error"
)

// Model service types.
const (
	ModelServiceProvisioned = "provisioned"
	ModelServiceServerless  = "serverless"
)

// ModelService is a deployed model endpoint.
type ModelService struct {
	ID              int64              `json:"id"`
	Name            string             `json:"name"`
	Description     string             `json:"description,omitempty"`
	Status          ModelServiceStatus `json:"status"`
	Type            string             `json:"type,omitempty"`
	RunningReplicas int                `json:"running_replicas"`
	TotalReplicas   int                `json:"total_replicas"`
	Organization    *Organization      `json:"organization,omitempty"`
	CreatedDT       time.Time          `json:"created_dt,omitzero"`
	UpdatedDT       time.Time          `json:"updated_dt,omitzero"`
}

// ModelServiceRevision is one revision of a model service.
type ModelServiceRevision struct {
	ID               int64     `json:"id"`
	Number           int64     `json:"number"`
	ModelServiceName string    `json:"model_service_name,omitempty"`
	Status           string    `json:"status"`
	TrafficWeight    float64   `json:"traffic_weight"`
	CreatedDT        time.Time `json:"created_dt,omitzero"`
}

// ModelServiceListOptions selects a page of model services.
type ModelServiceListOptions struct {
	ListOptions
	Keyword string             // free-text filter
	Status  ModelServiceStatus // status filter
	Type    string             // ModelServiceProvisioned or ModelServiceServerless
}

// RevisionListOptions selects a page of model service revisions.
type RevisionListOptions struct {
	ListOptions
	Statuses []string // sent as repeated "statuses" keys
}

func modelServicesPath(ctx context.Context, c *Client, org string) (string, error) {
	o, err := c.orgName(ctx, org)
	if err != nil {
		return "", err
	}
	return "api/v1/organizations/" + o + "/model_services", nil
}

// List returns one page of the model services of org ("" = the default
// organization). opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/model_services
func (s *ModelServicesService) List(ctx context.Context, org string, opts *ModelServiceListOptions) ([]*ModelService, *Response, error) {
	p, err := modelServicesPath(ctx, s.client, org)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
		if opts.Keyword != "" {
			q.Set("keyword", opts.Keyword)
		}
		if opts.Status != "" {
			q.Set("status", string(opts.Status))
		}
		if opts.Type != "" {
			q.Set("type", opts.Type)
		}
	}
	return list[ModelService](ctx, s.client, p, q, lo)
}

// ListIter walks every model service of org, page by page, starting at opts
// (which it does not modify).
func (s *ModelServicesService) ListIter(ctx context.Context, org string, opts *ModelServiceListOptions) iter.Seq2[*ModelService, error] {
	var o ModelServiceListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*ModelService, *Response, error) {
		o.ListOptions = lo
		return s.List(ctx, org, &o)
	})
}

// Get returns a model service by name.
//
// VESSL API: GET /api/v1/organizations/{org}/model_services/{modelServiceName}
func (s *ModelServicesService) Get(ctx context.Context, org, name string) (*ModelService, *Response, error) {
	p, err := modelServicesPath(ctx, s.client, org)
	if err != nil {
		return nil, nil, err
	}
	return get[ModelService](ctx, s.client, p+"/"+url.PathEscape(name))
}

// ListRevisions returns one page of a model service's revisions. opts may be
// nil.
//
// VESSL API: GET /api/v1/organizations/{org}/model_services/{modelServiceName}/revisions
func (s *ModelServicesService) ListRevisions(ctx context.Context, org, name string, opts *RevisionListOptions) ([]*ModelServiceRevision, *Response, error) {
	p, err := modelServicesPath(ctx, s.client, org)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
		for _, st := range opts.Statuses {
			q.Add("statuses", st)
		}
	}
	return list[ModelServiceRevision](ctx, s.client, p+"/"+url.PathEscape(name)+"/revisions", q, lo)
}

// ListRevisionsIter walks every revision of a model service, page by page,
// starting at opts (which it does not modify).
func (s *ModelServicesService) ListRevisionsIter(ctx context.Context, org, name string, opts *RevisionListOptions) iter.Seq2[*ModelServiceRevision, error] {
	var o RevisionListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*ModelServiceRevision, *Response, error) {
		o.ListOptions = lo
		return s.ListRevisions(ctx, org, name, &o)
	})
}

// GetRevision returns one revision of a model service.
//
// VESSL API: GET /api/v1/organizations/{org}/model_services/{modelServiceName}/revisions/{revisionNumber}
func (s *ModelServicesService) GetRevision(ctx context.Context, org, name string, number int64) (*ModelServiceRevision, *Response, error) {
	p, err := modelServicesPath(ctx, s.client, org)
	if err != nil {
		return nil, nil, err
	}
	return get[ModelServiceRevision](ctx, s.client, p+"/"+url.PathEscape(name)+"/revisions/"+strconv.FormatInt(number, 10))
}
