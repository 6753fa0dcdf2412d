package testserver

import (
	"fmt"
	"sync"
	"time"
)

// store is the server's in-memory VESSL state. One mutex guards it all:
// requests touch a handful of small maps, so contention is not a concern.
type store struct {
	mu     sync.Mutex
	cfg    *config
	dice   *dice
	nextID int64
	orgs   []*organization // in creation order
	runDur time.Duration
}

type organization struct {
	id          int64
	name        string
	created     time.Time
	projects    []*project
	modelRepos  []*modelRepo
	services    []*modelService
	clusters    []*cluster
	datasets    []*dataset
	description string
}

type project struct {
	id          int64
	name        string
	description string
	created     time.Time
	updated     time.Time
	starred     bool
	experiments []*experiment
	runs        []*run
	nextNumber  int64
}

type modelRepo struct {
	id          int64
	name        string
	description string
	created     time.Time
}

type modelService struct {
	id        int64
	name      string
	status    string
	kind      string
	running   int
	total     int
	created   time.Time
	revisions []*revision
}

type revision struct {
	id      int64
	number  int64
	status  string
	weight  int
	created time.Time
}

type cluster struct {
	id       int64
	name     string
	provider string
	region   string // "" is null
	managed  bool
}

type dataset struct {
	id          int64
	name        string
	description string
	source      string
	created     time.Time
}

// id returns a fresh resource id. Requires st.mu held (or construction).
func (st *store) id() int64 {
	st.nextID++
	return st.nextID
}

// org returns the organization named name. Requires st.mu held.
func (st *store) org(name string) *organization {
	for _, o := range st.orgs {
		if o.name == name {
			return o
		}
	}
	return nil
}

// project returns the project of org named name. Requires st.mu held.
func (o *organization) project(name string) *project {
	for _, p := range o.projects {
		if p.name == name {
			return p
		}
	}
	return nil
}

// newStore seeds the state so that every list endpoint returns data.
func newStore(cfg *config, now time.Time, d *dice) *store {
	st := &store{cfg: cfg, dice: d, runDur: cfg.runDuration}
	now = now.UTC().Truncate(time.Second)
	day := 24 * time.Hour
	o := &organization{id: st.id(), name: cfg.org, created: now.Add(-400 * day), description: "Seeded by internal/testserver"}
	st.orgs = append(st.orgs, o)
	o.clusters = []*cluster{
		{id: st.id(), name: "vessl-gcp-oregon", provider: "gcp", region: "us-west1", managed: true},
		{id: st.id(), name: "vessl-aws-seoul", provider: "aws", region: "ap-northeast-2", managed: true},
		{id: st.id(), name: "on-prem-a100", provider: "on-premise"},
	}
	for i, name := range []string{cfg.project, "sandbox"} {
		p := &project{id: st.id(), name: name, description: "Seeded project " + name, created: now.Add(-time.Duration(300-i) * day)}
		p.updated = p.created
		o.projects = append(o.projects, p)
	}
	p := o.projects[0]
	seed := []struct {
		msg, status string
		age         time.Duration
	}{
		{"baseline", "completed", 30 * day},
		{"lr sweep 0.01", "failed", 20 * day},
		{"lr sweep 0.001", "completed", 10 * day},
	}
	for _, e := range seed {
		created := now.Add(-e.age)
		p.nextNumber++
		p.experiments = append(p.experiments, &experiment{
			id: st.id(), number: p.nextNumber, message: e.msg, startCommand: "python train.py",
			hyperparameters: []Hyperparameter{{Key: "lr", Value: "0.01"}},
			lifecycle:       lifecycle{created: created, duration: time.Hour, final: e.status},
			updated:         created, cluster: o.clusters[0], imageURL: "quay.io/vessl-ai/torch:2.1.0-cuda12.2-r3", resourceSpecID: 1,
		})
		p.runs = append(p.runs, &run{
			id: st.id(), slug: "seed-run-" + itoa(p.nextNumber), name: "seed-run-" + itoa(p.nextNumber), message: e.msg,
			lifecycle: lifecycle{created: created, duration: time.Hour, final: e.status}, updated: created, tags: []string{"seed"},
		})
	}
	o.modelRepos = []*modelRepo{
		{id: st.id(), name: "demo-model", description: "Seeded model repository", created: now.Add(-100 * day)},
		{id: st.id(), name: "llama-finetune", description: "Another repository", created: now.Add(-50 * day)},
	}
	for _, ms := range []struct{ name, status, kind string }{
		{"demo-service", "ready", "provisioned"},
		{"demo-serverless", "running", "serverless"},
	} {
		svc := &modelService{id: st.id(), name: ms.name, status: ms.status, kind: ms.kind, running: 1, total: 1, created: now.Add(-40 * day)}
		svc.revisions = []*revision{
			{id: st.id(), number: 1, status: "stopped", weight: 0, created: now.Add(-40 * day)},
			{id: st.id(), number: 2, status: "running", weight: 100, created: now.Add(-5 * day)},
		}
		o.services = append(o.services, svc)
	}
	o.datasets = []*dataset{
		{id: st.id(), name: "demo-dataset", description: "Seeded dataset", source: "vessl", created: now.Add(-200 * day)},
		{id: st.id(), name: "imagenet-mini", description: "A small image set", source: "s3", created: now.Add(-150 * day)},
	}
	st.seedExtra(o, now)
	return st
}

// seedExtra adds the resources of cfg.extra.
func (st *store) seedExtra(o *organization, now time.Time) {
	x := st.cfg.extra
	p := o.projects[0]
	final := func(i int) string {
		if i%5 == 4 {
			return "failed"
		}
		return "completed"
	}
	for i := range x.Projects {
		created := now.Add(-time.Duration(x.Projects-i) * time.Minute)
		o.projects = append(o.projects, &project{id: st.id(), name: fmt.Sprintf("project-%03d", i+1), created: created, updated: created})
	}
	for i := range x.Experiments {
		created := now.Add(-time.Duration(x.Experiments-i) * time.Minute)
		p.nextNumber++
		p.experiments = append(p.experiments, &experiment{
			id: st.id(), number: p.nextNumber, message: fmt.Sprintf("seeded experiment %d", i+1), startCommand: "python train.py",
			hyperparameters: []Hyperparameter{{Key: "i", Value: itoa(int64(i))}},
			lifecycle:       lifecycle{created: created, duration: time.Second, final: final(i)},
			updated:         created, cluster: o.clusters[0], imageURL: "quay.io/vessl-ai/torch:2.1.0-cuda12.2-r3", resourceSpecID: 1,
		})
	}
	for i := range x.Runs {
		created := now.Add(-time.Duration(x.Runs-i) * time.Minute)
		id := st.id()
		p.runs = append(p.runs, &run{id: id, slug: "run-" + itoa(id), name: fmt.Sprintf("seeded-run-%d", i+1),
			lifecycle: lifecycle{created: created, duration: time.Second, final: final(i)}, updated: created})
	}
	for i := range x.ModelRepositories {
		o.modelRepos = append(o.modelRepos, &modelRepo{id: st.id(), name: fmt.Sprintf("model-%03d", i+1), created: now})
	}
	for i := range x.Datasets {
		o.datasets = append(o.datasets, &dataset{id: st.id(), name: fmt.Sprintf("dataset-%03d", i+1), source: "vessl", created: now})
	}
}
