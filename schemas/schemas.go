// Package schemas embeds kiln's schemas: app.cue, the source of truth for the
// app definition, and app.schema.json, the JSON Schema generated from it for
// editors and for kiln's own validation.
package schemas

import _ "embed"

// AppCUE is the CUE source of the kiln.dev/v1alpha1 App schema.
//
//go:embed app.cue
var AppCUE []byte

// AppJSONSchema is the JSON Schema generated from AppCUE by `make schema`.
//
//go:embed app.schema.json
var AppJSONSchema []byte
