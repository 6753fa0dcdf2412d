package testserver

import "time"

// The JSON shapes of the API objects. Keys are the real API's.

type orgRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type organizationJSON struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	DisplayName   string    `json:"display_name"`
	Description   *string   `json:"description"`
	Slug          string    `json:"slug"`
	CreatedDT     time.Time `json:"created_dt"`
	UpdatedDT     time.Time `json:"updated_dt"`
	CreditBalance float64   `json:"credit_balance"`
}

func (o *organization) view() organizationJSON {
	d := o.description
	return organizationJSON{ID: o.id, Name: o.name, DisplayName: o.name, Description: &d, Slug: o.name,
		CreatedDT: o.created, UpdatedDT: o.created, CreditBalance: 100}
}

type projectJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Organization orgRef    `json:"organization"`
	CreatedDT    time.Time `json:"created_dt"`
	UpdatedDT    time.Time `json:"updated_dt"`
	Starred      bool      `json:"starred"`
	VolumeID     int64     `json:"volume_id"`
}

func (p *project) view(o *organization) projectJSON {
	return projectJSON{ID: p.id, Name: p.name, Description: p.description, Organization: orgRef{o.id, o.name},
		CreatedDT: p.created, UpdatedDT: p.updated, Starred: p.starred, VolumeID: p.id + 1000}
}

type clusterJSON struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	Provider       string  `json:"provider"`
	Region         *string `json:"region"`
	IsVESSLManaged bool    `json:"is_vessl_managed"`
	Status         string  `json:"status"`
}

func (c *cluster) view() clusterJSON {
	v := clusterJSON{ID: c.id, Name: c.name, Provider: c.provider, IsVESSLManaged: c.managed, Status: "running"}
	if c.region != "" {
		r := c.region
		v.Region = &r
	}
	return v
}

type imageJSON struct {
	ID       int64  `json:"id"`
	ImageURL string `json:"image_url"`
}

type resourceSpecJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type experimentJSON struct {
	ID                    int64             `json:"id"`
	Number                int64             `json:"number"`
	Status                string            `json:"status"`
	StatusReason          string            `json:"status_reason"`
	Message               string            `json:"message"`
	StartCommand          string            `json:"start_command"`
	Hyperparameters       []Hyperparameter  `json:"hyperparameters"`
	CreatedDT             time.Time         `json:"created_dt"`
	UpdatedDT             time.Time         `json:"updated_dt"`
	ProgressPercent       float64           `json:"progress_percent"`
	IsDistributed         bool              `json:"is_distributed"`
	TerminationProtection bool              `json:"termination_protection"`
	KernelCluster         *clusterJSON      `json:"kernel_cluster"`
	KernelImage           *imageJSON        `json:"kernel_image"`
	KernelResourceSpec    *resourceSpecJSON `json:"kernel_resource_spec"`
	Organization          orgRef            `json:"organization"`
	Project               orgRef            `json:"project"`
}

type modelRepoJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Organization orgRef    `json:"organization"`
	CreatedDT    time.Time `json:"created_dt"`
	UpdatedDT    time.Time `json:"updated_dt"`
	ModelsCount  int       `json:"models_count"`
}

type modelServiceJSON struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Status          string    `json:"status"`
	Type            string    `json:"type"`
	RunningReplicas int       `json:"running_replicas"`
	TotalReplicas   int       `json:"total_replicas"`
	CreatedDT       time.Time `json:"created_dt"`
	Organization    orgRef    `json:"organization"`
}

type revisionJSON struct {
	ID               int64     `json:"id"`
	Number           int64     `json:"number"`
	ModelServiceName string    `json:"model_service_name"`
	Status           string    `json:"status"`
	TrafficWeight    int       `json:"traffic_weight"`
	CreatedDT        time.Time `json:"created_dt"`
}

type datasetJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	SourceType   string    `json:"source_type"`
	IsVersioned  bool      `json:"is_version_enabled"`
	Organization orgRef    `json:"organization"`
	CreatedDT    time.Time `json:"created_dt"`
	UpdatedDT    time.Time `json:"updated_dt"`
}

type runJSON struct {
	ID              int64     `json:"id"`
	ImmutableSlug   string    `json:"immutable_slug"`
	Name            string    `json:"name"`
	Message         string    `json:"message"`
	Status          string    `json:"status"`
	StatusReason    string    `json:"status_reason"`
	CreateDT        time.Time `json:"create_dt"`
	UpdatedDT       time.Time `json:"updated_dt"`
	ProgressPercent int       `json:"progress_percent"`
	Tags            []string  `json:"tags"`
	Type            string    `json:"type"`
	Starred         bool      `json:"starred"`
	Organization    orgRef    `json:"organization"`
	Project         orgRef    `json:"project"`
}

type logsJSON struct {
	Logs []LogLine `json:"logs"`
}
