package apptest

import (
	"encoding/json"
	"regexp"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/sandbox"
)

// taskCUE runs a kiln_test.cue in a sandbox: CUE evaluation is the
// test file's own code (a list.Range of 100 million is a constraint too),
// so it runs under the same bounds as a CUE definition. The app is built
// here; the worker receives its objects.
const taskCUE = "apptest/cue"

func init() {
	sandbox.Register(taskCUE, func(raw json.RawMessage, _ sandbox.ReadFunc) (any, error) {
		var req cueRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, err
		}
		return evalCUESuite(req)
	})
}

type cueRequest struct {
	Name     string
	Content  []byte
	Run      string // the --run pattern, empty for all
	Envs     []cueEnv
	BuildErr string
}

type cueResponse struct {
	Diags []diag.Wire // the file does not compile
	Cases []cueCase
}

type cueCase struct {
	Name, Env string
	Pos, End  int
	Skipped   bool
	Failures  []diag.Wire
}

// RunCUEFile compiles the kiln_test.cue f and checks its constraints
// against every environment of t's app, under o.Eval's bounds. A file
// that does not compile, or an evaluation past its bounds, is the
// returned list, positioned.
func RunCUEFile(f *source.File, t Target, o Options) ([]CaseResult, diag.List) {
	req := cueRequest{Name: f.Name, Content: f.Content}
	if o.Run != nil {
		req.Run = o.Run.String()
	}
	req.Envs, req.BuildErr = cueTargets(t)
	var resp cueResponse
	if ds := load.Evaluate(f, o.Eval, taskCUE, req, &resp, nil); ds != nil {
		ds[0].Pos, ds[0].End = load.CUEBody(f)
		return nil, ds
	}
	if len(resp.Diags) > 0 {
		return nil, diag.FromWire(f, resp.Diags)
	}
	var out []CaseResult
	for _, c := range resp.Cases {
		cs := &Case{Name: c.Name, Env: c.Env, Pos: diag.WirePos(f, c.Pos), End: diag.WirePos(f, c.End)}
		out = append(out, CaseResult{Case: cs, Skipped: c.Skipped, Failures: diag.FromWire(f, c.Failures)})
	}
	return out, nil
}

func evalCUESuite(req cueRequest) (*cueResponse, error) {
	f := source.NewFile(req.Name, req.Content)
	s, ds := ParseCUE(f)
	if ds != nil {
		return &cueResponse{Diags: diag.ToWire(ds)}, nil
	}
	var run *regexp.Regexp
	if req.Run != "" {
		var err error
		if run, err = regexp.Compile(req.Run); err != nil {
			return nil, err
		}
	}
	for i := range req.Envs {
		for kind, objs := range req.Envs[i].Objects {
			for j, o := range objs {
				objs[j] = numbers(o)
			}
			req.Envs[i].Objects[kind] = objs
		}
	}
	resp := &cueResponse{Cases: []cueCase{}}
	for _, r := range s.run(req.Envs, req.BuildErr, run) {
		resp.Cases = append(resp.Cases, cueCase{Name: r.Case.Name, Env: r.Case.Env, Pos: diag.WireOffset(r.Case.Pos), End: diag.WireOffset(r.Case.End),
			Skipped: r.Skipped, Failures: diag.ToWire(r.Failures)})
	}
	return resp, nil
}

// numbers gives back the objects' numbers as the build made them: JSON
// decodes every number as float64, and CUE holds 3.0 different from 3.
func numbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = numbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbers(x)
		}
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
	}
	return v
}
