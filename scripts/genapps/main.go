// Command genapps writes N random, valid app definitions (internal/appgen)
// as DIR/appNNNN/kiln.yaml, for benchmarks over many apps.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/kilnhq/kiln/internal/appgen"
)

func main() {
	n := flag.Int("n", 1000, "how many apps")
	dir := flag.String("o", "apps", "output directory")
	flag.Parse()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range *n {
		d := filepath.Join(*dir, fmt.Sprintf("app%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(filepath.Join(d, "kiln.yaml"), []byte(appgen.Random(r, i)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
