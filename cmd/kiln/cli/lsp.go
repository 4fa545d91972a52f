package cli

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/lsp"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
)

type lspOptions struct {
	cacheOptions
	kubeVersion string
	debounce    time.Duration
	logFile     string
}

func init() {
	commands = append(commands, &command{
		name:   "lsp",
		args:   "[flags]",
		server: true,
		short:  "the language server, for editors (LSP over standard input and output)",
		long: `Lsp speaks the Language Server Protocol over standard input and output,
for kiln definitions, their test files, a Dockerfile beside an app and
.kiln/config.yaml. It reports what kiln check reports, at the same
positions, as you type; hovers show kiln explain's documentation and what a
value produced; completion offers fields, values, units and rule ids; code
actions apply kiln fix's fixes; code lenses open the rendered manifests,
Dockerfile and Helm values read-only, and run the app's tests.

Results are cached in memory and in the same cache as kiln check, so the
editor, the pre-commit hook and CI share their work and their answers.
Policy, data and configuration files are read from disk: a change to one
takes effect when it is saved.

Editor setup: docs/editors.md.`,
		minArgs: 0, maxArgs: 0,
		flags: func(fs *flag.FlagSet) any {
			o := &lspOptions{}
			o.cacheOptions.register(fs)
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version of the environments that name none (kubeVersion, .kiln/config.yaml kubeVersions): "+strings.Join(kube.Versions(), ", "))
			fs.DurationVar(&o.debounce, "debounce", lsp.DefaultDebounce, "in a burst of changes, how long after one to wait for the next before checking")
			fs.StringVar(&o.logFile, "log", "", "append the server's log to this file")
			return o
		},
		run: func(env *Env, opts any, _ []string) int { return runLSP(env, opts.(*lspOptions)) },
	})
}

func runLSP(env *Env, o *lspOptions) int {
	kubeVersion := strings.TrimPrefix(o.kubeVersion, "v")
	if !slices.Contains(kube.Versions(), kubeVersion) {
		fmt.Fprintf(env.Stderr, "kiln lsp: --kube-version %s: kiln validates against %s\n", o.kubeVersion, strings.Join(kube.Versions(), ", "))
		return ExitBadInput
	}
	if o.debounce < 0 {
		fmt.Fprintf(env.Stderr, "kiln lsp: --debounce %s: a wait cannot be negative\n", o.debounce)
		return ExitBadInput
	}
	logger := log.New(io.Discard, "", 0)
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintf(env.Stderr, "kiln lsp: --log: %v\n", err)
			return ExitBadInput
		}
		defer f.Close()
		logger = log.New(f, "kiln lsp: ", log.LstdFlags|log.Lmicroseconds)
	}
	s, err := schema.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln: internal error loading the app schema: %v\n", err)
		return ExitBadInput
	}
	// The rendered views live beside the cache; without one, in a
	// directory of this session's.
	views := ""
	if dir := o.cacheOptions.resolved(env); dir != "" {
		views = filepath.Join(dir, "views")
	} else if tmp, err := os.MkdirTemp("", "kiln-lsp-views-"); err == nil {
		views = tmp
		defer os.RemoveAll(tmp)
	}
	eng, err := o.cacheOptions.lspEngine(env, logger)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln lsp: %v\n", err)
		return ExitBadInput
	}
	c, err := workspace.NewEditor(workspace.EditorOptions{KubeVersion: kubeVersion, Cache: eng,
		Sandbox: env.Sandbox, // a Jsonnet bomb in a buffer ends a worker, not the server
		Views:   views, Version: version()})
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln lsp: %v\n", err)
		return ExitBadInput
	}
	srv := lsp.New(lsp.Options{Checker: c, Schema: s, Debounce: o.debounce, Views: views, Version: version(), Log: logger, Sandbox: env.Sandbox})
	if err := srv.Serve(env.Ctx, stdio{env.Stdin, env.Stdout}); err != nil {
		logger.Print(err)
		return ExitFindings // the protocol's exit code for an exit without shutdown
	}
	return ExitClean
}

// lspEngine is the engine with a memory layer in front of the disk, for a
// long-running process; the layer's bound keeps a session's memory flat.
func (c *cacheOptions) lspEngine(env *Env, l *log.Logger) (*engine.Engine, error) {
	o := engine.Options{MemBytes: 64 << 20, Dir: c.resolved(env), Debug: env.Getenv("KILN_DEBUG"), Warn: func(msg string) { l.Print(msg) }}
	var err error
	if o.Stores, err = c.stores(env, o.Warn); err != nil {
		return nil, err
	}
	return engine.New(o), nil
}

// resolved is the cache directory the flags and environment name, or ""
// for none.
func (c *cacheOptions) resolved(env *Env) string {
	if c.noCache {
		return ""
	}
	if c.dir != "" {
		return c.dir
	}
	dir, _ := cache.DefaultDir(env.Getenv)
	return dir
}

// stdio is the server's connection: standard input and output.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }
