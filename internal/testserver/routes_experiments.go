package testserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type experiment struct {
	lifecycle
	id              int64
	number          int64
	message         string
	startCommand    string
	hyperparameters []Hyperparameter
	updated         time.Time
	cluster         *cluster
	imageURL        string
	resourceSpecID  int64
	protected       bool
}

func (e *experiment) view(o *organization, p *project, now time.Time) experimentJSON {
	status, progress := e.status(now)
	v := experimentJSON{
		ID: e.id, Number: e.number, Status: status, StatusReason: e.statusReason(now), Message: e.message,
		StartCommand: e.startCommand, Hyperparameters: e.hyperparameters, CreatedDT: e.created.UTC(),
		UpdatedDT: e.updated.UTC(), ProgressPercent: progress, TerminationProtection: e.protected,
		KernelImage:        &imageJSON{ID: 1, ImageURL: e.imageURL},
		KernelResourceSpec: &resourceSpecJSON{ID: e.resourceSpecID, Name: "cpu-small"},
		Organization:       orgRef{o.id, o.name}, Project: orgRef{p.id, p.name},
	}
	if v.Hyperparameters == nil {
		v.Hyperparameters = []Hyperparameter{}
	}
	if e.cluster != nil {
		cv := e.cluster.view()
		v.KernelCluster = &cv
	}
	return v
}

// inExperiment is inProject for the experiment numbered in the path.
func (s *Server) inExperiment(r *http.Request, f func(o *organization, p *project, e *experiment) reply) reply {
	return s.inProject(r, func(o *organization, p *project) reply {
		raw := r.PathValue("number")
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return notFound("experiment", raw)
		}
		for _, e := range p.experiments {
			if e.number == n {
				return f(o, p, e)
			}
		}
		return notFound("experiment", raw)
	})
}

func (s *Server) listExperiments(r *http.Request, c call) reply {
	statuses := r.URL.Query()["statuses"]
	return s.inProject(r, func(o *organization, p *project) reply {
		views := make([]experimentJSON, 0, len(p.experiments))
		for _, e := range p.experiments {
			if v := e.view(o, p, c.now); hasStatus(statuses, v.Status) {
				views = append(views, v)
			}
		}
		return paginate(r, views, func(v experimentJSON) int64 { return v.ID })
	})
}

type experimentCreate struct {
	ClusterID             *int64          `json:"cluster_id"`
	ClusterName           string          `json:"cluster_name"`
	ImageURL              string          `json:"image_url"`
	ResourceSpecID        *int64          `json:"resource_spec_id"`
	StartCommand          string          `json:"start_command"`
	Hyperparameters       json.RawMessage `json:"hyperparameters"`
	Message               string          `json:"message"`
	TerminationProtection bool            `json:"termination_protection"`
}

// parseHyperparameters accepts the list form [{"key":"lr","value":"0.1"}]
// (what the API returns), an object {"lr": 0.1}, or ["lr=0.1"].
func parseHyperparameters(raw json.RawMessage) ([]Hyperparameter, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return []Hyperparameter{}, nil
	}
	var list []struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &list); err == nil {
		out := make([]Hyperparameter, 0, len(list))
		for _, kv := range list {
			if kv.Key == "" {
				return nil, fmt.Errorf("hyperparameter without key")
			}
			out = append(out, Hyperparameter{Key: kv.Key, Value: scalar(kv.Value)})
		}
		return out, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		out := make([]Hyperparameter, 0, len(strs))
		for _, s := range strs {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("%q is not key=value", s)
			}
			out = append(out, Hyperparameter{Key: k, Value: v})
		}
		return out, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("want a list of {key, value}")
	}
	out := make([]Hyperparameter, 0, len(obj))
	for k, v := range obj {
		out = append(out, Hyperparameter{Key: k, Value: scalar(v)})
	}
	sortHyperparameters(out)
	return out, nil
}

func sortHyperparameters(h []Hyperparameter) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Key < h[j-1].Key; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// scalar renders a JSON value as the string the API stores.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// failRequested reports whether hyperparameters ask for a failure
// ("fail"="true" or "1"): a deterministic way for a test to get one.
func failRequested(h []Hyperparameter) bool {
	for _, kv := range h {
		if kv.Key == "fail" && (kv.Value == "true" || kv.Value == "1") {
			return true
		}
	}
	return false
}

func (s *Server) finalStatus(forceFail bool) string {
	if forceFail || s.dice.hit(s.cfg.failureShare) {
		return "failed"
	}
	return "completed"
}

