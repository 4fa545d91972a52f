package workspace_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/workspace"
)

// Check the example app the way kiln check does, and read the result
// instead of a report.
func Example() {
	ctx := context.Background()
	w, err := workspace.Open(ctx, workspace.Options{Dir: "../examples/minimal"})
	if err != nil {
		log.Fatal(err)
	}
	r, err := w.Check(ctx, []string{"../examples/minimal"}, workspace.CheckOptions{})
	if err != nil {
		log.Fatal(err)
	}
	passed, failed := workspace.CountTests(r.Tests)
	fmt.Printf("%d app, %d errors, tests %d passed, %d failed, exit %d\n",
		r.Apps, r.Diagnostics.Count(diag.Error), passed, failed, r.ExitCode(diag.Error))
	// Output: 1 app, 0 errors, tests 3 passed, 0 failed, exit 0
}
