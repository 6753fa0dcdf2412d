package vessl

import (
	"context"
	"iter"
	"net/url"
)

// ClustersService handles the clusters of an organization.
type ClustersService service

// Cluster providers seen on the wire.
const (
	ProviderVESSL     = "vessl"
	ProviderAWS       = "aws"
	ProviderGCP       = "gcp"
	ProviderAzure     = "azure"
	ProviderOCI       = "oci"
	ProviderOnPremise = "on-premise"
)

// Cluster is a compute cluster.
type Cluster struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	Provider       string `json:"provider,omitempty"`
	Region         string `json:"region,omitempty"` // null on the wire reads as ""
	IsVESSLManaged bool   `json:"is_vessl_managed"`
	Status         string `json:"status,omitempty"`
}

// ClusterListOptions selects a page of clusters.
type ClusterListOptions struct {
	ListOptions
}

// List returns one page of the clusters of org ("" = the default
// organization). opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/clusters
func (s *ClustersService) List(ctx context.Context, org string, opts *ClusterListOptions) ([]*Cluster, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
	}
	return list[Cluster](ctx, s.client, "api/v1/organizations/"+o+"/clusters", url.Values{}, lo)
}

// ListIter walks every cluster of org, page by page, starting at opts (which
// it does not modify).
func (s *ClustersService) ListIter(ctx context.Context, org string, opts *ClusterListOptions) iter.Seq2[*Cluster, error] {
	var o ClusterListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*Cluster, *Response, error) {
		o.ListOptions = lo
		return s.List(ctx, org, &o)
	})
}