func (s *Server) createExperiment(r *http.Request, c call) reply {
	var in experimentCreate
	if bad := decodeBody(r, &in, false); bad != nil {
		return *bad
	}
	if strings.TrimSpace(in.StartCommand) == "" {
		return invalid("start_command", in.StartCommand, "is required")
	}
	hp, err := parseHyperparameters(in.Hyperparameters)
	if err != nil {
		return invalid("hyperparameters", string(in.Hyperparameters), err.Error())
	}
	return s.inProject(r, func(o *organization, p *project) reply {
		cl := o.clusters[0]
		if in.ClusterID != nil || in.ClusterName != "" {
			cl = nil
			for _, k := range o.clusters {
				if (in.ClusterID != nil && k.id == *in.ClusterID) || (in.ClusterID == nil && k.name == in.ClusterName) {
					cl = k
				}
			}
			if cl == nil {
				if in.ClusterID != nil {
					return invalid("cluster_id", itoa(*in.ClusterID), "no such cluster")
				}
				return invalid("cluster_name", in.ClusterName, "no such cluster")
			}
		}
		image := in.ImageURL
		if image == "" {
			image = "quay.io/vessl-ai/torch:2.1.0-cuda12.2-r3"
		}
		spec := int64(1)
		if in.ResourceSpecID != nil {
			spec = *in.ResourceSpecID
		}
		p.nextNumber++
		now := c.now
		e := &experiment{
			lifecycle: lifecycle{created: now, duration: s.data.runDur, final: s.finalStatus(failRequested(hp))},
			id:        s.data.id(), number: p.nextNumber, message: in.Message, startCommand: in.StartCommand,
			hyperparameters: hp, updated: now, cluster: cl, imageURL: image, resourceSpecID: spec,
			protected: in.TerminationProtection,
		}
		p.experiments = append(p.experiments, e)
		return replyJSON(http.StatusCreated, e.view(o, p, now))
	})
}

func (s *Server) getExperiment(r *http.Request, c call) reply {
	return s.inExperiment(r, func(o *organization, p *project, e *experiment) reply {
		return replyJSON(http.StatusOK, e.view(o, p, c.now))
	})
}

func (s *Server) updateExperiment(r *http.Request, c call) reply {
	var in struct {
		Message *string `json:"message"`
	}
	if bad := decodeBody(r, &in, false); bad != nil {
		return *bad
	}
	if in.Message == nil {
		return invalid("message", "", "is required")
	}
	return s.inExperiment(r, func(o *organization, p *project, e *experiment) reply {
		e.message, e.updated = *in.Message, c.now
		return replyJSON(http.StatusOK, e.view(o, p, c.now))
	})
}

func (s *Server) terminateExperiment(r *http.Request, c call) reply {
	return s.inExperiment(r, func(o *organization, p *project, e *experiment) reply {
		if e.finished(c.now) {
			st, _ := e.status(c.now)
			return replyError(http.StatusBadRequest, "InvalidStatus", "experiment #"+itoa(e.number)+" already "+st+".", nil)
		}
		e.stop(c.now, "terminated")
		e.updated = c.now
		return replyJSON(http.StatusOK, e.view(o, p, c.now))
	})
}

// logQuery parses the float-seconds bounds and the limit of a logs request.
func logQuery(r *http.Request, afterKey, beforeKey, limitKey string) (after, before float64, limit int, bad *reply) {
	q := r.URL.Query()
	for _, f := range []struct {
		key string
		dst *float64
	}{{afterKey, &after}, {beforeKey, &before}} {
		if v := q.Get(f.key); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				rep := invalid(f.key, v, "must be a number of seconds")
				return 0, 0, 0, &rep
			}
			*f.dst = x
		}
	}
	if v := q.Get(limitKey); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			rep := invalid(limitKey, v, "must be a non-negative integer")
			return 0, 0, 0, &rep
		}
		limit = n
	}
	return after, before, limit, nil
}

func (s *Server) experimentLogs(r *http.Request, c call) reply {
	after, before, limit, bad := logQuery(r, "after", "before", "limit")
	if bad != nil {
		return *bad
	}
	return s.inExperiment(r, func(o *organization, p *project, e *experiment) reply {
		lines := filterLogs(e.logs(c.now, "experiment"), after, before, limit)
		return replyJSON(http.StatusOK, logsJSON{Logs: lines})
	})
}

func (s *Server) experimentLogsRaw(r *http.Request, c call) reply {
	return s.inExperiment(r, func(o *organization, p *project, e *experiment) reply {
		var b strings.Builder
		for _, l := range e.logs(c.now, "experiment") {
			b.WriteString(l.Message)
			b.WriteByte('\n')
		}
		return reply{status: http.StatusOK, body: []byte(b.String()), contentType: "text/plain; charset=utf-8"}
	})
}
