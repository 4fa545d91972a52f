package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// schemaURI is the JSON Schema dialect of every generated document.
const schemaURI = "https://json-schema.org/draft/2020-12/schema"

// encode writes a schema document in the layout Open reads: valid JSON,
// but laid out in lines: first a header line with $comment and $schema;
// then the kinds, `"x-kiln-kinds":{`, one line per kind,
// `"apps/v1/Deployment":"io.k8s.api.apps.v1.Deployment",`, and `},`;
// then the definitions alike, `"$defs":{`, one `"name":{...},` a line,
// and `}}`. Entries are sorted by key, and encoding/json sorts the keys
// inside each value and escapes every newline in it, so the same input
// gives the same bytes, and a reader finds each entry by its line alone,
// without decoding the others.
func encode(comment string, defs map[string]any, kinds map[string]string) ([]byte, error) {
	head, err := json.Marshal(map[string]any{"$comment": comment, "$schema": schemaURI})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(head[:len(head)-1]) // without the closing brace
	buf.WriteString(",\n")
	if err := writeSection(&buf, KindsKey, kinds); err != nil {
		return nil, err
	}
	buf.WriteString(",\n")
	if err := writeSection(&buf, "$defs", defs); err != nil {
		return nil, err
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}

// writeSection writes the object m under key, an entry a line.
func writeSection[V any](buf *bytes.Buffer, key string, m map[string]V) error {
	buf.WriteString(`"` + key + `":{` + "\n")
	for i, k := range slices.Sorted(maps.Keys(m)) {
		kj, err := json.Marshal(k)
		if err != nil {
			return err
		}
		vj, err := json.Marshal(m[k])
		if err != nil {
			return err
		}
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(kj)
		buf.WriteByte(':')
		buf.Write(vj)
	}
	buf.WriteString("\n}")
	return nil
}

// A Doc is the schema of one minor version, decoded as it is used: Open
// decodes the kinds, and each definition is decoded when it is first
// asked for. A process that validates the five to eight kinds one app
// emits decodes the fifth of the document those kinds reach, not all
// 850 definitions. A Doc is safe for concurrent use.
type Doc struct {
	Schema string            // the document's $schema
	Kinds  map[string]string // "apps/v1/Deployment" → the name of its definition

	raw     map[string][]byte // each definition's JSON, by name
	mu      sync.Mutex
	decoded map[string]any
	extra   map[string]any // definitions added by With, decoded already
	base    *Doc           // the Doc With added to
}

// Open returns the schema of a minor version, e.g. "1.37".
func Open(minor string) (*Doc, error) {
	data, err := Schema(minor)
	if err != nil {
		return nil, err
	}
	d, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("kube schema %s: %v", minor, err)
	}
	return d, nil
}

// parse reads a document in encode's layout. It decodes the kinds, short
// strings, and only finds each definition's line.
func parse(data []byte) (*Doc, error) {
	head, rest, _ := bytes.Cut(data, []byte("\n"))
	var h struct {
		Schema string `json:"$schema"`
	}
	if !bytes.HasSuffix(head, []byte(",")) || json.Unmarshal(append(head[:len(head)-1:len(head)-1], '}'), &h) != nil {
		return nil, errLayout
	}
	lines := bytes.Count(rest, []byte("\n"))
	d := &Doc{Schema: h.Schema, Kinds: make(map[string]string, lines/3), raw: make(map[string][]byte, lines), decoded: map[string]any{}}
	rest, err := section(rest, KindsKey, "},", func(k string, v []byte) error {
		name, err := unquote(v)
		d.Kinds[k] = name
		return err
	})
	if err != nil {
		return nil, err
	}
	rest, err = section(rest, "$defs", "}}", func(k string, v []byte) error {
		d.raw[k] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errLayout
	}
	return d, nil
}

var errLayout = fmt.Errorf("not in the generated layout; run: make schema")

// section reads the section key of data, calling f with each entry's key
// and value, and returns what follows the line end that closes it.
func section(data []byte, key, end string, f func(k string, v []byte) error) ([]byte, error) {
	line, rest, _ := bytes.Cut(data, []byte("\n"))
	if string(line) != `"`+key+`":{` {
		return nil, errLayout
	}
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if string(line) == end {
			return rest, nil
		}
		k, v, err := splitEntry(bytes.TrimSuffix(line, []byte(",")))
		if err != nil {
			return nil, err
		}
		if err := f(k, v); err != nil {
			return nil, err
		}
	}
	return nil, errLayout
}

// splitEntry splits an entry's line, `"key":value`, into the key and the
// value's JSON.
func splitEntry(line []byte) (string, []byte, error) {
	end := -1
	if len(line) > 0 && line[0] == '"' {
		end = 1 + bytes.IndexByte(line[1:], '"')
		for end > 0 && escaped(line, end) {
			next := bytes.IndexByte(line[end+1:], '"')
			if next < 0 {
				end = 0
				break
			}
			end += 1 + next
		}
	}
	if end <= 0 || end+1 >= len(line) || line[end+1] != ':' {
		return "", nil, fmt.Errorf("malformed line %.40q", line)
	}
	k, err := unquote(line[:end+1])
	return k, line[end+2:], err
}

// escaped reports whether the byte at i follows an odd number of
// backslashes.
func escaped(s []byte, i int) bool {
	n := 0
	for i-n-1 >= 0 && s[i-n-1] == '\\' {
		n++
	}
	return n%2 == 1
}

// unquote decodes a JSON string, without encoding/json when it has no
// escapes, as generated names never do.
func unquote(s []byte) (string, error) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' && bytes.IndexByte(s, '\\') < 0 {
		return string(s[1 : len(s)-1]), nil
	}
	var out string
	err := json.Unmarshal(s, &out)
	return out, err
}

// Def returns the definition called name, decoded, and whether d has it.
// Callers share what it returns and must not change it.
func (d *Doc) Def(name string) (any, bool) {
	if x, ok := d.extra[name]; ok {
		return x, true
	}
	if d.base != nil {
		return d.base.Def(name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if x, ok := d.decoded[name]; ok {
		return x, true
	}
	raw, ok := d.raw[name]
	if !ok {
		return nil, false
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		// The drift test keeps the embedded documents well-formed.
		panic(fmt.Sprintf("kube schema: definition %s: %v", name, err))
	}
	d.decoded[name] = x
	return x, true
}

// With returns a Doc holding d's definitions and kinds and, over them,
// defs and kinds (as AddCRD makes them). d is not changed; the two share
// what d has decoded and will decode.
func (d *Doc) With(defs map[string]any, kinds map[string]string) *Doc {
	all := maps.Clone(d.Kinds)
	maps.Copy(all, kinds)
	return &Doc{Schema: d.Schema, Kinds: all, extra: defs, base: d}
}
