package dockerfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// An Instruction is one parsed Dockerfile instruction.
type Instruction struct {
	Command string   // lower case: from, expose, user, add, ...
	Args    []string // as BuildKit splits them
	Flags   []string // --from=build, --chown=...
	Line    int      // 1-based line where it starts
}

// Parse reads a Dockerfile with BuildKit's parser. A syntax error is a
// diagnostic at its line.
func Parse(f *source.File) ([]Instruction, diag.List) {
	res, err := parser.Parse(bytes.NewReader(f.Content))
	if err != nil {
		pos := f.Pos(0)
		if loc, ok := err.(interface{ Location() []parser.Range }); ok && len(loc.Location()) > 0 {
			pos = f.PosAt(loc.Location()[0].Start.Line, 1)
		}
		return nil, diag.List{{Pos: pos, End: pos, Severity: diag.Error, Code: "dockerfile/syntax",
			Message: "invalid Dockerfile: " + err.Error()}}
	}
	var out []Instruction
	for _, n := range res.AST.Children {
		in := Instruction{Command: strings.ToLower(n.Value), Flags: n.Flags, Line: n.StartLine}
		for a := n.Next; a != nil; a = a.Next {
			in.Args = append(in.Args, a.Value)
		}
		out = append(out, in)
	}
	return out, nil
}

// Check reports where a hand-written Dockerfile disagrees with the app: an
// EXPOSE of another port than spec.port (an error: the port is written in
// two places and they differ), no USER or a root USER in the final stage,
// ADD of a URL, and base images without a pinned tag or digest.
func Check(f *source.File, a *app.App) diag.List {
	ins, ds := Parse(f)
	if ds.HasErrors() {
		return ds
	}
	at := func(line int, sev diag.Severity, code, msg string) diag.Diagnostic {
		pos := f.PosAt(line, 1)
		text := bytes.TrimRight(f.Line(line), " \t\\")
		return diag.Diagnostic{Pos: pos, End: f.Pos(pos.Offset + len(text)), Severity: sev, Code: code, Message: msg}
	}
	stages := map[string]bool{} // names of earlier stages, which FROM may use unpinned
	lastFrom, user, userLine := 0, "", 0
	exposed := false
	for _, in := range ins {
		switch in.Command {
		case "from":
			lastFrom, user, userLine = in.Line, "", 0
			if len(in.Args) == 0 {
				continue
			}
			image := in.Args[0]
			if !stages[strings.ToLower(image)] && !pinned(image) {
				ds = append(ds, at(in.Line, diag.Warning, "dockerfile/unpinned-base",
					fmt.Sprintf("base image %s is not pinned: name a version tag or an @sha256 digest, so that builds are repeatable", image)))
			}
			if len(in.Args) == 3 && strings.EqualFold(in.Args[1], "as") {
				stages[strings.ToLower(in.Args[2])] = true
			}
		case "user":
			if len(in.Args) > 0 {
				user, userLine = in.Args[0], in.Line
			}
		case "expose":
			for _, p := range in.Args {
				exposed = true
				port, _, _ := strings.Cut(p, "/")
				if n, err := strconv.Atoi(port); err == nil && n != a.Spec.Port {
					ds = append(ds, at(in.Line, diag.Error, "dockerfile/expose",
						fmt.Sprintf("EXPOSE %s disagrees with spec.port %d in the app definition; the port belongs in one place: the app definition", p, a.Spec.Port)))
				}
			}
		case "add":
			for _, src := range in.Args[:max(len(in.Args)-1, 0)] {
				if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
					ds = append(ds, at(in.Line, diag.Warning, "dockerfile/add-url",
						fmt.Sprintf("ADD %s fetches a URL at build time without a checksum; download it in a RUN step with a verified checksum, or use ADD --checksum", src)))
				}
			}
		}
	}
	switch {
	case lastFrom > 0 && userLine == 0:
		ds = append(ds, at(lastFrom, diag.Warning, "dockerfile/user",
			"the final stage sets no USER, so the container runs as root; add USER with a non-root user (the Deployment also requires runAsNonRoot)"))
	case isRoot(user):
		ds = append(ds, at(userLine, diag.Warning, "dockerfile/user",
			fmt.Sprintf("USER %s runs the container as root; use a non-root user (the Deployment requires runAsNonRoot)", user)))
	}
	if !exposed && lastFrom > 0 {
		ds = append(ds, at(lastFrom, diag.Info, "dockerfile/expose",
			fmt.Sprintf("the Dockerfile does not EXPOSE spec.port %d; EXPOSE documents the port for people and tools", a.Spec.Port)))
	}
	return ds.Sort()
}

// pinned reports whether an image reference names a tag other than latest,
// or a digest. scratch needs neither.
func pinned(image string) bool {
	if image == "scratch" || strings.Contains(image, "@sha256:") || strings.Contains(image, "$") {
		return true
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	return colon > slash && image[colon+1:] != "latest"
}

func isRoot(user string) bool {
	name, _, _ := strings.Cut(user, ":")
	return name == "root" || name == "0"
}
