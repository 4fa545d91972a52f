// Package cli implements the kiln command line: parsing, dispatch, and the
// exit-code contract. Commands return an exit code; nothing here calls
// os.Exit, so the whole CLI runs in-process in tests.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/kilnhq/kiln/internal/sandbox"
	"github.com/kilnhq/kiln/workspace"
)

// Exit codes are a contract with scripts and CI: 0 clean, 1 findings about
// what was built, 2 kiln could not check (bad input or usage).
const (
	ExitClean    = workspace.ExitClean
	ExitFindings = workspace.ExitFindings
	ExitBadInput = workspace.ExitBadInput
)

// Env is what a command may touch of the outside world.
type Env struct {
	Ctx    context.Context
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Sandbox evaluates Jsonnet and CUE in worker processes, under their
	// memory budgets; nil evaluates in this process, bounded in time only
	// (see load.Options.Sandbox). Main makes one; a Go program calling
	// Run may.
	Sandbox *sandbox.Pool
}

type command struct {
	name    string
	args    string // usage line after the command name
	short   string
	long    string
	flags   func(fs *flag.FlagSet) any // declares the flags, returns their values
	run     func(env *Env, opts any, args []string) int
	minArgs int
	maxArgs int // -1: any number
	// server says the command runs until its client leaves (the
	// language server) rather than once: it keeps Go's collector
	// defaults (see tuneGC).
	server bool
}

var commands []*command

// Main runs kiln with the process's arguments and streams.
// KILN_CPUPROFILE=FILE writes a CPU profile of the run, for go tool pprof.
func Main() int {
	tuneGC(os.Getenv, batch(os.Args[1:]))
	sandbox.ServeIfWorker() // a worker started by this binary serves, and never returns
	if name := os.Getenv("KILN_CPUPROFILE"); name != "" {
		if f, err := os.Create(name); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	pool := sandbox.New(runtime.GOMAXPROCS(0))
	defer pool.Close()
	return run(&Env{Ctx: context.Background(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Sandbox: pool}, os.Args[1:])
}

// Run runs kiln with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(&Env{Ctx: ctx, Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}, args)
}

// commandName is the command arg names, with its aliases resolved.
func commandName(arg string) string {
	switch arg {
	case "-version", "--version":
		return "version"
	}
	return arg
}

func run(env *Env, args []string) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitBadInput
	}
	name := commandName(args[0])
	switch name {
	case "help", "-h", "-help", "--help":
		return help(env, args[1:])
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(env.Stderr, "kiln: unknown command %q\nRun 'kiln help' for usage.\n", name)
		return ExitBadInput
	}
	return cmd.invoke(env, args[1:])
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (c *command) flagSet(w io.Writer) (*flag.FlagSet, any) {
	fs := flag.NewFlagSet("kiln "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts any
	if c.flags != nil {
		opts = c.flags(fs)
	}
	return fs, opts
}

func (c *command) invoke(env *Env, args []string) int {
	fs, opts := c.flagSet(env.Stderr)
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.printHelp(env.Stdout)
		return ExitClean
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln %s: %v\nRun 'kiln help %s' for usage.\n", c.name, err, c.name)
		return ExitBadInput
	}
	if len(positional) < c.minArgs || (c.maxArgs >= 0 && len(positional) > c.maxArgs) {
		fmt.Fprintf(env.Stderr, "usage: kiln %s %s\nRun 'kiln help %s' for details.\n", c.name, c.args, c.name)
		return ExitBadInput
	}
	return c.run(env, opts, positional)
}

// parseInterspersed lets flags follow arguments (kiln validate ./apps
// --format json), as kubectl users expect; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `kiln compiles one app definition (kiln.yaml) into everything the platform
needs — Kubernetes manifests per environment, a Dockerfile, Helm values,
SLO alerts, a catalog entry — and checks it against a strict schema and
the Kubernetes API, with every finding at the line and column you wrote.

Usage:

	kiln <command> [arguments]

The commands are:

`)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.short)
	}
	fmt.Fprint(w, `
Use "kiln help <command>" for more information about a command.

Exit codes: 0 clean, 1 findings in what was built, 2 could not check
(invalid input or usage).
`)
}

func help(env *Env, args []string) int {
	if len(args) == 0 {
		usage(env.Stdout)
		return ExitClean
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(env.Stderr, "kiln help %s: unknown command. Run 'kiln help'.\n", args[0])
		return ExitBadInput
	}
	c.printHelp(env.Stdout)
	return ExitClean
}

func (c *command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: kiln %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(c.long))
	fs, _ := c.flagSet(w)
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}
