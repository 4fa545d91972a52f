// Package kube embeds the Kubernetes API schemas kiln validates emitted
// objects against, one per supported Kubernetes minor version, and holds the
// generator that makes them from the official OpenAPI spec.
//
// Each schema is a JSON Schema (draft 2020-12) document converted from
// api/openapi-spec/swagger.json of the k8s.io/kubernetes module at a pinned
// release, made strict the way `kubectl --validate=strict` is: an object
// with declared properties accepts no others. It is gzipped, with a fixed
// header, so that regenerating it yields the same bytes.
package kube

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// Releases are the Kubernetes releases whose schemas kiln ships, oldest first.
// The newest is the default.
var Releases = []string{"v1.34.4", "v1.35.4", "v1.36.3", "v1.37.2"}

//go:embed *.json.gz
var files embed.FS

// Minor returns "1.37" for "v1.37.2".
func Minor(release string) string {
	parts := strings.Split(strings.TrimPrefix(release, "v"), ".")
	return parts[0] + "." + parts[1]
}

// Versions returns the supported minor versions, oldest first.
func Versions() []string {
	var out []string
	for _, r := range Releases {
		out = append(out, Minor(r))
	}
	return out
}

// Default is the minor version used when none is asked for.
func Default() string { return Minor(Releases[len(Releases)-1]) }

// Schema returns the uncompressed JSON Schema for a minor version, e.g. "1.37".
func Schema(minor string) ([]byte, error) {
	if !slices.Contains(Versions(), minor) {
		return nil, fmt.Errorf("kiln has no schema for Kubernetes %s; it has %s", minor, strings.Join(Versions(), ", "))
	}
	gz, err := files.ReadFile(minor + ".json.gz")
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	// gzip's trailer holds the size: read into a buffer of that size
	// rather than one grown and copied step by step.
	var size uint32
	if len(gz) >= 4 {
		size = binary.LittleEndian.Uint32(gz[len(gz)-4:])
	}
	buf := bytes.NewBuffer(make([]byte, 0, int(size)+bytes.MinRead))
	_, err = buf.ReadFrom(r)
	return buf.Bytes(), err
}
