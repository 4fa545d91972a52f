// Command gen regenerates kiln's embedded Kubernetes schemas
// (schemas/kube/<minor>.json.gz) from the official OpenAPI spec of each
// release in kube.Releases. Run it with `make schema`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kilnhq/kiln/schemas/kube"
)

func main() {
	dir := "schemas/kube"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	for _, r := range kube.Releases {
		b, err := kube.Generate(r)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v\n", r, err)
			os.Exit(1)
		}
		name := filepath.Join(dir, kube.Minor(r)+".json.gz")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Printf("wrote %s (%d bytes)\n", name, len(b))
	}
}
