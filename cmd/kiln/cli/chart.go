package cli

import (
	"flag"
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
	    -f build/checkout/helm/values.yaml -f build/checkout/helm/values-prod.yaml

The release is named as Helm charts conventionally name it: installed as
the app's name (checkout), its objects are kiln's exactly; under another
name they are named <release>-<app> and select their own pods, so several
releases of one app can share a namespace (docs/helm.md).

The chart is generic, so it states no appVersion; --app-version writes
one (what helm list shows as APP VERSION), as helm package --app-version
does.`,
		flags: func(fs *flag.FlagSet) any {
			return fs.String("app-version", "", "the chart's appVersion, e.g. the app's image tag")
		},
		minArgs: 1, maxArgs: 1,
		run: func(env *Env, opts any, args []string) int {
			files, err := helm.ChartFiles()
			if v := *opts.(*string); err == nil && v != "" {
				if err = helm.SetAppVersion(files, v); err != nil {
					err = fmt.Errorf("--app-version: %w", err)
				}
			}
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
