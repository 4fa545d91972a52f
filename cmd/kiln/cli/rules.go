package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/kilnhq/kiln/compiler/guard"
)

func init() {
	commands = append(commands, &command{
		name:  "rules",
		args:  "[ID]",
		short: "list the guardrails, or describe one",
		long: `Rules lists kiln's built-in guardrails with their id, severity and title.
With an ID it prints the rule's rationale and remediation.

kiln build runs them on every environment of every app (--no-policy turns
them off); a finding is reported at the line of the definition, or of the
patch, that caused it.

Examples:

	kiln rules
	kiln rules image-pinned`,
		maxArgs: 1,
		run: func(env *Env, _ any, args []string) int {
			b, err := guard.Builtin()
			if err != nil {
				fmt.Fprintf(env.Stderr, "kiln: internal error compiling the built-in guardrails: %v\n", err)
				return ExitBadInput
			}
			if len(args) == 0 {
				w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tSEVERITY\tTITLE")
				for _, r := range b.Rules() {
					fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
				}
				w.Flush()
				return ExitClean
			}
			for _, r := range b.Rules() {
				if r.ID == args[0] {
					fmt.Fprintf(env.Stdout, "RULE:        %s\nSEVERITY:    %s\nTITLE:       %s\n\nWHY:\n%s\n\nFIX:\n%s\n\nSOURCE:      %s\n",
						r.ID, r.Severity, r.Title, wrap(r.Description, 76, "    "), wrap(r.Remediation, 76, "    "), r.File)
					return ExitClean
				}
			}
			fmt.Fprintf(env.Stderr, "kiln rules: no rule %q; kiln rules lists them\n", args[0])
			return ExitBadInput
		},
	})
}
