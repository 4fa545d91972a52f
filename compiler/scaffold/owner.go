package scaffold

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hmarr/codeowners"
)

// codeownersFiles are where GitHub looks for CODEOWNERS, in its order: the
// first found is the one that applies.
var codeownersFiles = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// detectOwner is --owner, else the owner CODEOWNERS gives the definition
// kiln init writes (the rule of *, of the project's directory or of
// kiln.yaml: the last that matches, as GitHub decides), as a label
// value: @acme/payments is payments. Else a placeholder, marked TODO.
func detectOwner(o Options, p *Project) Value {
	if o.Owner != "" {
		return Value{V: o.Owner, From: "from --owner"}
	}
	todo := Value{V: "TODO", TODO: "the owning team, e.g. team-payments: no CODEOWNERS rule matches " + path.Join(o.Dir, "kiln.yaml")}
	file, data := readCodeowners(o.Repo)
	if data == nil {
		todo.TODO = "the owning team, e.g. team-payments: no CODEOWNERS in .github/, the repository's root or docs/"
		return todo
	}
	rules, warnings := parseCodeowners(file, data)
	p.Warnings = append(p.Warnings, warnings...)
	target := path.Join(o.Dir, "kiln.yaml")
	rule, err := rules.Match(target)
	if err != nil {
		p.Warnings = append(p.Warnings, Warning{File: file, Line: rule.LineNumber, Message: "pattern " + rule.RawPattern() + ": " + err.Error()})
		return todo
	}
	if rule == nil {
		return todo
	}
	where := at(file, data, rule.LineNumber)
	if len(rule.Owners) == 0 {
		todo.TODO = fmt.Sprintf("the owning team: %s leaves %s without an owner", where, target)
		return todo
	}
	owner := ownerLabel(rule.Owners[0])
	if owner == "" {
		todo.TODO = fmt.Sprintf("the owning team: %s names %s, which is no label value", where, rule.Owners[0])
		return todo
	}
	v := Value{V: owner, From: "from " + where}
	if len(rule.Owners) > 1 {
		v.From += "; the first of its owners"
	}
	return v
}

func readCodeowners(repo fs.FS) (string, []byte) {
	for _, f := range codeownersFiles {
		info, err := fs.Stat(repo, f)
		if err != nil || !info.Mode().IsRegular() || info.Size() > maxFileSize {
			continue
		}
		if data, err := fs.ReadFile(repo, f); err == nil {
			return f, data
		}
	}
	return "", nil
}

// parseCodeowners reads CODEOWNERS with hmarr/codeowners, skipping each
// line it cannot parse with a warning, as GitHub skips a line with
// invalid syntax and applies the others.
func parseCodeowners(file string, data []byte) (codeowners.Ruleset, []Warning) {
	var warnings []Warning
	lines := bytes.Split(data, []byte("\n"))
	for i, l := range lines {
		if _, err := codeowners.ParseFile(bytes.NewReader(l)); err != nil {
			_, msg := splitLineError(err.Error())
			warnings = append(warnings, Warning{File: file, Line: i + 1, Message: msg + "; the line is skipped, as GitHub skips it"})
			lines[i] = nil
		}
	}
	rules, err := codeowners.ParseFile(bytes.NewReader(bytes.Join(lines, []byte("\n"))))
	if err != nil { // every line parsed alone
		return nil, append(warnings, Warning{File: file, Message: err.Error()})
	}
	return rules, warnings
}

// ownerLabel is the name an owner goes by as a label value: a team's name
// without its organisation (@acme/payments is payments), a user's name,
// an address's local part.
func ownerLabel(o codeowners.Owner) string {
	v := o.Value
	switch o.Type {
	case codeowners.TeamOwner:
		v = v[strings.LastIndex(v, "/")+1:]
	case codeowners.EmailOwner:
		v, _, _ = strings.Cut(v, "@")
	}
	return labelValue(v)
}

// splitLineError reads the library's "line N: message".
func splitLineError(s string) (int, string) {
	rest, ok := strings.CutPrefix(s, "line ")
	if !ok {
		return 0, s
	}
	num, msg, ok := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return 0, s
	}
	return n, msg
}
