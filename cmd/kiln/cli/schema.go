package cli

import (
	"github.com/kilnhq/kiln/schemas"
)

func init() {
	commands = append(commands, &command{
		name:  "schema",
		args:  "",
		short: "print the JSON Schema of the app definition",
		long: `Schema prints the JSON Schema (draft 2020-12) of the kiln app definition,
generated from schemas/app.cue. Editors that use yaml-language-server show
its descriptions and check fields as you type when kiln.yaml starts with:

	# yaml-language-server: $schema=path/to/app.schema.json

Example:

	kiln schema > .kiln/app.schema.json`,
		maxArgs: 0,
		run: func(env *Env, _ any, _ []string) int {
			if _, err := env.Stdout.Write(schemas.AppJSONSchema); err != nil {
				return ExitBadInput
			}
			return ExitClean
		},
	})
}
