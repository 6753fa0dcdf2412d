package vessl

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// DatasetsService handles the datasets of an organization.
type DatasetsService service

// Dataset is a named, versioned collection of files.
type Dataset struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Description  string        `json:"description,omitempty"`
	IsVersioned  bool          `json:"is_version_enabled,omitempty"`
	SourceType   string        `json:"source_type,omitempty"`
	Organization *Organization `json:"organization,omitempty"`
	CreatedDT    time.Time     `json:"created_dt,omitzero"`
	UpdatedDT    time.Time     `json:"updated_dt,omitzero"`
}

// DatasetListOptions selects a page of datasets.
type DatasetListOptions struct {
	ListOptions
}

// List returns one page of the datasets of org ("" = the default
// organization). opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/datasets
func (s *DatasetsService) List(ctx context.Context, org string, opts *DatasetListOptions) ([]*Dataset, *Response, error) {
	o, err := s.client.orgName(org)
	if err != nil {
		return nil, nil, err
	}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
	}
	return list[Dataset](ctx, s.client, "api/v1/organizations/"+o+"/datasets", url.Values{}, lo)
}

// ListIter walks every dataset of org, page by page, starting at opts (which
// it does not modify).
func (s *DatasetsService) ListIter(ctx context.Context, org string, opts *DatasetListOptions) iter.Seq2[*Dataset, error] {
	var o DatasetListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*Dataset, *Response, error) {
		o.ListOptions = lo
		return s.List(ctx, org, &o)
	})
}

// Get returns a dataset by name.
//
// VESSL API: GET /api/v1/organizations/{org}/datasets/{datasetName}
func (s *DatasetsService) Get(ctx context.Context, org, name string) (*Dataset, *Response, error) {
	o, err := s.client.orgName(org)
	if err != nil {
		return nil, nil, err
	}
	return get[Dataset](ctx, s.client, "api/v1/organizations/"+o+"/datasets/"+url.PathEscape(name))
}
