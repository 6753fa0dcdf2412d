package vessl

import (
	"context"
	"time"
)

// OrganizationsService handles organizations.
type OrganizationsService service

// Organization is a VESSL organization.
type Organization struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	DisplayName   string    `json:"display_name,omitempty"`
	Description   string    `json:"description,omitempty"` // null on the wire reads as ""
	Slug          string    `json:"slug,omitempty"`
	CreditBalance float64   `json:"credit_balance,omitempty"`
	CreatedDT     time.Time `json:"created_dt,omitzero"`
	UpdatedDT     time.Time `json:"updated_dt,omitzero"`
}

// List returns the organizations the user belongs to. The endpoint is not
// paginated: its envelope is {"organizations": [...]}.
//
// VESSL API: GET /api/v1/organizations
func (s *OrganizationsService) List(ctx context.Context) ([]*Organization, *Response, error) {
	req, err := s.client.NewRequest("GET", "api/v1/organizations", nil)
	if err != nil {
		return nil, nil, err
	}
	var env struct {
		Organizations []*Organization `json:"organizations"`
	}
	resp, err := s.client.Do(ctx, req, &env)
	if err != nil {
		return nil, resp, err
	}
	return env.Organizations, resp, nil
}

// Get returns an organization by name; "" means the client's default.
//
// VESSL API: GET /api/v1/organizations/{org}
func (s *OrganizationsService) Get(ctx context.Context, org string) (*Organization, *Response, error) {
	o, err := s.client.orgName(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	req, err := s.client.NewRequest("GET", "api/v1/organizations/"+o, nil)
	if err != nil {
		return nil, nil, err
	}
	v := new(Organization)
	resp, err := s.client.Do(ctx, req, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}
