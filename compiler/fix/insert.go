package fix

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/kilnhq/kiln/compiler/load"
)

// insertField adds key: v as the last field of the mapping at path, in the
// mapping's own style: block YAML at its indentation, flow YAML and JSON
// on one line after the last field. It declines (false) for CUE and
// Jsonnet, whose text kiln does not edit structurally, and for an empty
// or missing mapping.
func insertField(doc *load.Doc, path []string, key string, v any) (Edit, bool) {
	m := doc.Lookup(path)
	if m == nil || m.Kind != load.Map || len(m.Fields) == 0 {
		return Edit{}, false
	}
	src := doc.File.LF() // its lines are the file's, however they end
	last := m.Fields[len(m.Fields)-1]
	switch {
	case doc.Format == load.JSON:
		at, ok := afterLast(src, m.Pos.Offset)
		k, _ := json.Marshal(key)
		return Edit{at, at, ",\n" + indentOf(src, m.Fields[0].KeyPos.Offset) + string(k) + ": " + jsonOf(v)}, ok
	case doc.Format != load.YAML:
		return Edit{}, false
	case src[m.Pos.Offset] == '{':
		at, ok := afterLast(src, m.Pos.Offset)
		return Edit{at, at, ", " + key + ": " + jsonOf(v)}, ok
	}
	indent := indentOf(src, m.Fields[0].KeyPos.Offset)
	if strings.Trim(indent, " ") != "" {
		return Edit{}, false // a tab or a key that does not start its line
	}
	isList := last.Value.Kind == load.List
	at := blockEnd(src, last.KeyPos.Offset, len(indent), isList)
	text := "\n" + indent + key + ": " + yamlOf(v, indent)
	switch v.(type) {
	case value, list:
		text = "\n" + indent + key + ":\n" + indent + "  " + yamlOf(v, indent+"  ")
	}
	return Edit{at, at, text}, true
}

// appendItem adds v as the last item of a list, in the list's style.
func appendItem(doc *load.Doc, l *load.Node, v value) (Edit, bool) {
	if l.Kind != load.List || len(l.Items) == 0 {
		return Edit{}, false
	}
	src := doc.File.LF() // its lines are the file's, however they end
	last := l.Items[len(l.Items)-1]
	switch {
	case doc.Format == load.JSON:
		at, ok := afterLast(src, l.Pos.Offset)
		return Edit{at, at, ",\n" + indentOf(src, l.Items[0].Pos.Offset) + v.json()}, ok
	case doc.Format != load.YAML:
		return Edit{}, false
	case src[l.Pos.Offset] == '[':
		at, ok := afterLast(src, l.Pos.Offset)
		return Edit{at, at, ", " + v.json()}, ok
	case src[l.Pos.Offset] != '-':
		return Edit{}, false
	}
	dash := indentOf(src, l.Pos.Offset)
	if strings.Trim(dash, " ") != "" {
		return Edit{}, false
	}
	at := blockEnd(src, last.Pos.Offset, len(dash), true)
	return Edit{at, at, "\n" + dash + "- " + yamlOf(v, dash+"  ")}, true
}

// afterLast returns where the last entry of the flow mapping or sequence
// (or JSON object or array) opening at open ends: just before its closing
// bracket and the blanks in front of it. A loaded node's end is not
// enough: an empty {} or [] as the last value ends where it starts.
func afterLast(src []byte, open int) (int, bool) {
	end, ok := closing(src, open)
	if !ok {
		return 0, false
	}
	for end > open+1 && (src[end-1] == ' ' || src[end-1] == '\t' || src[end-1] == '\n' || src[end-1] == '\r') {
		end--
	}
	return end, true
}

// closing finds the bracket that closes the one at open, skipping quoted
// strings and comments.
func closing(src []byte, open int) (int, bool) {
	depth := 0
	for i := open; i < len(src); i++ {
		switch c := src[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i, true
			}
		case '"':
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(src); i++ {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' { // '' is a quote
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > 0 && (src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n') {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			}
		}
	}
	return 0, false
}

// indentOf returns the text between the start of off's line and off when
// it is all blank, else what of it is.
func indentOf(src []byte, off int) string {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	line := src[start:off]
	return string(line[:len(line)-len(bytes.TrimLeft(line, " \t"))])
}

// blockEnd finds where a block that starts on off's line ends: the end of
// its last non-blank line indented deeper than indent (or, for a list, a
// "- " item at indent), so that an insertion lands after block scalars,
// nested mappings and trailing comments of the block, before what follows.
func blockEnd(src []byte, off, indent int, list bool) int {
	end := off + lineLen(src[off:])
	for at := end + 1; at < len(src); {
		line := src[at : at+lineLen(src[at:])]
		trimmed := bytes.TrimLeft(line, " ")
		depth := len(line) - len(trimmed)
		switch {
		case len(bytes.TrimSpace(line)) == 0:
		case depth > indent, list && depth == indent && bytes.HasPrefix(trimmed, []byte("- ")):
			end = at + len(line)
		default:
			return end
		}
		at += len(line) + 1
	}
	return end
}

// lineLen is the length of b's first line, without its newline; a CR
// before the newline stays part of the line's text.
func lineLen(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		if i > 0 && b[i-1] == '\r' {
			return i - 1
		}
		return i
	}
	return len(b)
}
