package testserver

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

type run struct {
	lifecycle
	id      int64
	slug    string
	name    string
	message string
	spec    string
	updated time.Time
	tags    []string
}

func (x *run) view(o *organization, p *project, now time.Time) runJSON {
	status, progress := x.status(now)
	tags := x.tags
	if tags == nil {
		tags = []string{}
	}
	return runJSON{
		ID: x.id, ImmutableSlug: x.slug, Name: x.name, Message: x.message, Status: status,
		StatusReason: x.statusReason(now), CreateDT: x.created.UTC(), UpdatedDT: x.updated.UTC(),
		ProgressPercent: int(progress), Tags: tags, Type: "batch",
		Organization: orgRef{o.id, o.name}, Project: orgRef{p.id, p.name},
	}
}

// inRun is inProject for the run execution whose id is in the path.
func (s *Server) inRun(r *http.Request, f func(o *organization, p *project, x *run) reply) reply {
	return s.inProject(r, func(o *organization, p *project) reply {
		raw := r.PathValue("id")
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return notFound("run execution", raw)
		}
		for _, x := range p.runs {
			if x.id == id {
				return f(o, p, x)
			}
		}
		return notFound("run execution", raw)
	})
}

func (s *Server) listRuns(r *http.Request, c call) reply {
	q := r.URL.Query()
	statuses, keyword := q["statuses"], q.Get("keyword")
	return s.inProject(r, func(o *organization, p *project) reply {
		views := make([]runJSON, 0, len(p.runs))
		for _, x := range p.runs {
			if keyword != "" && !strings.Contains(x.name, keyword) && !strings.Contains(x.message, keyword) {
				continue
			}
			if v := x.view(o, p, c.now); hasStatus(statuses, v.Status) {
				views = append(views, v)
			}
		}
		return paginate(r, views, func(v runJSON) int64 { return v.ID })
	})
}

func (s *Server) getRun(r *http.Request, c call) reply {
	return s.inRun(r, func(o *organization, p *project, x *run) reply {
		return replyJSON(http.StatusOK, x.view(o, p, c.now))
	})
}

func (s *Server) terminateRun(r *http.Request, c call) reply {
	return s.inRun(r, func(o *organization, p *project, x *run) reply {
		if x.finished(c.now) {
			st, _ := x.status(c.now)
			return replyError(http.StatusBadRequest, "InvalidStatus", "run "+itoa(x.id)+" already "+st+".", nil)
		}
		x.stop(c.now, "stopped")
		x.updated = c.now
		return replyJSON(http.StatusOK, x.view(o, p, c.now))
	})
}

func (s *Server) runLogs(r *http.Request, c call) reply {
	after, before, limit, bad := logQuery(r, "log_start", "log_end", "log_limit")
	if bad != nil {
		return *bad
	}
	return s.inRun(r, func(o *organization, p *project, x *run) reply {
		return replyJSON(http.StatusOK, logsJSON{Logs: filterLogs(x.logs(c.now, "run"), after, before, limit)})
	})
}

// yamlField returns the value of a top-level "key: value" line of a YAML
// document, unquoted; enough for the name and message of a run spec.
func yamlField(doc, key string) string {
	for line := range strings.Lines(doc) {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

func (s *Server) createRunFromYAML(r *http.Request, c call) reply {
	var in struct {
		YAMLSpec string `json:"yaml_spec"`
	}
	if bad := decodeBody(r, &in, false); bad != nil {
		return *bad
	}
	if strings.TrimSpace(in.YAMLSpec) == "" {
		return invalid("yaml_spec", "", "is required")
	}
	return s.inProject(r, func(o *organization, p *project) reply {
		id := s.data.id()
		name := yamlField(in.YAMLSpec, "name")
		if name == "" {
			name = "run-" + itoa(id)
		}
		x := &run{
			lifecycle: lifecycle{created: c.now, duration: s.data.runDur, final: s.finalStatus(yamlField(in.YAMLSpec, "fail") == "true")},
			id:        id, slug: "run-" + itoa(id), name: name, message: yamlField(in.YAMLSpec, "message"),
			spec: in.YAMLSpec, updated: c.now,
		}
		p.runs = append(p.runs, x)
		return replyJSON(http.StatusCreated, struct {
			RunExecution runJSON `json:"run_execution"`
		}{x.view(o, p, c.now)})
	})
}
