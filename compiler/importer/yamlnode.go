package importer

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// The definition is written as a YAML node tree, so that each inferred
// value carries its comment and fields keep the order the reference
// definition (docs) uses.

func newMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func newList() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode} }

// flow makes n print on one line, as {min: 2, max: 10}.
func flow(n *yaml.Node) *yaml.Node {
	n.Style = yaml.FlowStyle
	return n
}

// scalar is a node for a string, number or bool.
func scalar(v any) *yaml.Node {
	switch x := v.(type) {
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}
		return n
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(x, 10)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(x, 'f', -1, 64)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
}

// set appends key: value to map m, with a line comment when one is given.
func set(m *yaml.Node, key string, value *yaml.Node, comment string) {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	if comment != "" {
		if value.Kind == yaml.ScalarNode || value.Style == yaml.FlowStyle {
			value.LineComment = "# " + comment
		} else {
			k.LineComment = "# " + comment
		}
	}
	m.Content = append(m.Content, k, value)
}

// get returns the value of key in map m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// stringMap is a map node of a map of strings, keys sorted.
func stringMap(keys []string, values map[string]string) *yaml.Node {
	m := newMap()
	for _, k := range keys {
		set(m, k, scalar(values[k]), "")
	}
	return m
}

// encode writes the document with two-space indentation.
func encode(doc *yaml.Node) ([]byte, error) {
	var b bytesBuffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.data, nil
}

type bytesBuffer struct{ data []byte }

func (b *bytesBuffer) Write(p []byte) (int, error) {
	b.data = append(b.data, p...)
	return len(p), nil
}
