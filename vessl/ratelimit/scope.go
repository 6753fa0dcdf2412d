package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"sync/atomic"
)

// ScopeFunc chooses the budget a request draws from: requests that return the
// same scope share one server-side bucket in the client's model. It must be
// safe for concurrent use.
type ScopeFunc func(*http.Request) string

// scopeMemo memoizes DefaultScope, a pure function, so the hot path neither
// hashes nor allocates. It is bounded: past maxMemo distinct (host,
// credential) pairs new pairs are computed each time. It changes no
// behaviour, only speed, which is why it may be package-level.
type scopeMemo struct {
	last atomic.Pointer[scopeEntry] // the pair seen last: a program usually has one
	mu   sync.RWMutex
	m    map[scopeKey]*scopeEntry
}

type scopeKey struct{ host, auth string }

type scopeEntry struct {
	key   scopeKey
	scope string
}

const maxMemo = 1024

var defaultScopeMemo = scopeMemo{m: make(map[scopeKey]*scopeEntry)}

// DefaultScope puts each host and credential in its own scope: "host", or
// "host#" followed by 12 hex digits of the SHA-256 of the Authorization
// header. The credential itself is never part of the scope, so scopes are
// safe to log. A pair seen before is looked up without allocating.
func DefaultScope(r *http.Request) string {
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	var auth string
	if v := r.Header["Authorization"]; len(v) > 0 {
		auth = v[0]
	}
	if auth == "" {
		return host
	}
	k := scopeKey{host, auth}
	m := &defaultScopeMemo
	if e := m.last.Load(); e != nil && e.key == k {
		return e.scope
	}
	m.mu.RLock()
	e, ok := m.m[k]
	m.mu.RUnlock()
	if ok {
		m.last.Store(e) // no allocation: e lives in the memo
		return e.scope
	}
	sum := sha256.Sum256([]byte(auth))
	s := host + "#" + hex.EncodeToString(sum[:6])
	m.mu.Lock()
	if len(m.m) < maxMemo {
		e := &scopeEntry{k, s}
		m.m[k] = e
		m.last.Store(e)
	}
	m.mu.Unlock()
	return s
}
