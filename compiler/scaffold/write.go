package scaffold

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SchemaURL is the JSON Schema of kiln.yaml that the modeline points
// editors at, when the repository keeps no copy of its own.
const SchemaURL = "https://raw.githubusercontent.com/kilnhq/kiln/main/schemas/app.schema.json"

// A Todo is a value of the written definition that the user must give.
type Todo struct {
	Field string // spec.image
	Line  int    // its line in the definition
	Text  string
}

// writer writes the definition line by line, keeping its TODOs' lines.
type writer struct {
	buf   bytes.Buffer
	line  int
	todos []Todo
}

func (w *writer) printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	w.buf.WriteString(s)
	w.line += strings.Count(s, "\n")
}

// field writes "key: value  # comment", the comment saying where the
// value came from or what is to do.
func (w *writer) field(indent, field, key, value string, v Value) {
	w.printf("%s%s: %s%s\n", indent, key, value, w.comment(field, v))
}

func (w *writer) comment(field string, v Value) string {
	switch {
	case v.TODO != "":
		w.todos = append(w.todos, Todo{Field: field, Line: w.line + 1, Text: v.TODO})
		return "  # TODO: " + oneLine(v.TODO)
	case v.From != "":
		return "  # " + oneLine(v.From)
	}
	return ""
}

// note writes a comment of its own, wrapped at 80 columns.
func (w *writer) note(indent, text string) {
	line := indent + "#"
	for _, word := range strings.Fields(text) {
		if len(line)+1+len(word) > 80 && line != indent+"#" {
			w.printf("%s\n", line)
			line = indent + "#"
		}
		line += " " + word
	}
	w.printf("%s\n", line)
}

func (w *writer) todo(indent, field, text string) {
	w.todos = append(w.todos, Todo{Field: field, Line: w.line + 1, Text: text})
	w.note(indent, "TODO: "+text)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// scalar is s as a YAML scalar, quoted only when YAML needs it.
func scalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// Render writes the definition: the modeline editors read, a comment on
// every inferred value saying where it came from, a TODO on each value
// to fill in. It also returns the TODOs, at their lines.
func (p *Project) Render(schema string) ([]byte, []Todo) {
	if schema == "" {
		schema = SchemaURL
	}
	w := &writer{}
	w.printf("# yaml-language-server: $schema=%s\n", schema)
	w.printf("# The app definition of %s, written by kiln init from what the\n", p.Name.V)
	w.printf("# project states: each value found says where it came from, and each\n")
	w.printf("# TODO is a value to give. kiln explain FIELD documents any field.\n")
	w.printf("apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata:\n")
	w.field("  ", "metadata.name", "name", scalar(p.Name.V), p.Name)
	w.field("  ", "metadata.owner", "owner", scalar(p.Owner.V), p.Owner)
	w.printf("spec:\n")
	w.field("  ", "spec.image", "image", scalar(p.Image.V), p.Image)
	p.renderBuild(w)
	w.field("  ", "spec.port", "port", p.Port.V, p.Port)
	if p.Protocol.V != "" {
		w.field("  ", "spec.protocol", "protocol", p.Protocol.V, p.Protocol)
	}
	switch {
	case p.Protocol.V == "grpc":
		w.note("  ", "health: kiln probes the app with gRPC's health protocol (grpc.health.v1.Health), which the server must register.")
	case p.Static:
		w.printf("  health:  # BusyBox's httpd serves the site's files, and has no health path of its own\n")
		w.printf("    liveness: /\n    readiness: /index.html\n")
	default:
		w.note("  ", "health: the app must answer GET /healthz (liveness) and /readyz (readiness), the defaults; else set health.liveness and health.readiness to its own paths.")
	}
	w.note("  ", "What only you can say, to write out (kiln explain spec.sla, spec.resources):")
	w.printf("  # sla: {availability: 99.9}  # production environments require one\n")
	w.printf("  # resources: {cpu: 100m, memory: 128Mi}  # the defaults, per replica\n")
	w.note("  ", "and scaling, env, secrets, ingress, environments: kiln explain spec.")
	return w.buf.Bytes(), w.todos
}

func (p *Project) renderBuild(w *writer) {
	lang := p.Language
	if len(p.Others) > 0 {
		lang.From += " (" + strings.Join(p.Others, ", ") + " here too: " + strings.TrimPrefix(lang.From, "from ") + " decides)"
	}
	if !p.Build {
		w.note("  ", "No build: "+p.NoBuild+".")
		if lang.V == "" {
			w.note("  ", "build: {language: go} (or node, python, java, static) makes kiln write the Dockerfile: docs/dockerfile.md.")
		} else {
			detected := "Detected: " + lang.V + " (" + lang.From + ")"
			if p.Version.V != "" {
				detected += ", version " + p.Version.V + " (" + p.Version.From + ")"
			}
			w.note("  ", detected+".")
		}
		return
	}
	w.printf("  build:  # kiln writes the Dockerfile (kiln build): docs/dockerfile.md\n")
	w.field("    ", "spec.build.language", "language", lang.V, lang)
	switch {
	case p.Version.V != "":
		w.field("    ", "spec.build.version", "version", strconv.Quote(p.Version.V), p.Version)
	case p.Version.TODO != "":
		w.todo("    ", "spec.build.version", p.Version.TODO)
	default:
		w.note("    ", "version: kiln's default for "+lang.V+", as the project states none")
	}
	main := p.Main
	if main.V == "" {
		main.V = "."
	}
	w.field("    ", "spec.build.main", "main", scalar(main.V), main)
	for _, l := range p.Lacks {
		w.todo("    ", "spec.build", "the project lacks "+l)
	}
}
