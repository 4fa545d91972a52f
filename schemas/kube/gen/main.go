// Command gen regenerates kiln's embedded Kubernetes schemas
// (schemas/kube/<minor>.json.gz) from the official OpenAPI spec of each
// release in kube.Releases. Run it with `make schema`.
//
// With -kubeconform DIR it instead writes the newest embedded schema as
// one file per kind into DIR, in kubeconform's layout, for measuring
// kubeconform beside kiln lint (scripts/bench-lint.sh).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kilnhq/kiln/schemas/kube"
)

func main() {
	kubeconform := flag.String("kubeconform", "", "write the newest schema, one file per kind, for kubeconform into this directory")
	flag.Parse()
	if *kubeconform != "" {
		check(writeStandalone(*kubeconform))
		return
	}
	dir := "schemas/kube"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	for _, r := range kube.Releases {
		b, err := kube.Generate(r)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v\n", r, err)
			os.Exit(1)
		}
		name := filepath.Join(dir, kube.Minor(r)+".json.gz")
		check(os.WriteFile(name, b, 0o644))
		fmt.Printf("wrote %s (%d bytes)\n", name, len(b))
	}
}

func writeStandalone(dir string) error {
	files, err := kube.Standalone(kube.Default())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
