package vessl_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
	"github.com/vessl-go/vessl-go/vessl"
)

// TestEveryMethodAgainstTestserver calls every method once against the fake
// server, an independent implementation of the same contract, so a path or
// JSON key that only the unit tests agree on shows up here.
func TestEveryMethodAgainstTestserver(t *testing.T) {
	srv := testserver.NewTest(t, testserver.WithRunDuration(20*time.Millisecond))
	c, err := vessl.NewClient(vessl.WithBaseURL(srv.URL), vessl.WithToken(srv.Token()),
		vessl.WithOrganization(srv.Organization()), vessl.WithProject(srv.Project()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	check := func(what string, ok bool, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		} else if !ok {
			t.Errorf("%s: decoded nothing useful", what)
		}
	}

	me, _, err := c.Accounts.Me(ctx)
	check("Accounts.Me", err == nil && me.Username != "", err)
	orgs, _, err := c.Organizations.List(ctx)
	check("Organizations.List", len(orgs) > 0 && orgs[0].Name != "", err)
	org, _, err := c.Organizations.Get(ctx, "")
	check("Organizations.Get", err == nil && org.Name == srv.Organization() && !org.CreatedDT.IsZero(), err)

	projects, resp, err := c.Projects.List(ctx, "", &vessl.ProjectListOptions{ListOptions: vessl.ListOptions{Limit: 1}})
	check("Projects.List", len(projects) == 1 && resp != nil && resp.TotalCount >= 2 && resp.HasNextPage, err)
	n := 0
	for _, err := range c.Projects.ListIter(ctx, "", &vessl.ProjectListOptions{ListOptions: vessl.ListOptions{Limit: 1}}) {
		check("Projects.ListIter", true, err)
		n++
	}
	check("Projects.ListIter count", n >= 2, nil)
	p, _, err := c.Projects.Get(ctx, "", "")
	check("Projects.Get", err == nil && p.Name == srv.Project() && p.Organization != nil, err)
	np, _, err := c.Projects.Create(ctx, "", &vessl.ProjectCreateRequest{Name: "smoke", Description: "d"})
	check("Projects.Create", err == nil && np.Name == "smoke", err)
	_, err = c.Projects.Delete(ctx, "", "smoke")
	check("Projects.Delete", true, err)

	clusters, _, err := c.Clusters.List(ctx, "", nil)
	check("Clusters.List", len(clusters) > 0 && clusters[0].Provider != "", err)

	exps, _, err := c.Experiments.List(ctx, "", "", &vessl.ExperimentListOptions{Statuses: []vessl.ExperimentStatus{vessl.ExperimentFailed}})
	check("Experiments.List(failed)", len(exps) == 1 && exps[0].Status == vessl.ExperimentFailed, err)
	exp, _, err := c.Experiments.Create(ctx, "", "", &vessl.ExperimentCreateRequest{
		ClusterID: clusters[0].ID, StartCommand: "python train.py", Message: "smoke",
		Hyperparameters: []*vessl.Hyperparameter{{Key: "lr", Value: "0.1"}},
	})
	check("Experiments.Create", err == nil && exp.Number > 0, err)
	if err != nil {
		return
	}
	got, _, err := c.Experiments.Get(ctx, "", "", exp.Number)
	check("Experiments.Get", err == nil && got.Message == "smoke" && len(got.Hyperparameters) == 1, err)
	upd, _, err := c.Experiments.UpdateMessage(ctx, "", "", exp.Number, "renamed")
	check("Experiments.UpdateMessage", err == nil && upd.Message == "renamed", err)
	done, _, err := c.Experiments.Wait(ctx, "", "", exp.Number, &vessl.WaitOptions{PollInterval: 5 * time.Millisecond})
	check("Experiments.Wait", err == nil && done.Status.Terminal(), err)
	logs, _, err := c.Experiments.Logs(ctx, "", "", exp.Number, &vessl.ExperimentLogOptions{Limit: 10})
	check("Experiments.Logs", len(logs) > 0 && logs[0].Message != "", err)
	_, err = c.Experiments.LogsRaw(ctx, "", "", exp.Number, io.Discard)
	check("Experiments.LogsRaw", true, err)
	exp2, _, err := c.Experiments.Create(ctx, "", "", &vessl.ExperimentCreateRequest{ClusterID: clusters[0].ID, StartCommand: "sleep"})
	check("Experiments.Create 2", err == nil, err)
	if err == nil {
		_, _, err = c.Experiments.Terminate(ctx, "", "", exp2.Number)
		check("Experiments.Terminate", true, err)
	}

	runs, _, err := c.Runs.List(ctx, "", "", nil)
	check("Runs.List", len(runs) > 0 && runs[0].ID > 0 && !runs[0].CreateDT.IsZero(), err)
	run, _, err := c.Runs.Get(ctx, "", "", runs[0].ID)
	check("Runs.Get", err == nil && run.ID == runs[0].ID, err)
	nr, _, err := c.Runs.CreateFromYAML(ctx, "", "", "name: smoke\nrun:\n  - command: echo hi\n")
	check("Runs.CreateFromYAML", err == nil && nr.ID > 0, err)
	if err == nil {
		fin, _, err := c.Runs.Wait(ctx, "", "", nr.ID, &vessl.WaitOptions{PollInterval: 5 * time.Millisecond})
		check("Runs.Wait", err == nil && fin.Status.Terminal(), err)
		rl, _, err := c.Runs.Logs(ctx, "", "", nr.ID, &vessl.RunLogOptions{Limit: 5})
		check("Runs.Logs", len(rl) > 0, err)
	}
	nr2, _, err := c.Runs.CreateFromYAML(ctx, "", "", "name: smoke2\n")
	check("Runs.CreateFromYAML 2", err == nil, err)
	if err == nil {
		_, _, err = c.Runs.Terminate(ctx, "", "", nr2.ID)
		check("Runs.Terminate", true, err)
	}

	repos, _, err := c.ModelRepositories.List(ctx, "", nil)
	check("ModelRepositories.List", len(repos) > 0, err)
	repo, _, err := c.ModelRepositories.Get(ctx, "", repos[0].Name)
	check("ModelRepositories.Get", err == nil && repo.Name == repos[0].Name, err)
	nrepo, _, err := c.ModelRepositories.Create(ctx, "", &vessl.ModelRepositoryCreateRequest{Name: "smoke-repo"})
	check("ModelRepositories.Create", err == nil && nrepo.Name == "smoke-repo", err)

	svcs, _, err := c.ModelServices.List(ctx, "", nil)
	check("ModelServices.List", len(svcs) > 0 && svcs[0].Status != "", err)
	svc, _, err := c.ModelServices.Get(ctx, "", svcs[0].Name)
	check("ModelServices.Get", err == nil && svc.Name == svcs[0].Name, err)
	revs, _, err := c.ModelServices.ListRevisions(ctx, "", svc.Name, nil)
	check("ModelServices.ListRevisions", len(revs) > 0, err)
	rev, _, err := c.ModelServices.GetRevision(ctx, "", svc.Name, revs[0].Number)
	check("ModelServices.GetRevision", err == nil && rev.Number == revs[0].Number, err)

	sets, _, err := c.Datasets.List(ctx, "", nil)
	check("Datasets.List", len(sets) > 0, err)
	ds, _, err := c.Datasets.Get(ctx, "", sets[0].Name)
	check("Datasets.Get", err == nil && ds.ID == sets[0].ID, err)
	vers, _, err := c.Datasets.ListVersions(ctx, ds.ID, nil)
	check("Datasets.ListVersions", len(vers) > 0 && vers[0].VersionID != "", err)

	if d := srv.Duplicates(); d != 0 {
		t.Errorf("%d writes applied twice", d)
	}
}
