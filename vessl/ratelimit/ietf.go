package ratelimit

import "strings"

// This file reads the IETF "RateLimit header fields for HTTP" forms:
//
//	RateLimit-Policy: "burst";q=100;w=60, "daily";q=1000;w=86400
//	RateLimit: "burst";r=50;t=30
//
// (structured-field lists, RFC 9651), the older drafts' list of bare
// integers with a w= parameter (RateLimit-Policy: 100;w=60) and the
// dictionary-like RateLimit: limit=100, remaining=50, reset=30. The reader
// is tolerant: tokens are accepted where strings are expected, whitespace is
// skipped and unknown parameters are ignored.

// sfItems iterates over the members of a structured-field list without
// allocating; commas inside quoted strings do not split members.
type sfItems struct{ s string }

// next returns the next member's bare item and its parameter text.
func (it *sfItems) next() (item, params string, ok bool) {
	for {
		s := strings.TrimLeft(it.s, " \t,")
		if s == "" {
			it.s = ""
			return "", "", false
		}
		end := len(s)
		inQuote := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && inQuote && i+1 < len(s) {
				i++
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			}
			if c == ',' && !inQuote {
				end = i
				break
			}
		}
		member := strings.TrimSpace(s[:end])
		it.s = s[end:]
		if member == "" {
			continue
		}
		item, params = splitBareItem(member)
		return item, params, true
	}
}

// splitBareItem splits a member into its bare item and the text after the
// first ';' outside the bare item (a quoted string may contain ';').
func splitBareItem(m string) (item, params string) {
	if strings.HasPrefix(m, `"`) {
		for i := 1; i < len(m); i++ {
			switch m[i] {
			case '\\':
				i++
			case '"':
				item = m[1:i]
				rest := m[i+1:]
				if j := strings.IndexByte(rest, ';'); j >= 0 {
					return item, rest[j+1:]
				}
				return item, ""
			}
		}
		return strings.Trim(m, `"`), "" // unterminated: tolerate
	}
	item, params, _ = strings.Cut(m, ";")
	return strings.TrimSpace(item), params
}

// sfParam returns the value of parameter key (case-insensitive) in a
// parameter text such as `q=100;w=60`, with quotes removed.
func sfParam(params, key string) (string, bool) {
	for params != "" {
		var kv string
		kv, params, _ = strings.Cut(params, ";")
		k, v, found := strings.Cut(kv, "=")
		if strings.EqualFold(strings.TrimSpace(k), key) {
			if !found {
				return "", true // boolean true parameter
			}
			return strings.Trim(strings.TrimSpace(v), `"`), true
		}
	}
	return "", false
}

// ietfPolicy reads RateLimit-Policy: quotas (q) and windows (w) per policy.
func (p *parser) ietfPolicy(key string, vals []string) {
	for _, v := range vals {
		it := sfItems{s: v}
		for {
			item, params, ok := it.next()
			if !ok {
				break
			}
			name := item
			var quota string
			if _, isNum := atoi(item); isNum {
				// Draft 03-06: the item is the quota itself ("100;w=60").
				// Name it by its quota so RateLimit-Limit can find it.
				quota, name = item, "q="+item
			} else if q, ok := sfParam(params, "q"); ok {
				quota = q
			}
			pol := p.policyFor(name)
			if pol == nil {
				return
			}
			if quota != "" {
				n, ok := parseCount(quota)
				if !ok {
					p.fail(key, v, errSyntax)
					continue
				}
				pol.setLimit(n)
			}
			if w, ok := sfParam(params, "w"); ok {
				if d, ok := parseSeconds(w); ok && d > 0 {
					pol.setWindow(d)
				} else {
					p.fail(key, v, errSyntax)
				}
			}
		}
	}
}

// ietfRateLimit reads RateLimit: remaining (r) and reset (t) per policy, or
// the older limit=, remaining=, reset= form.
func (p *parser) ietfRateLimit(key string, vals []string) {
	for _, v := range vals {
		it := sfItems{s: v}
		for {
			item, params, ok := it.next()
			if !ok {
				break
			}
			if k, val, isKV := strings.Cut(item, "="); isKV && !strings.HasPrefix(item, `"`) {
				// Older draft: each member is a key=value pair of the
				// unnamed policy.
				p.xField(key, strings.TrimSpace(k), val)
				continue
			}
			pol := p.policyFor(item)
			if pol == nil {
				return
			}
			if r, ok := sfParam(params, "r"); ok {
				n, ok := parseCount(r)
				if !ok {
					p.fail(key, v, errSyntax)
				} else {
					pol.setRemaining(n)
				}
			}
			if t, ok := sfParam(params, "t"); ok {
				d, err := p.resetDelay(t)
				if err != nil {
					p.fail(key, v, err)
				} else {
					pol.setReset(d, p.dated)
				}
			}
		}
	}
}

// linkQuotaPolicies gives the unnamed policy (RateLimit-Limit / X-RateLimit)
// the window of an older-draft quota policy ("100;w=60") with the same
// quota, then drops those quota-only policies: the governing choice is made
// among policies with live counters.
func (p *parser) linkQuotaPolicies() {
	base := -1
	for i := 0; i < p.n; i++ {
		if p.pols[i].name == "" {
			base = i
		}
	}
	if base < 0 {
		return
	}
	for i := 0; i < p.n; i++ {
		q := p.pols[i]
		if isQuotaName(q.name) && p.pols[base].window == 0 && q.limit == p.pols[base].limit {
			p.pols[base].window = q.window
		}
	}
	j := 0
	for i := 0; i < p.n; i++ {
		if !isQuotaName(p.pols[i].name) {
			p.pols[j] = p.pols[i]
			j++
		}
	}
	p.n = j
}

func isQuotaName(s string) bool { return strings.HasPrefix(s, "q=") }
