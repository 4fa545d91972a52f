package workspace

import (
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/sandbox"
)

// buildOptions are opts with where the app's files beside its
// definition (spec.files, spec.sopsSecrets) are read: through in's
// source, so that a cached result records them.
func (in input) buildOptions(opts build.Options, s *schema.Schema) build.Options {
	opts.Files, opts.Dir = in.source(), filepath.Dir(in.file.Name)
	opts.Apps = in.apps(s)
	return opts
}

// read reads a file that checking in's app needs, through its source.
func (in input) read(name string) ([]byte, error) { return in.source().ReadFile(name) }

// appInput reads an app definition and the Dockerfile beside it. What
// cannot be read is kept in the input, to be reported at the file.
func appInput(p string) input { return appInputAt(p, discover.RepoRoot(p)) }

// appInputAt is appInput of a definition whose repository root is known.
func appInputAt(p, root string) input {
	data, err := readFile(root, p)
	in := input{file: source.NewFile(p, data), root: root, readErr: err}
	in.dockerfile, in.dockerErr = readDockerfile(root, p, false)
	return in
}

// input is one definition to check: its bytes, or why they could not be read.
type input struct {
	file       *source.File
	dockerfile *source.File // a Dockerfile beside the definition, if any
	root       string       // Jsonnet imports stay inside it
	readErr    error
	dockerErr  diag.List // the Dockerfile beside it could not be read
	// unread says file holds the definition's name only, and
	// dockerfileSeen that a Dockerfile is beside it: see read1.
	unread, dockerfileSeen bool
	// src is where every other file checking the app reads comes from
	// (its imports, test files, snapshots, committed outputs): an
	// editor's buffers over the disk, or, when nil, the disk inside root.
	src repofile.Source
	// ctx, when set, cancels the check (the editor's newer version); a
	// cancelled check is never stored in the cache.
	ctx context.Context
	// eval bounds the evaluation of a Jsonnet or CUE definition. A result
	// cut short by it is never stored, so it is no input of any key.
	eval evalLimits
	// peers is the run's index of the definitions its apps' dependencies
	// are searched in (peers.go); nil searches afresh.
	peers *peerIndex
	// sums, when set, is the run's memory of what the files stored
	// results recorded read now (see depsHold); nil reads them afresh.
	sums *readSums
}

// loadOptions are the options of every load of in's definition.
func (in input) loadOptions() load.Options {
	o := load.Options{Root: in.root, Context: in.ctx}
	if in.src != nil {
		o.ReadFile = in.src.ReadFile
	}
	return in.eval.loadOptions(o)
}

func gather(stdin io.Reader, stdinFilename string, args []string) ([]input, error) {
	var inputs []input
	var paths []string
	if n := len(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a != "-" })); n > 1 {
		return nil, errors.New("- (standard input) may be given only once")
	}
	for _, a := range args {
		if a != "-" {
			paths = append(paths, a)
			continue
		}
		data, err := readBounded(stdin)
		in := input{file: source.NewFile(stdinFilename, data), root: ".", readErr: err}
		inputs = append(inputs, in)
	}
	if len(paths) == 0 {
		return inputs, nil
	}
	found, err := discover.Find(paths)
	if err != nil {
		return nil, err
	}
	peers := newPeerIndex()
	for _, p := range found {
		in := appInput(p)
		in.peers = peers
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// readBounded reads at most one byte more than the loader accepts, so that
// a huge input is refused without being read into memory.
func readBounded(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, load.DefaultMaxBytes+1))
}

// readFile reads a definition: a regular file inside root, of which at
// most one byte more than the loader accepts is read (the loader names
// the bound).
func readFile(root, path string) ([]byte, error) {
	return repofile.ReadUpTo(root, path, load.DefaultMaxBytes+1)
}

// readDockerfile reads the Dockerfile beside the definition p, nil when
// there is none. One that is there but cannot be read is an error, at it.
// seen says a scan of p's directory listed one: a read is then all it
// costs; otherwise one lstat asks first (most apps have none, and a
// confined read of a missing file resolves every directory of its path).
func readDockerfile(root, p string, seen bool) (*source.File, diag.List) {
	df := filepath.Join(filepath.Dir(p), "Dockerfile")
	if !seen {
		if _, err := os.Lstat(df); err != nil {
			return nil, nil
		}
	}
	b, err := repofile.Read(root, df, repofile.MaxBytes)
	if err != nil {
		if _, lerr := os.Lstat(df); lerr != nil { // gone since the scan
			return nil, nil
		}
		return nil, diag.List{readError(source.NewFile(df, nil), "load/read", err)}
	}
	return source.NewFile(df, b), nil
}

