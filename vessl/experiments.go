package vessl

import (
	"context"
	"io"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// ExperimentsService handles experiments of a project.
type ExperimentsService service

// ExperimentStatus is an experiment's status as the API spells it. Values
// this package does not know are kept as they are.
type ExperimentStatus string

// Experiment statuses seen on the wire.
const (
	ExperimentPending    ExperimentStatus = "pending"
	ExperimentRunning    ExperimentStatus = "running"
	ExperimentCompleted  ExperimentStatus = "completed"
	ExperimentIdle       ExperimentStatus = "idle"
	ExperimentFailed     ExperimentStatus = "failed"
	ExperimentTerminated ExperimentStatus = "terminated"
)

// Terminal reports whether an experiment in this status will not change
// again on its own: completed, failed, terminated, or idle (the workload has
// stopped).
func (s ExperimentStatus) Terminal() bool {
	switch s {
	case ExperimentCompleted, ExperimentFailed, ExperimentTerminated, ExperimentIdle:
		return true
	}
	return false
}

// Experiment is a VESSL experiment.
type Experiment struct {
	ID                    int64             `json:"id"`
	Number                int64             `json:"number"`
	Status                ExperimentStatus  `json:"status"`
	StatusReason          string            `json:"status_reason,omitempty"`
	Message               string            `json:"message,omitempty"`
	StartCommand          string            `json:"start_command,omitempty"`
	Hyperparameters       []*Hyperparameter `json:"hyperparameters,omitempty"`
	ProgressPercent       float64           `json:"progress_percent,omitempty"`
	IsDistributed         bool              `json:"is_distributed,omitempty"`
	TerminationProtection bool              `json:"termination_protection,omitempty"`
	KernelCluster         *Cluster          `json:"kernel_cluster,omitempty"`
	KernelImage           *KernelImage      `json:"kernel_image,omitempty"`
	KernelResourceSpec    *ResourceSpec     `json:"kernel_resource_spec,omitempty"`
	Organization          *Organization     `json:"organization,omitempty"`
	Project               *Project          `json:"project,omitempty"`
	CreatedDT             time.Time         `json:"created_dt,omitzero"`
	UpdatedDT             time.Time         `json:"updated_dt,omitzero"`
}

// Hyperparameter is one key=value pair given to an experiment.
type Hyperparameter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// KernelImage is the container image of a workload.
type KernelImage struct {
	ID       int64  `json:"id,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	Name     string `json:"name,omitempty"`
}

// ResourceSpec is a named resource shape (CPU, memory, GPUs) of a cluster.
type ResourceSpec struct {
	ID     int64   `json:"id,omitempty"`
	Name   string  `json:"name,omitempty"`
	CPU    float64 `json:"cpu_limit,omitempty"`
	Memory string  `json:"memory_limit,omitempty"`
	GPU    float64 `json:"gpu_limit,omitempty"`
}

// ExperimentListOptions selects a page of experiments.
type ExperimentListOptions struct {
	ListOptions
	// Statuses keeps only experiments in one of these statuses (sent as
	// repeated "statuses" keys).
	Statuses []ExperimentStatus
	// Starred, if not nil, filters on the starred flag.
	Starred *bool
	// ExcludeLocal, if not nil, filters out (true) local experiments.
	ExcludeLocal *bool
}

func (o *ExperimentListOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	for _, s := range o.Statuses {
		q.Add("statuses", string(s))
	}
	if o.Starred != nil {
		q.Set("starred", strconv.FormatBool(*o.Starred))
	}
	if o.ExcludeLocal != nil {
		q.Set("exclude_local", strconv.FormatBool(*o.ExcludeLocal))
	}
	return q
}

// ExperimentCreateRequest is the body of Experiments.Create.
type ExperimentCreateRequest struct {
	ClusterID             int64             `json:"cluster_id,omitempty"`
	ImageURL              string            `json:"image_url,omitempty"`
	ResourceSpecID        int64             `json:"resource_spec_id,omitempty"`
	StartCommand          string            `json:"start_command,omitempty"`
	Hyperparameters       []*Hyperparameter `json:"hyperparameters,omitempty"`
	Message               string            `json:"message,omitempty"`
	TerminationProtection bool              `json:"termination_protection,omitempty"`
}

// LogLine is one line of workload output.
type LogLine struct {
	Message   string  `json:"message"`
	Timestamp float64 `json:"timestamp,omitempty"` // Unix seconds
	Stream    string  `json:"stream,omitempty"`
}

// Time returns the line's timestamp as a time.Time.
func (l *LogLine) Time() time.Time {
	sec := int64(l.Timestamp)
	return time.Unix(sec, int64((l.Timestamp-float64(sec))*1e9))
}

// ExperimentLogOptions selects log lines; zero fields are not sent.
type ExperimentLogOptions struct {
	After  float64 // Unix seconds, exclusive
	Before float64 // Unix seconds
	Limit  int
}

func experimentPath(ctx context.Context, c *Client, org, project string, number int64) (string, error) {
	p, err := c.projectPath(ctx, org, project)
	if err != nil {
		return "", err
	}
	return p + "/experiments/" + strconv.FormatInt(number, 10), nil
}

// List returns one page of experiments ("" = the client's default
// organization or project). opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}/experiments
func (s *ExperimentsService) List(ctx context.Context, org, project string, opts *ExperimentListOptions) ([]*Experiment, *Response, error) {
	p, err := s.client.projectPath(ctx, org, project)
	if err != nil {
		return nil, nil, err
	}
	var lo ListOptions
	if opts != nil {
		lo = opts.ListOptions
	}
	return list[Experiment](ctx, s.client, p+"/experiments", opts.query(), lo)
}

// ListIter walks every experiment, page by page, starting at opts (which it
// does not modify).
func (s *ExperimentsService) ListIter(ctx context.Context, org, project string, opts *ExperimentListOptions) iter.Seq2[*Experiment, error] {
	var o ExperimentListOptions
	if opts != nil {
		o = *opts
	}
	return pages(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*Experiment, *Response, error) {
		o.ListOptions = lo
		return s.List(ctx, org, project, &o)
	})
}

// Get returns an experiment by number.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}/experiments/{number}
func (s *ExperimentsService) Get(ctx context.Context, org, project string, number int64) (*Experiment, *Response, error) {
	p, err := experimentPath(ctx, s.client, org, project, number)
	if err != nil {
		return nil, nil, err
	}
	return get[Experiment](ctx, s.client, p)
}

// Create starts an experiment. A POST is never repeated after a network
// error or a 5xx (only after a 429, when the server did no work).
//
// VESSL API: POST /api/v1/organizations/{org}/projects/{project}/experiments
func (s *ExperimentsService) Create(ctx context.Context, org, project string, body *ExperimentCreateRequest) (*Experiment, *Response, error) {
	p, err := s.client.projectPath(ctx, org, project)
	if err != nil {
		return nil, nil, err
	}
	if body == nil {
		body = &ExperimentCreateRequest{}
	}
	return send[Experiment](ctx, s.client, "POST", p+"/experiments", body)
}

// UpdateMessage sets an experiment's message.
//
// VESSL API: PATCH /api/v1/organizations/{org}/projects/{project}/experiments/{number}
func (s *ExperimentsService) UpdateMessage(ctx context.Context, org, project string, number int64, message string) (*Experiment, *Response, error) {
	p, err := experimentPath(ctx, s.client, org, project, number)
	if err != nil {
		return nil, nil, err
	}
	body := struct {
		Message string `json:"message"`
	}{message}
	return send[Experiment](ctx, s.client, "PATCH", p, &body)
}

// Terminate stops a running experiment.
//
// VESSL API: POST /api/v1/organizations/{org}/projects/{project}/experiments/{number}/terminate
func (s *ExperimentsService) Terminate(ctx context.Context, org, project string, number int64) (*Experiment, *Response, error) {
	p, err := experimentPath(ctx, s.client, org, project, number)
	if err != nil {
		return nil, nil, err
	}
	return send[Experiment](ctx, s.client, "POST", p+"/terminate", nil)
}

// Logs returns log lines of an experiment. opts may be nil.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}/experiments/{number}/logs
func (s *ExperimentsService) Logs(ctx context.Context, org, project string, number int64, opts *ExperimentLogOptions) ([]*LogLine, *Response, error) {
	p, err := experimentPath(ctx, s.client, org, project, number)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		if opts.After != 0 {
			q.Set("after", strconv.FormatFloat(opts.After, 'f', -1, 64))
		}
		if opts.Before != 0 {
			q.Set("before", strconv.FormatFloat(opts.Before, 'f', -1, 64))
		}
		if opts.Limit > 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
	}
	env, resp, err := get[logsEnvelope](ctx, s.client, withQuery(p+"/logs", q))
	if err != nil {
		return nil, resp, err
	}
	return env.Logs, resp, nil
}

// LogsRaw copies an experiment's whole log, as plain text, into w.
//
// VESSL API: GET /api/v1/organizations/{org}/projects/{project}/experiments/{number}/logs/raw
func (s *ExperimentsService) LogsRaw(ctx context.Context, org, project string, number int64, w io.Writer) (*Response, error) {
	p, err := experimentPath(ctx, s.client, org, project, number)
	if err != nil {
		return nil, err
	}
	req, err := s.client.NewRequest("GET", p+"/logs/raw", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain")
	return s.client.Do(ctx, req, w)
}

type logsEnvelope struct {
	Logs []*LogLine `json:"logs"`
}

// Wait polls an experiment until its status is terminal (see
// ExperimentStatus.Terminal) and returns it. Every poll is an ordinary Get
// through the client, so it waits on and spends the shared rate-limit budget.
// opts may be nil. Wait returns ctx's error when ctx ends first.
func (s *ExperimentsService) Wait(ctx context.Context, org, project string, number int64, opts *WaitOptions) (*Experiment, *Response, error) {
	return poll(ctx, opts, func(ctx context.Context) (*Experiment, *Response, bool, error) {
		e, resp, err := s.Get(ctx, org, project, number)
		if err != nil {
			return nil, resp, false, err
		}
		return e, resp, e.Status.Terminal(), nil
	})
}
