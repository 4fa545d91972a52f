package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	explaintext "github.com/kilnhq/kiln/compiler/explain"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/policies"
	"github.com/kilnhq/kiln/workspace"
)

type rulesOptions struct {
	policyOptions
}

func init() {
	commands = append(commands, &command{
		name:  "rules",
		args:  "[flags] [ID]",
		short: "list the guardrails, or describe one",
		long: `Rules lists the guardrails a run would evaluate: kiln's built-in rules and
the repository's own (.kiln/config.yaml, --policy), with their id,
severity and title, after the repository's disabled rules and severity
overrides. With an ID it prints the rule's rationale, remediation, and an
example that fails it and one that passes.

kiln build and kiln lint run them; a finding is reported at the line of
the definition, patch, Dockerfile or manifest that caused it. The rules
reference (docs/rules.md) is generated from the same metadata.

Examples:

	kiln rules
	kiln rules image-pinned
	kiln rules --policy policy/`,
		maxArgs: 1,
		flags: func(fs *flag.FlagSet) any {
			o := &rulesOptions{}
			o.policyOptions.register(fs)
			return o
		},
		run: func(env *Env, opts any, args []string) int {
			o := opts.(*rulesOptions)
			w, ok := open(env, "rules", o.policyOptions.workspaceOptions(env, nil))
			if !ok {
				return ExitBadInput
			}
			bundle, err := w.Policies()
			if err != nil {
				return failed(env, "rules", &reportOptions{format: "text"}, err)
			}
			cfg, err := w.Config()
			if err != nil {
				return failed(env, "rules", &reportOptions{format: "text"}, err)
			}
			// The team rules judge the apps together, beside the Rego rules.
			rules := append(bundle.Rules(), workspace.TeamRules(cfg)...)
			if len(args) == 0 {
				w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tSEVERITY\tTITLE")
				for _, r := range rules {
					fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
				}
				w.Flush()
				return ExitClean
			}
			i := slices.IndexFunc(rules, func(r guard.Rule) bool { return r.ID == args[0] })
			if i < 0 {
				fmt.Fprintf(env.Stderr, "kiln rules: no rule %q; kiln rules lists them\n", args[0])
				return ExitBadInput
			}
			describeRule(env.Stdout, rules[i])
			return ExitClean
		},
	})
}

func describeRule(w io.Writer, r guard.Rule) {
	fmt.Fprintf(w, "RULE:        %s\nSEVERITY:    %s\nTITLE:       %s\nSOURCE:      %s:%d\n\nWHY:\n%s\n\nFIX:\n%s\n",
		r.ID, r.Severity, r.Title, r.File, r.Line, explaintext.Wrap(r.Description, 76, "    "), explaintext.Wrap(r.Remediation, 76, "    "))
	if r.Builtin {
		fmt.Fprintf(w, "\nDOCS:        %s#%s\n", guard.RulesDoc, r.ID)
	}
	if r.Package == "team" {
		fmt.Fprintf(w, "\nACROSS APPS: judged on the apps of a run over the whole repository together, not on one (docs/namespaces.md)\n")
	}
	for _, ex := range []struct{ verdict, title string }{{"fail", "FAILS"}, {"pass", "PASSES"}} {
		for _, f := range policies.Example(r.ID, ex.verdict) {
			fmt.Fprintf(w, "\n%s (%s):\n%s", ex.title, f.Name, indent(f.Content, "    "))
		}
	}
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}

// RulesReference renders the built-in rules as Markdown: the rules
// reference, docs/rules.md, which findings link to.
func RulesReference() (string, error) {
	b, err := guard.Builtin()
	if err != nil {
		return "", err
	}
	var s strings.Builder
	s.WriteString("# Guardrails reference\n\n")
	s.WriteString("<!-- Generated from the rules' METADATA and examples in policies/ by `make docs`. Do not edit. -->\n\n")
	s.WriteString("kiln's built-in rules, as `kiln rules` lists them. Each finding's rule id links here.\n")
	s.WriteString("Disable a rule or change its severity in `.kiln/config.yaml`; waive it for one app in `spec.waivers`.\n")
	s.WriteString("Writing your own: [policies.md](policies.md).\n\n")
	s.WriteString("| Rule | Severity | Title |\n| --- | --- | --- |\n")
	rules := append(b.Rules(), workspace.TeamRules(nil)...)
	for _, r := range rules {
		fmt.Fprintf(&s, "| [%s](#%s) | %s | %s |\n", r.ID, r.ID, r.Severity, r.Title)
	}
	for _, r := range rules {
		fmt.Fprintf(&s, "\n## %s\n\n**%s** · severity %s · source [`%s`](../%s)\n\n%s\n\n**Fix:** %s\n",
			r.ID, r.Title, r.Severity, r.File, r.File, r.Description, r.Remediation)
		if r.Package == "team" {
			s.WriteString("\nIt judges the apps of a run over the whole repository together, not one app: see [namespaces.md](namespaces.md).\n")
		}
		for _, ex := range []struct{ verdict, title string }{{"fail", "Fails"}, {"pass", "Passes"}} {
			for _, f := range policies.Example(r.ID, ex.verdict) {
				lang := "yaml"
				if f.Name == "Dockerfile" {
					lang = "dockerfile"
				}
				fmt.Fprintf(&s, "\n%s (`%s`):\n\n```%s\n%s```\n", ex.title, f.Name, lang, f.Content)
			}
		}
	}
	return s.String(), nil
}
