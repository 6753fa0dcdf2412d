package testserver_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/vessl-go/vessl-go/internal/testserver"
)

func Example() {
	srv := testserver.Start(testserver.WithLimits(testserver.Limit{
		Algorithm: testserver.SlidingLog, Requests: 2, Window: time.Minute,
	}))
	defer srv.Close()

	for range 3 {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/accounts/me", nil)
		req.Header.Set("Authorization", "Token "+srv.Token())
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, "remaining", resp.Header.Get("X-RateLimit-Remaining"))
	}
	st := srv.Stats(srv.Token())
	fmt.Printf("admitted %d, throttled %d, exceeded %v\n", st.Admitted, st.Throttled, st.Exceeded)
	// Output:
	// 200 remaining 1
	// 200 remaining 0
	// 429 remaining 0
	// admitted 2, throttled 1, exceeded false
}

func ExampleServer_WriteCounts() {
	srv := testserver.Start()
	defer srv.Close()
	post := func(requestID string) {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/organizations/demo-org/model_repositories",
			strings.NewReader(`{"name":"repo-`+requestID+`"}`))
		req.Header.Set("Authorization", "Token "+srv.Token())
		req.Header.Set("X-Request-Id", requestID)
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}
	post("a")
	post("b")
	fmt.Println(srv.WriteCounts()["a"], srv.Duplicates())
	// Output: 1 0
}
