package vessl

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestClustersList(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/clusters", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"limit": {"20"}, "offset": {"20"}})
		reply(w, `{"page_info": {"total_count": 21, "hasNextPage": false}, "results": [{"id": 1, "name": "gpu", "provider": "aws", "region": null, "is_vessl_managed": true}]}`)
	})
	got, _, err := c.Clusters.List(context.Background(), "", &ClusterListOptions{ListOptions{Limit: 20, Offset: 20}})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	testJSONEqual(t, "List", got, []*Cluster{{ID: 1, Name: "gpu", Provider: ProviderAWS, IsVESSLManaged: true}})
}

func TestClustersListIter(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v1/organizations/demo-org/clusters", func(w http.ResponseWriter, r *http.Request) {
		reply(w, `{"page_info": {"hasNextPage": false}, "results": [{"id": 1}]}`)
	})
	n := 0
	for _, err := range c.Clusters.ListIter(context.Background(), "", nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("got %d clusters; want 1", n)
	}
}
