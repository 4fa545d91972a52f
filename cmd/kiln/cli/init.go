package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/scaffold"
	"github.com/kilnhq/kiln/workspace"
)

type initOptions struct {
	name, owner, image string
	port               int
	force              bool
}

func init() {
	commands = append(commands, &command{
		name:  "init",
		args:  "[flags] [DIR]",
		short: "write a first kiln.yaml for an existing project, from what it states",
		long: `Init writes DIR/kiln.yaml (DIR defaults to the current directory) for the
project in DIR, from what the project already states:

  language  go.mod, pom.xml or build.gradle(.kts), pyproject.toml or
            requirements.txt, package.json, index.html (the first found,
            in that order)
  version   go.mod's go line, pom.xml's or Gradle's Java release,
            requires-python or .python-version, engines.node or .nvmrc
  port      an existing Dockerfile's EXPOSE, Spring's server.port, a listen
            call or a PORT default in the code, else the framework's
            default (express 3000, flask 5000, django 8000, spring boot 8080)
  protocol  grpc when the code starts a gRPC server
  owner     the CODEOWNERS rule (.github/, the repository's root, docs/)
            that matches DIR/kiln.yaml, the last one as GitHub decides
  name      the module, package or artifact name, else DIR's name, as a DNS
            label

Each inferred value carries a comment saying where it came from. A value
that nothing states is a placeholder the schema accepts, with a TODO
comment (the owner without CODEOWNERS, the image, which only you know),
and init lists the TODOs on stderr. With a language kiln writes
Dockerfiles for, the definition asks for one (spec.build), unless the
project has its own Dockerfile or is built with Gradle. The file starts
with the $schema modeline editors read, and init validates it before
writing it.

Init never overwrites a definition: with --force it replaces kiln.yaml.
The flags replace what detection finds.

Exit status: 0 when the definition is written, 2 when it is not (DIR is no
directory, a definition exists, a flag's value does not validate).

Examples:

	kiln init
	kiln init services/checkout --owner team-payments
	kiln init --image ghcr.io/acme/checkout:1.0.0 --force`,
		maxArgs: 1,
		flags: func(fs *flag.FlagSet) any {
			o := &initOptions{}
			fs.StringVar(&o.name, "name", "", "the app's name (default: the project's, else the directory's)")
			fs.StringVar(&o.owner, "owner", "", "the owning team (default: from CODEOWNERS)")
			fs.IntVar(&o.port, "port", 0, "the port the app listens on (default: detected)")
			fs.StringVar(&o.image, "image", "", "the app's image, pinned (default: a placeholder to replace)")
			fs.BoolVar(&o.force, "force", false, "replace an existing kiln.yaml")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runInit(env, opts.(*initOptions), args) },
	})
}

func runInit(env *Env, o *initOptions, args []string) int {
	dir := "."
	if len(args) == 1 {
		dir = args[0]
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(env.Stderr, "kiln init: "+format+"\n", a...)
		return ExitBadInput
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fail("%s is not a directory", dir)
	}
	if o.port < 0 || o.port > 65535 {
		return fail("--port %d is not a port (1-65535)", o.port)
	}
	target := filepath.Join(dir, "kiln.yaml")
	if msg := definedHere(dir, o.force, "init"); msg != "" {
		return fail("%s", msg)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fail("%v", err)
	}
	root := discover.RepoRoot(filepath.Join(abs, "kiln.yaml"))
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return fail("%v", err)
	}
	p, err := scaffold.Detect(scaffold.Options{Repo: os.DirFS(root), Dir: filepath.ToSlash(rel), DirName: filepath.Base(abs),
		Name: o.name, Owner: o.owner, Image: o.image, Port: o.port})
	if err != nil {
		return fail("reading %s: %v", dir, err)
	}
	for _, w := range p.Warnings {
		line := max(w.Line, 1)
		fmt.Fprintf(env.Stderr, "%s:%d:1: warning: %s\n", display(filepath.Join(root, filepath.FromSlash(w.File))), line, w.Message)
	}
	data, todos := p.Render(schemaRef(root, abs))
	if !validates(env, target, data) {
		return ExitBadInput
	}
	dest := target
	if real, err := filepath.EvalSymlinks(target); err == nil {
		dest = real // --force through a link replaces the file it points to, as kiln fix does
	}
	if err := writeAtomic(dest, data); err != nil {
		return fail("writing %s: %v", target, err)
	}
	fmt.Fprintf(env.Stderr, "kiln init: wrote %s (%s)\n", target, detected(p))
	for _, t := range todos {
		fmt.Fprintf(env.Stderr, "%s:%d: TODO %s: %s\n", target, t.Line, t.Field, t.Text)
	}
	return ExitClean
}

// definedHere says why kiln init or kiln import (cmd) will not write
// DIR/kiln.yaml: a definition is there, and only kiln.yaml may be
// replaced (with --force), as a second definition beside one of another
// name would be two apps in one place.
func definedHere(dir string, force bool, cmd string) string {
	for _, name := range discover.Names {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if name == "kiln.yaml" && force {
			continue
		}
		if name == "kiln.yaml" {
			return p + " exists; kiln " + cmd + " --force replaces it"
		}
		return p + " already defines the app here; kiln " + cmd + " writes kiln.yaml, which would be a second definition"
	}
	return ""
}

// schemaRef is the repository's own copy of the schema, relative to the
// definition, when it keeps one (kiln schema > .kiln/app.schema.json, for
// editors offline); else the published one.
func schemaRef(root, dir string) string {
	local := filepath.Join(root, ".kiln", "app.schema.json")
	if _, err := os.Stat(local); err != nil {
		return scaffold.SchemaURL
	}
	rel, err := filepath.Rel(dir, local)
	if err != nil {
		return scaffold.SchemaURL
	}
	return filepath.ToSlash(rel)
}

// validates checks the definition as kiln validate would, before it is
// written: what init infers always validates, so an error comes from a
// flag's value, and nothing is written.
func validates(env *Env, target string, data []byte) bool {
	w, ok := open(env, "init", workspace.Options{Stdin: bytes.NewReader(data), StdinName: target})
	if !ok {
		return false
	}
	r, err := w.Validate(env.Ctx, []string{"-"})
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln init: %v\n", err)
		return false
	}
	if !r.Diagnostics.HasErrors() {
		return true
	}
	fmt.Fprintf(env.Stderr, "kiln init: %s not written, as it would not validate:\n", target)
	report.Write(env.Stderr, "text", r.Files, r.Diagnostics, report.Options{})
	return false
}

// detected is what was found, in a few words.
func detected(p *scaffold.Project) string {
	var parts []string
	if p.Language.V != "" {
		lang := p.Language.V
		if p.Version.V != "" {
			lang += " " + p.Version.V
		}
		parts = append(parts, lang)
	} else {
		parts = append(parts, "no language found")
	}
	parts = append(parts, "app "+p.Name.V, "port "+p.Port.V)
	if p.Build {
		parts = append(parts, "kiln writes its Dockerfile")
	}
	return strings.Join(parts, ", ")
}

// display is name relative to the working directory, when it is below it.
func display(name string) string {
	wd, err := os.Getwd()
	if err != nil {
		return name
	}
	if rel, err := filepath.Rel(wd, name); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return name
}
