package load

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/sandbox"
)

// Limits that keep a hostile or mistaken input from exhausting the machine.
// Each is documented in the README; a real app definition is a few
// kilobytes and needs none of them.
const (
	// DefaultMaxBytes bounds the size of one definition file. The reference
	// app is under 2 KiB; 1 MiB leaves room for generated files.
	DefaultMaxBytes = 1 << 20
	// DefaultMaxNodes bounds the values in one document after YAML aliases
	// are expanded, which stops "billion laughs" alias bombs.
	DefaultMaxNodes = 100_000
	// DefaultEvalTimeout bounds one Jsonnet or CUE evaluation.
	DefaultEvalTimeout = 10 * time.Second
	// DefaultMemory bounds the heap of one Jsonnet or CUE evaluation in a
	// sandbox. The reference app's evaluation holds under 4 MiB; a
	// generated definition of 1 MiB some 60 MiB.
	DefaultMemory = 512 << 20
	// DefaultJsonnetMaxStack bounds Jsonnet's call depth, which turns infinite
	// recursion into an error instead of a hang.
	DefaultJsonnetMaxStack = 500
)

// Options control Load. The zero value uses the defaults above.
type Options struct {
	Format      Format        // empty: from the file name, YAML when unknown
	Root        string        // Jsonnet imports must stay inside this directory; empty: the file's directory
	MaxBytes    int           // 0: DefaultMaxBytes
	MaxNodes    int           // 0: DefaultMaxNodes
	EvalTimeout time.Duration // 0: DefaultEvalTimeout
	Memory      int64         // 0: DefaultMemory; holds only in a Sandbox
	// Sandbox runs Jsonnet and CUE evaluations in worker processes, which
	// is what bounds their memory and stops them at their deadline; nil
	// evaluates in this process, bounded in time only (an abandoned
	// evaluation runs on in its goroutine).
	Sandbox         *sandbox.Pool
	JsonnetMaxStack int // 0: DefaultJsonnetMaxStack
	// ReadFile reads the files a definition imports; nil reads the disk
	// (repofile.Read, inside Root, of at most repofile.MaxBytes). A caller that records every file a load read, even
	// a load that failed, or that layers unsaved editor buffers over the
	// disk, passes its own.
	ReadFile func(name string) ([]byte, error)
	// Context, when set, abandons a Jsonnet evaluation once it is done
	// (an editor's newer keystroke); nil never does.
	Context context.Context
}

func (o Options) withDefaults(name string) Options {
	if o.Format == "" {
		o.Format = FormatOf(name)
	}
	if o.Root == "" {
		o.Root = filepath.Dir(name)
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxNodes == 0 {
		o.MaxNodes = DefaultMaxNodes
	}
	if o.EvalTimeout == 0 {
		o.EvalTimeout = DefaultEvalTimeout
	}
	if o.Memory == 0 {
		o.Memory = DefaultMemory
	}
	if o.JsonnetMaxStack == 0 {
		o.JsonnetMaxStack = DefaultJsonnetMaxStack
	}
	if o.ReadFile == nil {
		root := o.Root
		o.ReadFile = func(name string) ([]byte, error) { return repofile.Read(root, name, repofile.MaxBytes) }
	}
	return o
}

// FormatOf returns the format a file name implies: .json, .cue and .jsonnet
// (or .libsonnet) by extension, YAML for everything else.
func FormatOf(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return JSON
	case ".cue":
		return CUE
	case ".jsonnet", ".libsonnet":
		return Jsonnet
	}
	return YAML
}

// Load reads f into a Doc. When the returned list has errors, the Doc is nil.
func Load(f *source.File, opts Options) (*Doc, diag.List) {
	opts = opts.withDefaults(f.Name)
	if d, ok := checkBytes(f, opts.MaxBytes); !ok {
		return nil, diag.List{d}
	}
	var (
		root    *Node
		imports []string
		diags   diag.List
	)
	switch opts.Format {
	case JSON:
		root, diags = loadJSON(f)
	case CUE:
		root, diags = loadCUE(f, opts)
	case Jsonnet:
		root, imports, diags = loadJsonnet(f, opts)
	default:
		root, diags = loadYAML(f, opts.MaxNodes)
	}
	if diags.HasErrors() {
		return nil, diags.Sort()
	}
	return &Doc{File: f, Format: opts.Format, Root: root, Imports: imports}, diags.Sort()
}

// checkBytes rejects what no format accepts: oversized, binary, non-UTF-8
// and empty inputs.
func checkBytes(f *source.File, maxBytes int) (diag.Diagnostic, bool) {
	c := f.Content
	switch {
	case len(c) > maxBytes:
		return errorAt(f.Pos(0), "load/too-large",
			fmt.Sprintf("file is %d bytes; kiln reads app definitions of at most %d bytes", len(c), maxBytes)), false
	case bytes.IndexByte(c, 0) >= 0:
		return errorAt(f.Pos(bytes.IndexByte(c, 0)), "load/binary",
			"file contains a NUL byte: it is binary data, not an app definition"), false
	case !utf8.Valid(c):
		return errorAt(f.Pos(firstInvalidUTF8(c)), "load/encoding",
			"file is not valid UTF-8 text; save it as UTF-8"), false
	case len(bytes.TrimSpace(c)) == 0:
		return errorAt(f.Pos(0), "load/empty",
			"file is empty; an app definition starts with apiVersion: kiln.dev/v1alpha1 and kind: App"), false
	}
	return diag.Diagnostic{}, true
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

func errorAt(pos source.Pos, code, msg string) diag.Diagnostic {
	return diag.Diagnostic{Pos: pos, End: pos, Severity: diag.Error, Code: code, Message: msg, Kind: diag.Input}
}
