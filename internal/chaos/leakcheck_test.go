package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// secretToken is the access token of the secrets tests: long and random
// looking, so that any 12-byte piece of it showing up somewhere is a leak,
// not a coincidence.
const secretToken = "vsl_9fK2qLx7Rm4TzW8cY1bN6pHd3JvQ5sGa"

// tokenPieces are the overlapping 12-byte windows of secretToken.
func tokenPieces() []string {
	var p []string
	for i := 0; i+12 <= len(secretToken); i++ {
		p = append(p, secretToken[i:i+12])
	}
	return p
}

// leak returns the first piece of secretToken found in s, "" if none.
func leak(s string) string {
	for _, p := range tokenPieces() {
		if strings.Contains(s, p) {
			return p
		}
	}
	return ""
}

// checkNoLeak fails t if s holds any piece of the token.
func checkNoLeak(t *testing.T, what, s string) {
	t.Helper()
	if p := leak(s); p != "" {
		i := strings.Index(s, p)
		t.Errorf("%s holds the token (%q...): %q", what, p, excerpt(s, i))
	}
}

func excerpt(s string, i int) string {
	lo, hi := max(0, i-80), min(len(s), i+80)
	return s[lo:hi]
}

// formatVerbs are the verbs a user might print a value with.
var formatVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"}

// checkFormats prints v with every verb in formatVerbs and checks that no
// output holds the token.
func checkFormats(t *testing.T, what string, v any) {
	t.Helper()
	for _, verb := range formatVerbs {
		checkNoLeak(t, fmt.Sprintf("%s printed with %s", what, verb), fmt.Sprintf(verb, v))
	}
}

// checkError checks err's text, its formatting with every verb, and every
// error it wraps (errors.Unwrap and Unwrap() []error), and walks the
// exported fields of each.
func checkError(t *testing.T, what string, err error) {
	t.Helper()
	seen := map[error]bool{}
	var walk func(e error, path string)
	walk = func(e error, path string) {
		if e == nil || !reflect.TypeOf(e).Comparable() || seen[e] {
			return
		}
		seen[e] = true
		checkNoLeak(t, path+".Error()", e.Error())
		checkFormats(t, path, e)
		checkExported(t, path, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), path+".Unwrap()")
		case interface{ Unwrap() []error }:
			for i, w := range u.Unwrap() {
				walk(w, fmt.Sprintf("%s.Unwrap()[%d]", path, i))
			}
		}
	}
	walk(err, what)
}

// checkExported walks every value reachable from v through exported struct
// fields, pointers, interfaces, slices, arrays and maps, and fails t if a
// string (or []byte) among them holds the token: what a user can reach
// from a value without unsafe or reflection on unexported fields.
func checkExported(t *testing.T, what string, v any) {
	t.Helper()
	visited := map[uintptr]bool{}
	var walk func(rv reflect.Value, path string, depth int)
	walk = func(rv reflect.Value, path string, depth int) {
		if depth > 12 || !rv.IsValid() {
			return
		}
		switch rv.Kind() {
		case reflect.String:
			checkNoLeak(t, what+path, rv.String())
		case reflect.Pointer, reflect.Interface:
			if rv.IsNil() {
				return
			}
			if rv.Kind() == reflect.Pointer {
				if visited[rv.Pointer()] {
					return
				}
				visited[rv.Pointer()] = true
			}
			walk(rv.Elem(), path, depth+1)
		case reflect.Struct:
			for i := range rv.NumField() {
				if f := rv.Type().Field(i); f.IsExported() {
					walk(rv.Field(i), path+"."+f.Name, depth+1)
				}
			}
		case reflect.Slice, reflect.Array:
			if rv.Type().Elem().Kind() == reflect.Uint8 {
				checkNoLeak(t, what+path, string(bytesOf(rv)))
				return
			}
			for i := range min(rv.Len(), 1000) {
				walk(rv.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
			}
		case reflect.Map:
			iter := rv.MapRange()
			for iter.Next() {
				walk(iter.Key(), path+"{key}", depth+1)
				walk(iter.Value(), fmt.Sprintf("%s[%v]", path, iter.Key()), depth+1)
			}
		}
	}
	walk(reflect.ValueOf(v), "", 0)
}

func bytesOf(rv reflect.Value) []byte {
	b := make([]byte, rv.Len())
	for i := range b {
		b[i] = byte(rv.Index(i).Uint())
	}
	return b
}

// logSink captures every record logged through it, at every level,
// formatted by both slog's text and JSON handlers (which print attribute
// values differently: errors, structs, groups).
type logSink struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines int
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines += bytes.Count(p, []byte("\n"))
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// logger returns a debug-level logger writing into s.
func (s *logSink) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}
	return slog.New(fanout{slog.NewTextHandler(s, opts), slog.NewJSONHandler(s, opts)})
}

// fanout sends every record to each of its handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (f fanout) WithAttrs(attrs []slog.Attr) slog.Handler {
	g := make(fanout, len(f))
	for i, h := range f {
		g[i] = h.WithAttrs(attrs)
	}
	return g
}

func (f fanout) WithGroup(name string) slog.Handler {
	g := make(fanout, len(f))
	for i, h := range f {
		g[i] = h.WithGroup(name)
	}
	return g
}