// readError is the error of a file that could not be read, at its start.
func readError(f *source.File, code string, err error) diag.Diagnostic {
	msg := err.Error()
	var pe *os.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: code, Message: "cannot read the file: " + msg, Kind: diag.Input}
}

// checked is one input after the load and schema stages.
type checked struct {
	dockerfile *source.File // the Dockerfile beside it, as the check read it
	doc        *load.Doc
	app        *app.App // nil when diags has errors
	diags      diag.List
	file       report.File
}

func checkOne(in input, s *schema.Schema) checked {
	c := checked{file: report.File{Name: in.file.Name, Format: string(load.FormatOf(in.file.Name))}, dockerfile: in.dockerfile}
	if in.readErr != nil {
		c.diags = diag.List{readError(in.file, "load/read", in.readErr)}
		return c
	}
	if in.dockerErr != nil {
		c.diags = in.dockerErr
		return c
	}
	c.doc, c.diags = load.Load(in.file, in.loadOptions())
	if c.doc == nil {
		return c
	}
	if n := c.doc.Lookup([]string{"metadata", "name"}); n != nil {
		c.file.App, _ = n.Scalar.(string)
	}
	a, more := check.Check(c.doc, s)
	c.app = a
	c.diags = append(c.diags, more...)
	c.file.Valid = !c.diags.HasErrors()
	return c
}

// evalLimits is how one run evaluates definitions: in the process's
// sandbox, under these bounds. None of it is a cache input: a result cut
// short by a bound is never stored (load.Interrupted).
type evalLimits struct {
	sandbox *sandbox.Pool
	timeout time.Duration // 0: load's default
	memory  int64         // 0: load's default
}

// withConfig fills the bounds l leaves at 0 from cfg's settings.
func (l evalLimits) withConfig(cfg *config.Config) evalLimits {
	if cfg != nil {
		l.timeout = cmp.Or(l.timeout, cfg.EvalTimeout)
		l.memory = cmp.Or(l.memory, cfg.EvalMemory)
	}
	return l
}

func (l evalLimits) loadOptions(o load.Options) load.Options {
	o.Sandbox, o.EvalTimeout, o.Memory = l.sandbox, l.timeout, l.memory
	return o
}

// setEval makes every input of a run evaluate under l.
func setEval(inputs []input, l evalLimits) {
	for i := range inputs {
		inputs[i].eval = l
	}
}

// Validate checks the definitions under paths (or "-") against the app
// schema alone: no build, no guardrails. An invalid definition is
// Incomplete, since nothing further could be checked.
func (w *Workspace) Validate(ctx context.Context, paths []string) (*Result, error) {
	s, err := w.schema()
	if err != nil {
		return nil, err
	}
	inputs, err := gather(w.opts.Stdin, w.opts.StdinName, paths)
	if err != nil {
		return nil, err
	}
	// The configuration's bounds hold; its mistakes are check's to report.
	cfg, _ := w.config()
	setEval(inputs, evalLimits{sandbox: w.opts.Sandbox, timeout: w.opts.Limits.EvalTimeout, memory: w.opts.Limits.EvalMemory}.withConfig(cfg))
	results := make([]checked, len(inputs))
	forEach(len(inputs), w.opts.Jobs, func(i int) {
		in := inputs[i]
		in.ctx = ctx
		results[i] = checkOne(in, s)
	})
	r := &Result{}
	for _, c := range results {
		r.Diagnostics = append(r.Diagnostics, c.diags...)
		r.Files = append(r.Files, c.file)
	}
	r.Incomplete = r.Diagnostics.HasErrors()
	return r, nil
}

// source is where in's app reads its files: the caller's Source (an
// editor's buffers over the disk), else the disk inside its repository.
func (in input) source() repofile.Source {
	if in.src != nil {
		return in.src
	}
	return repofile.Disk(in.root)
}
