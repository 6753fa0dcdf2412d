package vessl

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// RunsService handles runs (run executions) of a project.
type RunsService service

// RunStatus is a run's status as the API spells it. Values this package does
// not know are kept as they are.
type RunStatus string

// Run statuses seen on the wire.
const (
	RunPending    RunStatus = "pending"
	RunQueued     RunStatus = "queued"
	RunRunning    RunStatus = "running"
	RunCompleted  RunStatus = "completed"
	RunFailed     RunStatus = "failed"
	RunStopped    RunStatus = "stopped"
	RunTerminated RunStatus = "terminated"
)

// Terminal reports whether a run in this status will not change again:
// completed, failed, stopped or terminated (the official CLI stops watching
// on the same set).
func (s RunStatus) Terminal() bool {
	switch s {
	case RunCompleted, RunFailed, RunStopped, RunTerminated:
		return true
	}
	return false
}

// Run is a VESSL run execution. Note that its creation time is "create_dt",
// not "created_dt" as on other objects.
type Run struct {
	ID              int64         `json:"id"`
	ImmutableSlug   string        `json:"immutable_slug,omitempty"`
	Name            string        `json:"name,omitempty"`
	Message         string        `json:"message,omitempty"`
	Type            string        `json:"type,omitempty"`
	Starred         bool          `json:"starred,omitempty"`
	Organization    *Organization `json:"organization,omitempty"`
	Project         *Project      `json:"project,omitempty"`
	Status          RunStatus     `json:"status"`
	StatusReason    string        `json:"status_reason,omitempty"`
	ProgressPercent int           `json:"progress_percent,omitempty"`
	Tags            []string      `json:"tags,omitempty"`
	CreateDT        time.Time     `json:"create_dt,omitzero"`
	UpdatedDT       time.Time     `json:"updated_dt,omitzero"`
}

// RunListOptions selects a page of runs.
type RunListOptions struct {
	ListOptions
	Keyword  string      // free-text filter
	Statuses []RunStatus // sent as repeated "statuses" keys
	Starred  *bool       // if not nil, filters on the starred flag
	Type     string      // run type filter
}

func (o *RunListOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	if o.Keyword != "" {
		q.Set("keyword", o.Keyword)
	}
	for _, s := range o.Statuses {
		q.Add("statuses", string(s))
	}
	if o.Starred != nil {
		q.Set("starred", strconv.FormatBool(*o.Starred))
	}
	if o.Type != "" {
		q.Set("type", o.Type)
	}
	return q
}

// RunLogOptions selects log lines; zero fields are not sent.
type RunLogOptions struct {
	Start float64 // log_start, Unix seconds
	End   float64 // log_end, Unix seconds
	Limit int     // log_limit
}

func runPath(ctx context.Context, c *Client, org, project string, id int64) (string, error) {
	p, err := c.projectPath(ctx, org, project)
	if err != nil {
		return "", err
	}
	return p + "/run_executions/" + strconv.FormatInt(id, 10), nil
}

// List returns one page of runs ("" = the client's default organization or
// project). opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}/run_executions
func (s *RunsService) List(ctx context.Context, org, project string, opts *RunListOptions) ([]*Run, *Response, error) {
	p, err := s.client.projectPath(ctx, org, project)
	if err != nil {
		return nil, nil, err
	}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
	}
	return list[Run](ctx, s.client, p+"/run_executions", opts.query(), lo)
}

// ListIter walks every run, page by page, starting at opts (which it does not
// modify).
func (s *RunsService) ListIter(ctx context.Context, org, project string, opts *RunListOptions) iter.Seq2[*Run, error] {
	var o RunListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*Run, *Response, error) {
		o.ListOptions = lo
		return s.List(ctx, org, project, &o)
	})
}

// Get returns a run by execution id.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}/run_executions/{id}
func (s *RunsService) Get(ctx context.Context, org, project string, id int64) (*Run, *Response, error) {
	p, err := runPath(ctx, s.client, org, project, id)
	if err != nil {
		return nil, nil, err
	}
	return get[Run](ctx, s.client, p)
}

// CreateFromYAML starts a run from a VESSL run YAML spec and returns the new
// run execution. A POST is never repeated after a network error or a 5xx
// (only after a 429, when the server did no work).
//
// VESSL API: POST /api/v1/organizations/{org}/projects/{project}/run/spec/create_from_yaml
func (s *RunsService) CreateFromYAML(ctx context.Context, org, project, yamlSpec string) (*Run, *Response, error) {
	p, err := s.client.projectPath(ctx, org, project)
	if err != nil {
		return nil, nil, err
	}
	if yamlSpec == "" {
		return nil, nil, errors.New("vessl: Runs.CreateFromYAML: empty spec")
	}
	body := struct {
		YAMLSpec string `json:"yaml_spec"`
	}{yamlSpec}
	out, resp, err := send[struct {
		RunExecution *Run `json:"run_execution"`
	}](ctx, s.client, "POST", p+"/run/spec/create_from_yaml", &body)
	if err != nil {
		return nil, resp, err
	}
	if out.RunExecution == nil {
		return nil, resp, errors.New("vessl: Runs.CreateFromYAML: response has no run_execution")
	}
	return out.RunExecution, resp, nil
}

// Terminate stops a run.
//
// VESSL API: POST /api/v1/organizations/{org}/projects/{project}/run_executions/{id}/terminate
func (s *RunsService) Terminate(ctx context.Context, org, project string, id int64) (*Run, *Response, error) {
	p, err := runPath(ctx, s.client, org, project, id)
	if err != nil {
		return nil, nil, err
	}
	return send[Run](ctx, s.client, "POST", p+"/terminate", nil)
}

// Logs returns log lines of a run. opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}/run_executions/{id}/logs
func (s *RunsService) Logs(ctx context.Context, org, project string, id int64, opts *RunLogOptions) ([]*LogLine, *Response, error) {
	p, err := runPath(ctx, s.client, org, project, id)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		if opts.Start != 0 {
			q.Set("log_start", strconv.FormatFloat(opts.Start, 'f', -1, 64))
		}
		if opts.End != 0 {
			q.Set("log_end", strconv.FormatFloat(opts.End, 'f', -1, 64))
		}
		if opts.Limit > 0 {
			q.Set("log_limit", strconv.Itoa(opts.Limit))
		}
	}
	env, resp, err := get[logsEnvelope](ctx, s.client, withQuery(p+"/logs", q))
	if err != nil {
		return nil, resp, err
	}
	return env.Logs, resp, nil
}

// Wait polls a run until its status is terminal (see RunStatus.Terminal) and
// returns it. Every poll is an ordinary Get through the client, so it waits
// on and spends the shared rate-limit budget. opts may be nil. Wait returns
// ctx's error when ctx ends first.
func (s *RunsService) Wait(ctx context.Context, org, project string, id int64, opts *WaitOptions) (*Run, *Response, error) {
	return poll(ctx, opts, func(ctx context.Context) (*Run, *Response, bool, error) {
		r, resp, err := s.Get(ctx, org, project, id)
		if err != nil {
			return nil, resp, false, err
		}
		return r, resp, r.Status.Terminal(), nil
	})
}
