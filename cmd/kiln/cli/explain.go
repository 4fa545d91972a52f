package cli

import (
	"fmt"

	explaintext "github.com/kilnhq/kiln/compiler/explain"
	"github.com/kilnhq/kiln/compiler/schema"
)

func init() {
	commands = append(commands, &command{
		name:  "explain",
		args:  "FIELD",
		short: "describe a field of the app definition",
		long: `Explain describes one field of the app definition: its type, whether it is
required, its default, its constraints, its documentation and, for a
mapping, the fields it holds. FIELD is a dotted path; the leading "spec."
may be left out.

Examples:

	kiln explain spec.sla.availability
	kiln explain resources.memory
	kiln explain spec`,
		minArgs: 1, maxArgs: 1,
		run: func(env *Env, _ any, args []string) int { return explain(env, args[0]) },
	})
}

func explain(env *Env, path string) int {
	s, err := schema.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln: internal error loading the app schema: %v\n", err)
		return ExitBadInput
	}
	text, err := explaintext.Text(s, path)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln explain: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprint(env.Stdout, text)
	return ExitClean
}
