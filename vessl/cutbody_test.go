package vessl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// cutAfterHeaders answers 200 with a Content-Length it does not honour:
// the headers and half the body go out, then the connection is closed.
func cutAfterHeaders(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, body[:len(body)/2])
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// TestDoRepeatsCutBody: a 2xx body that breaks off after the headers is
// sent again when that cannot apply a write twice, with the same request id,
// and reported (not repeated) otherwise.
func TestDoRepeatsCutBody(t *testing.T) {
	const body = `{"id": 7, "name": "exp-7", "number": 7}`
	tests := []struct {
		name     string
		method   string
		key      string // Idempotency-Key, if any
		cuts     int    // how many answers are cut before a whole one
		writer   bool   // read into an io.Writer instead of JSON
		attempts int    // requests the server sees
		ok       bool
	}{
		{"GET cut once", http.MethodGet, "", 1, false, 2, true},
		{"GET cut twice", http.MethodGet, "", 2, false, 3, true},
		{"GET always cut", http.MethodGet, "", 10, false, 3, false},
		{"PUT cut once", http.MethodPut, "", 1, false, 2, true},
		{"POST cut is not repeated", http.MethodPost, "", 1, false, 1, false},
		{"POST with a key is repeated", http.MethodPost, "k-1", 1, false, 2, true},
		{"io.Writer is not repeated", http.MethodGet, "", 1, true, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux, _ := setup(t)
			var mu sync.Mutex
			var ids, bodies []string
			mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
				in, _ := io.ReadAll(r.Body)
				mu.Lock()
				ids = append(ids, r.Header.Get(HeaderRequestID))
				bodies = append(bodies, string(in))
				n := len(ids)
				mu.Unlock()
				if n <= tt.cuts {
					cutAfterHeaders(w, body)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, body)
			})
			var payload any
			if tt.method != http.MethodGet {
				payload = map[string]string{"name": "exp-7"}
			}
			req, err := client.NewRequest(tt.method, "x", payload)
			if err != nil {
				t.Fatal(err)
			}
			if tt.key != "" {
				req.Header.Set(HeaderIdempotencyKey, tt.key)
			}
			var exp Experiment
			var buf bytes.Buffer
			var v any = &exp
			if tt.writer {
				v = &buf
			}
			_, err = client.Do(context.Background(), req, v)
			if tt.ok != (err == nil) {
				t.Fatalf("Do error = %v; want ok=%v", err, tt.ok)
			}
			if tt.ok && exp.Number != 7 {
				t.Errorf("decoded %+v; want experiment 7", exp)
			}
			if !tt.ok && !strings.Contains(err.Error(), "reading body") {
				t.Errorf("Do error = %q; want it to say the body could not be read", err)
			}
			if !tt.ok && strings.Contains(err.Error(), testToken) {
				t.Errorf("Do error %q contains the token", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(ids) != tt.attempts {
				t.Fatalf("server saw %d requests; want %d", len(ids), tt.attempts)
			}
			for i := range ids {
				if ids[i] != ids[0] || bodies[i] != bodies[0] {
					t.Errorf("attempt %d sent id %q body %q; want %q %q as the first", i+1, ids[i], bodies[i], ids[0], bodies[0])
				}
			}
		})
	}
}

// TestDoCutBodyAfterCancel: a body that breaks off because the caller gave
// up is not repeated, and the error says why.
func TestDoCutBodyAfterCancel(t *testing.T) {
	client, mux, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	var mu sync.Mutex
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"results": [`)
		w.(http.Flusher).Flush()
		cancel()
		<-r.Context().Done()
	})
	req, _ := client.NewRequest(http.MethodGet, "x", nil)
	_, err := client.Do(ctx, req, &struct{}{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Do error = %v; want one matching context.Canceled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("server saw %d requests; want 1", calls)
	}
}

// TestDoReadsLongChunkedBody: a body without Content-Length, longer than
// the first read buffer, is joined from its chunks intact.
func TestDoReadsLongChunkedBody(t *testing.T) {
	client, mux, _ := setup(t)
	want := strings.Repeat("x", 300<<10)
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := `{"name": "` + want + `"}`
		for len(body) > 0 { // flushed in pieces: chunked, no Content-Length
			n := min(len(body), 7000)
			io.WriteString(w, body[:n])
			w.(http.Flusher).Flush()
			body = body[n:]
		}
	})
	req, _ := client.NewRequest(http.MethodGet, "x", nil)
	var got struct{ Name string }
	if _, err := client.Do(context.Background(), req, &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != want {
		t.Errorf("decoded a name of %d bytes; want %d", len(got.Name), len(want))
	}
}
