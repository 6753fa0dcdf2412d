// Command quickstart lists your VESSL projects and the experiments of your
// default project. It reads the token, organization and project like the
// official CLI does (VESSL_ACCESS_TOKEN, VESSL_DEFAULT_ORGANIZATION,
// VESSL_DEFAULT_PROJECT, or ~/.vessl/config after `vessl configure`).
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/vessl-go/vessl-go/vessl"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	client, err := vessl.NewClient() // token, organization, project from the environment
	if err != nil {
		return err
	}
	defer client.Close()

	projects, _, err := client.Projects.List(ctx, "", nil)
	if err != nil {
		return err
	}
	for _, p := range projects {
		fmt.Fprintln(w, "project", p.Name)
	}
	// ListIter walks every page; every call shares the client's rate-limit budget.
	for exp, err := range client.Experiments.ListIter(ctx, "", "", nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "experiment #%d %s\n", exp.Number, exp.Status)
	}
	return nil
}
