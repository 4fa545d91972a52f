package validate

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// A shape is a schema node compiled for conforms: a yes-or-"ask
// jsonschema" answer to whether an object fits its kind's schema.
//
// jsonschema's compile checks every subschema of a kind against the
// 2020-12 meta-schema (tens of milliseconds for a Deployment), and its
// validation converts and walks the object to report every error. Almost
// every object is valid, and for a valid object the only answer is "no
// violations", so conforms walks the object once, allocating nothing, over
// shapes compiled straight from the decoded document. Only a "no" (or an
// object or schema it does not handle) goes to jsonschema, which finds
// and describes the violations as it always has.
//
// conforms must never say yes where jsonschema says no: it handles only
// the keywords the generated schemas use, as jsonschema v5 evaluates them
// under draft 2020-12, and any other keyword, value type or null field
// makes it say no (TestConformsAgreesWithJSONSchema).
type shape struct {
	unknown  bool // a keyword conforms does not evaluate: ask jsonschema
	never    bool // the false schema
	types    typeSet
	ref      *shape
	props    map[string]*shape
	required []string
	extra    *shape // additionalProperties; nil allows any
	items    *shape
	enum     []string // nil: no enum; conforms handles string enums only
	pattern  *regexp.Regexp
	anyOf    []*shape

	minLength, maxLength, minProps, maxProps int // -1: none
}

// typeSet is a set of JSON types; 0 means any.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tString
	tInteger
	tNumber
	tArray
	tObject
)

var typeNames = map[string]typeSet{
	"null": tNull, "boolean": tBoolean, "string": tString, "integer": tInteger,
	"number": tNumber, "array": tArray, "object": tObject,
}

// annotations are keywords that never make a value invalid.
var annotations = map[string]bool{
	"$schema": true, "$comment": true, "default": true, "nullable": true, "title": true,
	"description": true, "examples": true, "readOnly": true, "writeOnly": true, "deprecated": true,
}

// shapes compiles the definitions of one document, each once; a $ref
// cycle closes on the shape being compiled.
type shapes struct {
	defs func(name string) (any, bool) // the document's $defs
	done map[string]*shape             // by definition name
}

func (c *shapes) def(name string) *shape {
	if s, ok := c.done[name]; ok {
		return s
	}
	s := &shape{}
	c.done[name] = s
	node, ok := c.defs(name)
	if !ok {
		s.unknown = true
		return s
	}
	*s = *c.compile(node)
	return s
}

func (c *shapes) compile(node any) *shape {
	switch n := node.(type) {
	case bool:
		return &shape{never: !n, minLength: -1, maxLength: -1, minProps: -1, maxProps: -1}
	case map[string]any:
		s := &shape{minLength: -1, maxLength: -1, minProps: -1, maxProps: -1}
		for k, v := range n {
			if !c.keyword(s, k, v) {
				s.unknown = true
			}
		}
		return s
	}
	return &shape{unknown: true}
}

// keyword compiles one keyword of a schema into s, and reports whether
// conforms evaluates it.
func (c *shapes) keyword(s *shape, k string, v any) bool {
	switch k {
	case "type":
		return s.setTypes(v)
	case "$ref":
		ref, _ := v.(string)
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok || strings.ContainsAny(name, "/~%") {
			return false
		}
		s.ref = c.def(name)
	case "properties":
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		s.props = make(map[string]*shape, len(m))
		for p, sub := range m {
			s.props[p] = c.compile(sub)
		}
	case "additionalProperties":
		s.extra = c.compile(v)
	case "items":
		if _, ok := v.([]any); ok {
			return false
		}
		s.items = c.compile(v)
	case "required":
		l, ok := v.([]any)
		if !ok {
			return false
		}
		for _, r := range l {
			name, ok := r.(string)
			if !ok {
				return false
			}
			s.required = append(s.required, name)
		}
	case "enum":
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			return false
		}
		s.enum = make([]string, 0, len(l))
		for _, e := range l {
			str, ok := e.(string)
			if !ok {
				return false
			}
			s.enum = append(s.enum, str)
		}
	case "pattern":
		p, ok := v.(string)
		if !ok {
			return false
		}
		re, err := regexp.Compile(p) // jsonschema v5 uses Go's regexp too
		if err != nil {
			return false
		}
		s.pattern = re
	case "anyOf":
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			return false
		}
		for _, sub := range l {
			s.anyOf = append(s.anyOf, c.compile(sub))
		}
	case "minLength", "maxLength", "minProperties", "maxProperties":
		n, ok := count(v)
		if !ok {
			return false
		}
		switch k {
		case "minLength":
			s.minLength = n
		case "maxLength":
			s.maxLength = n
		case "minProperties":
			s.minProps = n
		default:
			s.maxProps = n
		}
	default:
		return annotations[k]
	}
	return true
}

