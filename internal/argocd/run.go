package argocd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Options say where a plugin runs: the repo server's checkout of the
// repository, what it leaves out of the copy it sends to the sidecar, and
// the sidecar's own environment.
type Options struct {
	Repo string // the repository checkout
	// Exclude are the repo server's plugin tar exclusions
	// (--plugin-tar-exclude): filepath.Match patterns on paths relative to
	// the repository; a matching directory is left out whole.
	Exclude []string
	System  []string      // the sidecar's environment: PATH, HOME, ...
	Timeout time.Duration // ARGOCD_EXEC_TIMEOUT; 0 means its default, 90s
}

// A Result is what one manifest generation did.
type Result struct {
	Objects []*unstructured.Unstructured // the objects Argo CD would apply
	Stdout  string                       // generate's standard output, as the sidecar kept it
	Stderr  string                       // generate's standard error
	// Changed lists the files and directories of the repository's copy
	// that init or generate created, changed or removed. Argo CD throws
	// the copy away, so such writes are lost, and a read-only root
	// filesystem refuses them.
	Changed []string
}

// A CmdError is a command that failed. Its message is the one Argo CD
// shows on the Application (plugin.go, CmdError): the command line, how
// it ended, and its standard error.
type CmdError struct {
	Args   string
	Stderr string
	Cause  error
}

func (e *CmdError) Error() string {
	msg := fmt.Sprintf("`%v` failed %v", e.Args, e.Cause)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Generate generates an Application's manifests with plugin p as
// Service.generateManifest does: into a fresh copy of the repository (the
// sidecar receives a tarball of it, file modes not kept unless
// preserveFileMode), it runs init and then generate with the Application's
// directory as working directory and the environment of Environ, each
// through no shell, and parses generate's standard output (its trailing
// newline cut) into objects with ParseManifests.
//
// A command that fails is a *CmdError; output that does not parse is an
// error too. Either way Argo CD generates nothing for the Application.
func Generate(ctx context.Context, p *Plugin, s Source, o Options) (*Result, error) {
	work, err := os.MkdirTemp("", "argocd-cmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	if err := copyRepo(o.Repo, work, o.Exclude, p.Spec.PreserveFileMode); err != nil {
		return nil, err
	}
	appPath := filepath.Join(work, s.Path)
	if rel, err := filepath.Rel(work, appPath); err != nil || strings.HasPrefix(rel, "..") {
		return nil, errors.New("illegal appPath: out of workDir bound")
	}
	before, err := snapshot(work)
	if err != nil {
		return nil, err
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 90 * time.Second
	}
	env := Environ(o.System, s)
	r := &Result{}
	if len(p.Spec.Init.Command) > 0 {
		if _, _, err := run(ctx, p.Spec.Init, appPath, env, timeout); err != nil {
			return r, err
		}
	}
	r.Stdout, r.Stderr, err = run(ctx, p.Spec.Generate, appPath, env, timeout)
	after, serr := snapshot(work)
	if serr != nil {
		return r, serr
	}
	r.Changed = changed(before, after)
	if err != nil {
		return r, err
	}
	r.Objects, err = ParseManifests(r.Stdout)
	return r, err
}

// run is runCommand: Command[0] with Command[1:] and Args, in dir, with
// env, killed at the timeout; standard output without its last newline.
func run(ctx context.Context, c Command, dir string, env []string, timeout time.Duration) (stdout, stderr string, err error) {
	if len(c.Command) == 0 {
		return "", "", errors.New("command is empty")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Command[0], append(c.Command[1:], c.Args...)...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	stdout = strings.TrimSuffix(out.String(), "\n")
	if err != nil {
		return stdout, errb.String(), &CmdError{Args: argsToLog(cmd.Args), Stderr: strings.TrimSpace(errb.String()), Cause: err}
	}
	return stdout, errb.String(), nil
}

// argsToLog is util/exec's GetCommandArgsToLog: arguments with a space
// quoted, empty ones as "".
func argsToLog(args []string) string {
	var out []string
	for _, a := range args {
		switch {
		case a == "":
			out = append(out, `""`)
		case strings.ContainsFunc(a, unicode.IsSpace):
			out = append(out, strconv.Quote(a))
		default:
			out = append(out, a)
		}
	}
	return strings.Join(out, " ")
}
