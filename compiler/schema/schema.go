// Package schema is the app schema as kiln uses it: the CUE definition from
// schemas/app.cue (for defaults and the rules that relate fields), the JSON
// Schema generated from it (for complete, positioned validation and for
// editors), and the formats that only Go code with the Kubernetes libraries
// can check (quantities, DNS names, image references, durations).
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"cuelang.org/go/cue"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/kilnhq/kiln/schemas"
)

// APIVersion and Kind identify a kiln app definition.
const (
	APIVersion = "kiln.dev/v1alpha1"
	Kind       = "App"
)

// jsonSchemaURL names the embedded JSON Schema inside the validator; it
// appears in no message a user sees.
const jsonSchemaURL = "kiln:app.schema.json"

// A Schema is the compiled app schema. It is immutable. A CUE context is
// not safe for concurrent use, so the CUE definition is held by a pool of
// evaluators (cuepool.go), each compiled in a context of its own: apps
// checked on different workers are unified in parallel, never one after
// the other under one lock.
type Schema struct {
	cue       *cuePool
	doc       any // the JSON Schema document, decoded
	validator *jsonschema.Schema
}

// Load returns the app schema, compiling it on first use. Every later call
// returns the same Schema.
var Load = sync.OnceValues(load)

func load() (*Schema, error) {
	first, err := compileCUE()
	if err != nil {
		return nil, err
	}
	s := &Schema{cue: newCUEPool(first, runtime.GOMAXPROCS(0))}
	if err := json.Unmarshal(schemas.AppJSONSchema, &s.doc); err != nil {
		return nil, fmt.Errorf("schemas/app.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	for name, check := range Formats {
		c.Formats[name] = func(v any) bool {
			s, ok := v.(string)
			return !ok || check(s) == nil
		}
	}
	if err := c.AddResource(jsonSchemaURL, bytes.NewReader(schemas.AppJSONSchema)); err != nil {
		return nil, fmt.Errorf("schemas/app.schema.json: %v", err)
	}
	if s.validator, err = c.Compile(jsonSchemaURL); err != nil {
		return nil, fmt.Errorf("schemas/app.schema.json: %v", err)
	}
	return s, nil
}

// CUE calls f with the #Checked definition of an evaluator that no other
// goroutine uses until f returns. f must not keep the value.
func (s *Schema) CUE(f func(app cue.Value)) {
	e := s.cue.get()
	defer s.cue.put(e)
	f(e.app)
}

// Validate checks data (as decoded by encoding/json with UseNumber) against
// the JSON Schema and returns every violation, not only the first.
func (s *Schema) Validate(data any) []*jsonschema.ValidationError {
	err := s.validator.Validate(data)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []*jsonschema.ValidationError{{Message: err.Error()}}
	}
	var leaves []*jsonschema.ValidationError
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return leaves
}

// Node returns the JSON Schema object at a JSON pointer into the schema
// document (the fragment of a keyword location), following $ref.
func (s *Schema) Node(pointer string) map[string]any {
	n, _ := resolve(s.doc, pointer).(map[string]any)
	return deref(s.doc, n)
}
