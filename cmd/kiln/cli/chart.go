package cli

import (
	"fmt"

	"path/filepath"

	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/helm"
)

func init() {
	commands = append(commands, &command{
		name:  "chart",
		args:  "DIR",
		short: "write kiln's generic Helm chart",
		long: `Chart writes kiln's generic Helm chart into DIR (replacing DIR whole). With
the values kiln build writes for an app, it renders the same objects as the
app's rendered manifests, except for spec.patches, which Helm values cannot
express:

	kiln chart charts/kiln-app
	helm install checkout charts/kiln-app \
	    -f build/checkout/helm/values.yaml -f build/checkout/helm/values-prod.yaml`,
		minArgs: 1, maxArgs: 1,
		run: func(env *Env, _ any, args []string) int {
			files, err := helm.ChartFiles()
			if err == nil {
				err = emit.WriteTree(filepath.Clean(args[0]), files)
			}
			if err != nil {
				fmt.Fprintf(env.Stderr, "kiln chart: %v\n", err)
				return ExitBadInput
			}
			fmt.Fprintf(env.Stderr, "kiln: wrote %s\n", args[0])
			return ExitClean
		},
	})
}
