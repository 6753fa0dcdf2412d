package vessl

import (
	"context"
	"time"
)

// AccountsService handles the current user's account.
type AccountsService service

// User is a VESSL account.
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	Name        string    `json:"name,omitempty"`
	Email       string    `json:"email,omitempty"`
	DisplayName string    `json:"display_name,omitempty"`
	ImageURL    string    `json:"image_url,omitempty"`
	CreatedDT   time.Time `json:"created_dt,omitzero"`
}

// Me returns the user the access token belongs to. The official SDK uses this
// call to validate a token.
//
// VESSL API: GET /api/v1/accounts/me
func (s *AccountsService) Me(ctx context.Context) (*User, *Response, error) {
	req, err := s.client.NewRequest("GET", "api/v1/accounts/me", nil)
	if err != nil {
		return nil, nil, err
	}
	u := new(User)
	resp, err := s.client.Do(ctx, req, u)
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}
