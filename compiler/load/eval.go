package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/sandbox"
)

// The evaluations of code a definition carries, as sandbox tasks: a
// worker process runs them under Options.Memory, and so does this process
// when no sandbox is given (bounded in time only).
const (
	taskJsonnet = "load/jsonnet"
	taskCUE     = "load/cue"
)

func init() {
	sandbox.Register(taskJsonnet, func(raw json.RawMessage, read sandbox.ReadFunc) (any, error) {
		var req jsonnetRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, err
		}
		return evalJsonnet(req, read), nil
	})
	sandbox.Register(taskCUE, func(raw json.RawMessage, _ sandbox.ReadFunc) (any, error) {
		var req cueRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, err
		}
		return evalCUE(req), nil
	})
}

// Evaluate runs a sandbox task with req, in opts.Sandbox when there is
// one, under opts' bounds, and reports a budget or deadline passed, a cancellation or a failed
// evaluator as one diagnostic, which the caller places at the expression
// that ran. A nil list means resp holds the task's answer.
func Evaluate(f *source.File, opts Options, task string, req, resp any, read sandbox.ReadFunc) diag.List {
	opts = opts.withDefaults(f.Name)
	lim := sandbox.Limits{Memory: opts.Memory, Timeout: opts.EvalTimeout}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	var err error
	if opts.Sandbox != nil {
		err = opts.Sandbox.Call(ctx, task, req, resp, read, lim)
	} else {
		err = inProcess(ctx, task, req, resp, read, lim)
	}
	if err == nil {
		return nil
	}
	lang := "CUE"
	if task == taskJsonnet {
		lang = "Jsonnet"
	}
	prefix := "load/" + strings.ToLower(lang)
	d := diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Kind: diag.Input}
	var le *sandbox.LimitError
	switch {
	case errors.As(err, &le) && le.Memory:
		d.Code = prefix + "-memory"
		d.Message = fmt.Sprintf("%s evaluation used more than its memory budget of %s (evalMemory in .kiln/config.yaml, --eval-memory); look for very large arrays, strings or comprehensions", lang, sandbox.FormatBytes(le.Limits.Memory))
	case errors.As(err, &le):
		d.Code = prefix + "-timeout"
		d.Message = fmt.Sprintf("%s evaluation did not finish within %s (evalTimeout in .kiln/config.yaml, --eval-timeout); look for unbounded recursion or very large computations", lang, le.Limits.Timeout)
	case ctx.Err() != nil:
		d.Code = prefix + "-cancelled"
		d.Message = lang + " evaluation abandoned: " + ctx.Err().Error()
	default:
		d.Code = prefix + "-evaluator"
		d.Message = fmt.Sprintf("the %s evaluator failed on this file: %v", lang, err)
	}
	return diag.List{d}
}

// inProcess runs task here, through the same JSON as a worker would, so
// that both ways give one answer. Go cannot stop a goroutine: a
// deadline abandons the evaluation, which keeps running until it ends,
// and nothing bounds its memory. Long-running callers use a sandbox.
func inProcess(ctx context.Context, task string, req, resp any, read sandbox.ReadFunc, lim sandbox.Limits) error {
	raw, err := json.Marshal(req)
	if err != nil {
		return err
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		out, err := sandbox.Run(task, raw, read)
		done <- result{out, err}
	}()
	timer := time.NewTimer(lim.Timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		return json.Unmarshal(r.b, resp)
	case <-timer.C:
		return &sandbox.LimitError{Limits: lim, Elapsed: time.Since(start)}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Interrupted reports whether ds tells of a load cut short (an
// evaluation past its time or memory budget, abandoned through
// Options.Context, or an evaluator that failed) rather than of a mistake
// in the input: a fact about one run, which a cache must never keep as the
// input's result.
func Interrupted(ds diag.List) bool {
	for _, d := range ds {
		if interruptions[d.Code] {
			return true
		}
	}
	return false
}

// interruptions are the codes Evaluate reports a cut-short evaluation
// with, one per language and cause.
var interruptions = map[string]bool{}

func init() {
	for _, lang := range []string{"jsonnet", "cue"} {
		for _, cause := range []string{"memory", "timeout", "cancelled", "evaluator"} {
			interruptions["load/"+lang+"-"+cause] = true
		}
	}
}

// A wireNode is a Node between a worker and kiln, its positions byte
// offsets into the one file it was loaded from, its scalar written out as
// its Kind says.
type wireNode struct {
	Kind   Kind
	Pos    int
	End    int
	Str    string `json:",omitempty"` // String: the text; Number: its digits
	Bool   bool   `json:",omitempty"`
	Fields []wireField
	Items  []*wireNode
}

type wireField struct {
	Name           string
	KeyPos, KeyEnd int
	Value          *wireNode
}

func toWireNode(n *Node) *wireNode {
	if n == nil {
		return nil
	}
	w := &wireNode{Kind: n.Kind, Pos: diag.WireOffset(n.Pos), End: diag.WireOffset(n.End)}
	switch v := n.Scalar.(type) {
	case string:
		w.Str = v
	case json.Number:
		w.Str = string(v)
	case bool:
		w.Bool = v
	}
	for _, f := range n.Fields {
		w.Fields = append(w.Fields, wireField{Name: f.Name, KeyPos: diag.WireOffset(f.KeyPos), KeyEnd: diag.WireOffset(f.KeyEnd), Value: toWireNode(f.Value)})
	}
	for _, it := range n.Items {
		w.Items = append(w.Items, toWireNode(it))
	}
	return w
}

func (w *wireNode) node(f *source.File) *Node {
	if w == nil {
		return nil
	}
	n := &Node{Kind: w.Kind, Pos: diag.WirePos(f, w.Pos), End: diag.WirePos(f, w.End)}
	switch w.Kind {
	case String:
		n.Scalar = w.Str
	case Number:
		n.Scalar = json.Number(w.Str)
	case Bool:
		n.Scalar = w.Bool
	}
	for _, fl := range w.Fields {
		n.Fields = append(n.Fields, Field{Name: fl.Name, KeyPos: diag.WirePos(f, fl.KeyPos), KeyEnd: diag.WirePos(f, fl.KeyEnd), Value: fl.Value.node(f)})
	}
	for _, it := range w.Items {
		n.Items = append(n.Items, it.node(f))
	}
	return n
}
