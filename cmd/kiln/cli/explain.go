package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kilnhq/kiln/compiler/compile"
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
	fd, err := s.Explain(path)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln explain: %v\n", err)
		return ExitBadInput
	}
	w := env.Stdout
	fmt.Fprintf(w, "FIELD:       %s\n", fd.Path)
	fmt.Fprintf(w, "TYPE:        %s\n", fd.Type)
	fmt.Fprintf(w, "REQUIRED:    %s\n", map[bool]string{true: "yes", false: "no"}[fd.Required])
	if fd.Default != nil {
		def, _ := json.Marshal(fd.Default)
		fmt.Fprintf(w, "DEFAULT:     %s\n", def)
	}
	for i, c := range fd.Constraints {
		label := "CONSTRAINTS:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "%-12s %s\n", label, c)
	}
	if fd.Description != "" {
		fmt.Fprintf(w, "\nDESCRIPTION:\n%s\n", wrap(fd.Description, 76, "    "))
	}
	if extra, ok := derived[fd.Path]; ok {
		fmt.Fprintf(w, "\n%s\n", extra())
	}
	if len(fd.Fields) > 0 {
		fmt.Fprint(w, "\nFIELDS:\n")
		for _, c := range fd.Fields {
			req := ""
			if c.Required {
				req = " (required)"
			}
			fmt.Fprintf(w, "    %s <%s>%s\n%s\n\n", c.Name, c.Type, req, wrap(c.Summary, 72, "        "))
		}
	}
	return ExitClean
}

// derived says, for the fields that decide emitted output, what they decide.
var derived = map[string]func() string{
	"spec.sla.availability": func() string {
		return "WHAT IT DECIDES (docs/sla.md):\n" + compile.TierTable()
	},
}

func wrap(s string, width int, indent string) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, indent+line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, indent+line)
	}
	return strings.Join(lines, "\n")
}