func (s *shape) setTypes(v any) bool {
	var names []any
	switch v := v.(type) {
	case string:
		names = []any{v}
	case []any:
		names = v
	default:
		return false
	}
	for _, n := range names {
		str, _ := n.(string)
		t, ok := typeNames[str]
		if !ok {
			return false
		}
		s.types |= t
	}
	return s.types != 0
}

// count reads a keyword's non-negative integer, as the document's decoder
// gives it.
func count(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// conforms reports whether x surely fits s: true only when jsonschema
// would find no error. x is an object's content as Validate gets it.
func (s *shape) conforms(x any) bool {
	if s.unknown || s.never {
		return false
	}
	if s.ref != nil && !s.ref.conforms(x) {
		return false
	}
	t, ok := typeOf(x)
	if !ok {
		return false // null (Validate drops some null fields) or a Go type asJSON converts
	}
	if s.types != 0 && s.types&t == 0 {
		return false
	}
	if s.enum != nil && !s.inEnum(x) {
		return false
	}
	if s.anyOf != nil && !slices.ContainsFunc(s.anyOf, func(sub *shape) bool { return sub.conforms(x) }) {
		return false
	}
	switch x := x.(type) {
	case map[string]any:
		return s.object(x)
	case []any:
		if s.items != nil {
			for _, e := range x {
				if !s.items.conforms(e) {
					return false
				}
			}
		}
	case string:
		if s.minLength >= 0 || s.maxLength >= 0 {
			n := utf8.RuneCountInString(x)
			if s.minLength >= 0 && n < s.minLength || s.maxLength >= 0 && n > s.maxLength {
				return false
			}
		}
		if s.pattern != nil && !s.pattern.MatchString(x) {
			return false
		}
	}
	return true
}

func (s *shape) inEnum(x any) bool {
	str, ok := x.(string)
	if !ok {
		return false
	}
	for _, e := range s.enum {
		if e == str {
			return true
		}
	}
	return false
}

func (s *shape) object(x map[string]any) bool {
	if s.minProps >= 0 && len(x) < s.minProps || s.maxProps >= 0 && len(x) > s.maxProps {
		return false
	}
	for _, r := range s.required {
		if _, ok := x[r]; !ok {
			return false
		}
	}
	for k, e := range x {
		if p, declared := s.props[k]; declared {
			if !p.conforms(e) {
				return false
			}
		} else if s.extra != nil && !s.extra.conforms(e) {
			return false
		}
	}
	return true
}

// typeOf returns the JSON type of x as jsonschema sees it after asJSON:
// an integer is both tInteger and tNumber. It is false for null, which
// Validate may drop before jsonschema sees it, and for anything but the
// plain values objects are made of.
func typeOf(x any) (typeSet, bool) {
	switch x := x.(type) {
	case bool:
		return tBoolean, true
	case string:
		return tString, true
	case map[string]any:
		return tObject, true
	case []any:
		return tArray, true
	case int, int32, int64:
		return tInteger | tNumber, true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, false
		}
		if x == math.Trunc(x) {
			return tInteger | tNumber, true
		}
		return tNumber, true
	case json.Number:
		return numberType(string(x))
	}
	return 0, false
}

// numberType types a json.Number as jsonschema v5 does: an integer when
// its value is whole, "1.0" included.
func numberType(s string) (typeSet, bool) {
	digits := strings.TrimPrefix(s, "-")
	plain := digits != ""
	for i := 0; i < len(digits) && plain; i++ {
		plain = digits[i] >= '0' && digits[i] <= '9'
	}
	if plain {
		return tInteger | tNumber, true
	}
	if strings.ContainsAny(s, "eE") {
		return 0, false // 1e1000000 costs what its exponent says: leave it to jsonschema
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	if r.IsInt() {
		return tInteger | tNumber, true
	}
	return tNumber, true
}
