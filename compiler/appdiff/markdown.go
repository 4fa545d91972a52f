package appdiff

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// Bounds that keep a Markdown report readable and postable: a GitHub
// comment holds at most 65,536 characters, and a table or a diff of
// thousands of lines is read by nobody.
const (
	maxMarkdown  = 60000 // the whole report, in bytes
	maxRows      = 50    // rows of the summary table
	maxDiffLines = 300   // lines of one environment's unified diff
)

// Markdown writes r for a pull-request comment or a job summary: a
// summary table, then one collapsed section per app with its changes and
// the unified diff in a diff fence. The apps that would take the report
// past maxMarkdown bytes are named and left out, and the report says so.
func Markdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### kiln diff: %s → %s\n\n", r.Base, r.Head)
	if len(r.Apps) == 0 {
		fmt.Fprintf(&b, "No rendered manifest changes (%s).\n", plural(r.Total, "app"))
		_, err := io.WriteString(w, b.String())
		return err
	}
	added, changed, removed := r.Counts()
	fmt.Fprintf(&b, "%d of %s change: %s added, %d changed, %d removed.\n\n", len(r.Apps), plural(r.Total, "app"),
		plural(added, "object"), changed, removed)
	table(&b, r)
	var left []string
	for _, a := range r.Apps {
		// An app that does not fit is left out, and a smaller one after
		// it may still fit; 1000 bytes stay free for the note.
		s := section(a)
		if b.Len()+len(s) > maxMarkdown-1000 {
			left = append(left, code(a.Name))
			continue
		}
		b.WriteString(s)
	}
	if len(left) > 0 {
		fmt.Fprintf(&b, "\n%s not shown, to keep this report under %d characters: %s. Run `kiln diff` locally, or read `kiln diff --format json`.\n",
			plural(len(left), "more app's diff is", "more apps' diffs are"), maxMarkdown, strings.Join(capList(left, 30), ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// table writes one row per environment that changed.
func table(b *strings.Builder, r *Report) {
	b.WriteString("| App | Environment | Status | Added | Changed | Removed |\n| --- | --- | --- | ---: | ---: | ---: |\n")
	rows := 0
	for _, a := range r.Apps {
		for _, e := range a.Envs {
			if rows++; rows > maxRows {
				continue
			}
			ad, ch, rm := e.Counts()
			fmt.Fprintf(b, "| %s | %s | %s | %d | %d | %d |\n", code(a.Name), code(e.Name), e.Status, ad, ch, rm)
		}
		if len(a.Envs) == 0 { // renamed or moved, the same manifests
			if rows++; rows <= maxRows {
				fmt.Fprintf(b, "| %s | | %s | 0 | 0 | 0 |\n", code(a.Name), cell(appTitle(a)))
			}
		}
	}
	if rows > maxRows {
		fmt.Fprintf(b, "\n%d more rows not shown.\n", rows-maxRows)
	}
	b.WriteString("\n")
}

// section is one app's collapsed details.
func section(a AppDiff) string {
	var b strings.Builder
	var envs []string
	for _, e := range a.Envs {
		envs = append(envs, e.Name)
	}
	summary := appTitle(a) + " " + a.Status
	if len(envs) > 0 {
		summary += " in " + strings.Join(envs, ", ")
	}
	fmt.Fprintf(&b, "<details>\n<summary>%s</summary>\n\n", html.EscapeString(summary))
	for _, e := range a.Envs {
		fmt.Fprintf(&b, "**%s** (%s)\n\n", html.EscapeString(e.Name), e.Status)
		for _, c := range e.Objects {
			fmt.Fprintf(&b, "- %s %s\n", ops[c.Op], code(c.Key.String()))
			for _, f := range c.Fields {
				fmt.Fprintf(&b, "  - %s: %s\n", code(f.Path), code(fieldChange(f)))
			}
		}
		if e.Diff != "" {
			d := capLines(e.Diff, maxDiffLines)
			f := fence(d)
			fmt.Fprintf(&b, "\n%sdiff\n%s%s\n", f, d, f)
		}
		b.WriteString("\n")
	}
	b.WriteString("</details>\n\n")
	return b.String()
}

// capLines keeps the first n lines of s and says how many it dropped.
func capLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) <= n {
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return s
	}
	return strings.Join(lines[:n], "") + fmt.Sprintf("# … %d more lines not shown\n", len(lines)-n)
}

// capList keeps the first n names and counts the rest.
func capList(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(names[:n:n], fmt.Sprintf("and %d more", len(names)-n))
}

// fence is a code fence longer than any run of backticks in s.
func fence(s string) string {
	f := "```"
	for strings.Contains(s, f) {
		f += "`"
	}
	return f
}

// code is s as inline code, whatever backticks it holds.
func code(s string) string {
	ticks := "`"
	for strings.Contains(s, ticks) {
		ticks += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// cell escapes the pipes that would end a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// plural is "1 app", "3 apps"; with forms, n and the matching form.
func plural(n int, forms ...string) string {
	one, many := forms[0], forms[0]+"s"
	if len(forms) > 1 {
		many = forms[1]
	}
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
