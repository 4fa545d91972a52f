package lsp

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/guard"

	"github.com/kilnhq/kiln/compiler/source"
)

// ruleAt returns the rule id under the cursor: a word that names one of
// the app's rules, as a waiver's rule: or a test's policy assertion
// writes it.
func (s *Server) ruleAt(def string, f *source.File, off int) (id string, start, end int, ok bool) {
	start, end = wordAt(f.Content, off)
	if start == end {
		return "", 0, 0, false
	}
	word := string(f.Content[start:end])
	for _, r := range s.opts.Checker.Rules(def) {
		if r.ID == word {
			return word, start, end, true
		}
	}
	return "", 0, 0, false
}

// wordAt returns the span of the rule-id-shaped word around off.
func wordAt(b []byte, off int) (start, end int) {
	isWord := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
	}
	off = min(max(off, 0), len(b))
	start, end = off, off
	for start > 0 && isWord(b[start-1]) {
		start--
	}
	for end < len(b) && isWord(b[end]) {
		end++
	}
	return start, end
}

// ruleText is a rule's documentation, as `kiln rules ID` prints it.
func (s *Server) ruleText(def, id string) string {
	for _, r := range s.opts.Checker.Rules(def) {
		if r.ID != id {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "**%s** (%s): %s\n\n", r.ID, r.Severity, r.Title)
		if r.Description != "" {
			fmt.Fprintf(&b, "Why: %s\n\n", r.Description)
		}
		if r.Remediation != "" {
			fmt.Fprintf(&b, "Fix: %s\n\n", r.Remediation)
		}
		if link := s.linkOf(def, r); link != "" {
			fmt.Fprintf(&b, "[%s](%s)\n", r.File, link)
		}
		return b.String()
	}
	return ""
}

// linkOf is where a rule is documented: its entry in the rules reference
// for a built-in rule, its Rego source for the repository's own.
func (s *Server) linkOf(def string, r guard.Rule) string {
	if r.Builtin {
		return guard.RulesDoc + "#" + r.ID
	}
	if file, line, ok := s.opts.Checker.RuleSource(def, r.ID); ok {
		return fmt.Sprintf("%s#L%d", uriOf(file), line)
	}
	return ""
}

func (s *Server) definition(_ context.Context, p *protocol.DefinitionParams) ([]protocol.Location, error) {
	f, err := s.fileOf(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	def := s.docs.definitionFor(f.Name)
	id, _, _, ok := s.ruleAt(def, f, offsetOf(f, p.Position))
	if !ok {
		return nil, nil
	}
	file, line, ok := s.opts.Checker.RuleSource(def, id)
	if !ok {
		return nil, nil
	}
	pos := protocol.Position{Line: uint32(max(line-1, 0))}
	return []protocol.Location{{URI: uriOf(file), Range: protocol.Range{Start: pos, End: pos}}}, nil
}
