package load

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// loadJsonnet evaluates a Jsonnet file to JSON and loads the result, then
// maps every value back to the Jsonnet text that wrote it, so that findings
// point into the .jsonnet file, not into generated JSON.
//
// Evaluation is bounded: MaxStack turns infinite recursion into an error,
// imports may not leave opts.Root, and the evaluation has opts.EvalTimeout
// and, in a sandbox, opts.Memory (see evaluate).
func loadJsonnet(f *source.File, opts Options) (*Node, []string, diag.List) {
	program, err := jsonnet.SnippetToAST(f.Name, string(f.LF()))
	if err != nil {
		return nil, nil, diag.List{jsonnetError(f, err)}
	}
	var imports []string
	read := func(name string) ([]byte, error) {
		data, err := opts.ReadFile(name)
		if err == nil {
			imports = append(imports, name)
		}
		return data, err
	}
	req := jsonnetRequest{Name: f.Name, Content: f.Content, Root: opts.Root, MaxStack: opts.JsonnetMaxStack}
	var res jsonnetResult
	if ds := Evaluate(f, opts, taskJsonnet, req, &res, read); ds != nil {
		loc := lastExpr(program).Loc()
		ds[0].Pos, ds[0].End = jsonnetPos(f, loc.Begin), jsonnetPos(f, loc.End)
		return nil, nil, ds
	}
	if len(res.Diags) > 0 {
		return nil, nil, diag.FromWire(f, res.Diags)
	}
	out, ds := loadJSON(source.NewFile(f.Name+" (evaluated)", []byte(res.Output)))
	if ds.HasErrors() {
		return nil, nil, diag.List{errorAt(f.Pos(0), "load/jsonnet-error", "Jsonnet produced output kiln cannot read")}
	}
	relocate(f, out, program)
	// Every file read counts, whether imported or importstr'd; a
	// failed evaluation reads none that matter.
	slices.Sort(imports)
	return out, slices.Compact(imports), nil
}

// A jsonnetRequest asks for one evaluation, in this process or a worker.
type jsonnetRequest struct {
	Name     string
	Content  []byte
	Root     string
	MaxStack int
}

// A jsonnetResult is the evaluation's JSON, or why there is none.
type jsonnetResult struct {
	Output string
	Diags  []diag.Wire
}

// evalJsonnet evaluates req, reading imports through read.
func evalJsonnet(req jsonnetRequest, read func(string) ([]byte, error)) jsonnetResult {
	f := source.NewFile(req.Name, req.Content)
	program, err := jsonnet.SnippetToAST(f.Name, string(f.LF()))
	if err != nil {
		return jsonnetResult{Diags: diag.ToWire(diag.List{jsonnetError(f, err)})}
	}
	vm := jsonnet.MakeVM()
	vm.MaxStack = req.MaxStack
	vm.Importer(&confinedImporter{root: req.Root, read: read})
	out, err := vm.Evaluate(program)
	if err != nil {
		return jsonnetResult{Diags: diag.ToWire(diag.List{jsonnetError(f, err)})}
	}
	return jsonnetResult{Output: out}
}

// lastExpr is the expression a Jsonnet file evaluates to, past its
// top-level locals: where a budget that ran out is reported.
func lastExpr(n ast.Node) ast.Node {
	for {
		l, ok := n.(*ast.Local)
		if !ok {
			return n
		}
		n = l.Body
	}
}

// jsonnetPos converts a go-jsonnet location (1-based line ended by \n
// only, 1-based column counted in bytes) into f.
func jsonnetPos(f *source.File, l ast.Location) source.Pos {
	return f.PosIn(source.Jsonnet, l.Line, l.Column)
}

// jsonnetError positions a static or runtime Jsonnet error at the innermost
// frame that lies in f.
func jsonnetError(f *source.File, err error) diag.Diagnostic {
	var rt jsonnet.RuntimeError
	if errors.As(err, &rt) {
		d := errorAt(f.Pos(0), "load/jsonnet-error", "Jsonnet: "+strings.TrimSpace(rt.Msg))
		for _, frame := range rt.StackTrace {
			if frame.Loc.FileName == f.Name && frame.Loc.Begin.Line > 0 {
				d.Pos, d.End = jsonnetPos(f, frame.Loc.Begin), jsonnetPos(f, frame.Loc.End)
				break
			}
		}
		return d
	}
	var static interface{ Loc() ast.LocationRange }
	if errors.As(err, &static) {
		loc := static.Loc()
		msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), loc.String()))
		d := errorAt(f.Pos(0), "load/jsonnet-syntax", "invalid Jsonnet: "+msg)
		if loc.FileName == f.Name && loc.Begin.Line > 0 {
			d.Pos, d.End = jsonnetPos(f, loc.Begin), jsonnetPos(f, loc.End)
		}
		return d
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "(CRASH)") { // go-jsonnet recovered a panic; its stack is not for users
		msg = "the Jsonnet evaluator failed on this file"
	}
	return errorAt(f.Pos(0), "load/jsonnet-error", "Jsonnet: "+msg)
}

// confinedImporter resolves Jsonnet imports relative to the importing file
// and refuses any that leave root, even through a symbolic link, so that a
// definition cannot read files outside the repository.
type confinedImporter struct {
	root  string
	read  func(name string) ([]byte, error)
	cache map[string]jsonnet.Contents
}

func (imp *confinedImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	if filepath.IsAbs(importedPath) {
		return jsonnet.Contents{}, "", fmt.Errorf("import %s: absolute imports are not allowed; import relative to the file", strconv.Quote(importedPath))
	}
	path := filepath.Join(filepath.Dir(importedFrom), importedPath)
	if c, ok := imp.cache[path]; ok {
		return c, path, nil
	}
	if err := imp.inside(path); err != nil {
		return jsonnet.Contents{}, "", fmt.Errorf("import %s: %v", strconv.Quote(importedPath), err)
	}
	data, err := imp.read(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Named as the import resolves it, not by the system's absolute
		// path: the message is the same in every checkout, and a result
		// holding it may be shared between them (a remote cache).
		return jsonnet.Contents{}, "", fmt.Errorf("import %s: %s does not exist", strconv.Quote(importedPath), filepath.ToSlash(filepath.Clean(path)))
	}
	if err != nil {
		if u := errors.Unwrap(err); u != nil {
			err = u
		}
		return jsonnet.Contents{}, "", fmt.Errorf("import %s: %v", strconv.Quote(importedPath), err)
	}
	if imp.cache == nil {
		imp.cache = map[string]jsonnet.Contents{}
	}
	imp.cache[path] = jsonnet.MakeContentsRaw(data)
	return imp.cache[path], path, nil
}

func (imp *confinedImporter) inside(path string) error {
	root, err := filepath.Abs(imp.root)
	if err != nil {
		return err
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	if rel, err := filepath.Rel(root, abs); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("the file is outside the repository root %s", imp.root)
	}
	return nil
}
