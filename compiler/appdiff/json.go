package appdiff

import (
	"encoding/json"
	"io"

	"github.com/kilnhq/kiln/compiler/objdiff"
)

// Side describes one side of a comparison in the JSON report.
type Side struct {
	Ref    string `json:"ref,omitempty"`    // the ref as given; "" for the working tree
	Commit string `json:"commit,omitempty"` // the commit built; "" for the working tree
}

// A Problem is an app that could not be built on one side, for the JSON
// report.
type Problem struct {
	Side    string `json:"side"` // "base" or "head"
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// jsonReport is the JSON form of a report; docs/diff.md documents it.
type jsonReport struct {
	Base     Side       `json:"base"`
	Head     Side       `json:"head"`
	Summary  jsonCounts `json:"summary"`
	Apps     []jsonApp  `json:"apps"`
	Problems []Problem  `json:"problems"`
	ExitCode int        `json:"exitCode"`
}

type jsonCounts struct {
	Apps      int `json:"apps"`
	Changed   int `json:"changedApps"`
	Unchanged int `json:"unchangedApps"`
	Added     int `json:"objectsAdded"`
	Modified  int `json:"objectsChanged"`
	Removed   int `json:"objectsRemoved"`
}

type jsonApp struct {
	Name          string    `json:"name"`
	Definition    string    `json:"definition"`
	OldName       string    `json:"oldName,omitempty"`
	OldDefinition string    `json:"oldDefinition,omitempty"`
	Status        string    `json:"status"`
	Environments  []jsonEnv `json:"environments"`
}

type jsonEnv struct {
	Name    string       `json:"name"`
	Status  string       `json:"status"`
	Objects []jsonObject `json:"objects"`
	Diff    string       `json:"diff"`
}

type jsonObject struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Namespace  string      `json:"namespace,omitempty"`
	Name       string      `json:"name"`
	Status     string      `json:"status"`
	Fields     []jsonField `json:"fields"`
}

type jsonField struct {
	Path string `json:"path"`
	Old  any    `json:"old"`
	New  any    `json:"new"`
}

// JSON writes r, the two sides, the apps that could not be built and
// the run's exit code as one JSON document.
func JSON(w io.Writer, r *Report, base, head Side, problems []Problem, exitCode int) error {
	out := jsonReport{Base: base, Head: head, Apps: []jsonApp{}, Problems: problems, ExitCode: exitCode}
	if out.Problems == nil {
		out.Problems = []Problem{}
	}
	added, changed, removed := r.Counts()
	out.Summary = jsonCounts{Apps: r.Total, Changed: len(r.Apps), Unchanged: r.Unchanged, Added: added, Modified: changed, Removed: removed}
	for _, a := range r.Apps {
		ja := jsonApp{Name: a.Name, Definition: a.Definition, OldName: a.OldName, OldDefinition: a.OldDefinition, Status: a.Status, Environments: []jsonEnv{}}
		for _, e := range a.Envs {
			je := jsonEnv{Name: e.Name, Status: e.Status, Objects: []jsonObject{}, Diff: e.Diff}
			for _, c := range e.Objects {
				je.Objects = append(je.Objects, object(c))
			}
			ja.Environments = append(ja.Environments, je)
		}
		out.Apps = append(out.Apps, ja)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func object(c objdiff.Change) jsonObject {
	o := jsonObject{APIVersion: c.Key.APIVersion, Kind: c.Key.Kind, Namespace: c.Key.Namespace, Name: c.Key.Name, Status: c.Op, Fields: []jsonField{}}
	for _, f := range c.Fields {
		o.Fields = append(o.Fields, jsonField{Path: f.Path, Old: f.Old, New: f.New})
	}
	return o
}
