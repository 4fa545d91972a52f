// Package explain renders the documentation of an app definition field, the
// text `kiln explain FIELD` prints and the language server shows on hover,
// so that the terminal and the editor say the same thing.
package explain

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/schema"
)

// Text returns the documentation of the field at a dotted path: type,
// whether it is required, default, constraints, description, what the
// field decides in the output, and the fields of a mapping. The error
// names a field that does not exist.
func Text(s *schema.Schema, path string) (string, error) {
	fd, err := s.Explain(path)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "FIELD:       %s\n", fd.Path)
	fmt.Fprintf(&b, "TYPE:        %s\n", fd.Type)
	req := map[bool]string{true: "yes", false: "no"}[fd.Required]
	if fd.Required && fd.Unless != "" {
		req += ", unless " + fd.Unless
	}
	fmt.Fprintf(&b, "REQUIRED:    %s\n", req)
	if fd.Default != nil {
		def, _ := json.Marshal(fd.Default)
		fmt.Fprintf(&b, "DEFAULT:     %s\n", def)
	}
	for i, c := range fd.Constraints {
		label := "CONSTRAINTS:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(&b, "%-12s %s\n", label, c)
	}
	if fd.Description != "" {
		fmt.Fprintf(&b, "\nDESCRIPTION:\n%s\n", Wrap(fd.Description, 76, "    "))
	}
	if extra, ok := Decides(fd.Path); ok {
		fmt.Fprintf(&b, "\n%s\n", extra)
	}
	if len(fd.Fields) > 0 {
		b.WriteString("\nFIELDS:\n")
		for _, c := range fd.Fields {
			req := ""
			switch {
			case c.Required && c.Unless != "":
				req = " (required unless " + c.Unless + ")"
			case c.Required:
				req = " (required)"
			}
			fmt.Fprintf(&b, "    %s <%s>%s\n%s\n\n", c.Name, c.Type, req, Wrap(c.Summary, 72, "        "))
		}
	}
	return b.String(), nil
}

// Decides returns, for a field that decides derived output in general
// (not for one app), the table of what it decides.
func Decides(path string) (string, bool) {
	switch path {
	case "spec.sla.availability":
		return "WHAT IT DECIDES (docs/sla.md):\n" + compile.TierTable(), true
	case "spec.build.version":
		return "WHAT IT PINS, BY LANGUAGE (docs/dockerfile.md):\n" + versionTable(), true
	}
	return "", false
}

// versionTable lists, per language, the version pinned when
// build.version is left out and the base images it pins.
func versionTable() string {
	var b strings.Builder
	fmt.Fprintf(&b, "    %-8s %-9s %s\n", "LANGUAGE", "DEFAULT", "BASE IMAGES (build, runtime)")
	for _, l := range dockerfile.Languages {
		v := dockerfile.Defaults[l]
		fmt.Fprintf(&b, "    %-8s %-9s %s\n", l, strconv.Quote(v), strings.Join(dockerfile.Images(l, v), ", "))
	}
	return strings.TrimRight(b.String(), "\n")
}

// Wrap breaks s into lines of at most width characters, each indented.
func Wrap(s string, width int, indent string) string {
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
