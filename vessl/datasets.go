package vessl

import (
	"context"
	"iter"
	"net/url"
	"strconv"
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
	o, err := s.client.orgName(ctx, org)
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

// DatasetVersion is one version of a versioned dataset.
type DatasetVersion struct {
	ID        int64     `json:"id"`
	VersionID string    `json:"version_id"`
	DatasetID int64     `json:"dataset_id"`
	CreatedDT time.Time `json:"created_dt,omitzero"`
}

// ListVersions returns one page of a dataset's versions. Unlike the other
// dataset calls it addresses the dataset by id, not by organization and
// name. opts may be nil.
//
// VESSL API: GET /api/v1/datasets/{datasetID}/versions
func (s *DatasetsService) ListVersions(ctx context.Context, datasetID int64, opts *ListOptions) ([]*DatasetVersion, *Response, error) {
	var lo ListOptions
	if opts != nil {
		lo = *opts
	}
	return list[DatasetVersion](ctx, s.client, "api/v1/datasets/"+strconv.FormatInt(datasetID, 10)+"/versions", url.Values{}, lo)
}

// ListVersionsIter walks every version of a dataset, page by page, starting
// at opts (which it does not modify).
func (s *DatasetsService) ListVersionsIter(ctx context.Context, datasetID int64, opts *ListOptions) iter.Seq2[*DatasetVersion, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o, func(ctx context.Context, lo ListOptions) ([]*DatasetVersion, *Response, error) {
		return s.ListVersions(ctx, datasetID, &lo)
	})
}

// Get returns a dataset by name.
//
// VESSL API: GET /api/v1/organizations/{org}/datasets/{datasetName}
func (s *DatasetsService) Get(ctx context.Context, org, name string) (*Dataset, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	return get[Dataset](ctx, s.client, "api/v1/organizations/"+o+"/datasets/"+url.PathEscape(name))
}
