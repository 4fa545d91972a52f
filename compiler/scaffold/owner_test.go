package scaffold_test

import (
	"path"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kilnhq/kiln/compiler/scaffold"
)

// TestCodeowners checks the owner kiln init reads from CODEOWNERS: the
// file GitHub reads (.github/, the root, docs/, the first found), the
// last rule that matches the definition's path, and the owner as a label
// value.
func TestCodeowners(t *testing.T) {
	for _, c := range []struct {
		name   string
		files  map[string]string
		dir    string
		flag   string
		owner  string // the value; "TODO" for a placeholder
		detail string // in the comment or the TODO
		warn   string // a warning's "line: message", if any
	}{
		{name: "star", files: map[string]string{"CODEOWNERS": "# owners\n* @acme/platform\n"},
			dir: "svc", owner: "platform", detail: "from CODEOWNERS:2: * @acme/platform"},
		{name: "github dir first", files: map[string]string{"CODEOWNERS": "* @acme/root\n", ".github/CODEOWNERS": "* @acme/github\n", "docs/CODEOWNERS": "* @acme/docs\n"},
			dir: "svc", owner: "github", detail: ".github/CODEOWNERS:1"},
		{name: "docs last", files: map[string]string{"docs/CODEOWNERS": "* @acme/docs\n"},
			dir: "svc", owner: "docs", detail: "docs/CODEOWNERS:1"},
		{name: "last match wins", files: map[string]string{".github/CODEOWNERS": "* @acme/platform\n/services/ @acme/backend\n/services/checkout/ @acme/payments @alice\n*.md @acme/writers\n"},
			dir: "services/checkout", owner: "payments", detail: ":3: /services/checkout/ @acme/payments @alice; the first of its owners"},
		{name: "a later broader rule wins", files: map[string]string{".github/CODEOWNERS": "/services/checkout/ @acme/payments\n* @acme/platform\n"},
			dir: "services/checkout", owner: "platform", detail: ":2: * @acme/platform"},
		{name: "a rule of the file", files: map[string]string{"CODEOWNERS": "* @acme/platform\n**/kiln.yaml @acme/sre\n"},
			dir: "services/checkout", owner: "sre", detail: ":2:"},
		{name: "at the root", files: map[string]string{"CODEOWNERS": "/svc/ @acme/svc\n/kiln.yaml @acme/root-app\n"},
			dir: ".", owner: "root-app", detail: ":2:"},
		{name: "no owner", files: map[string]string{"CODEOWNERS": "* @acme/platform\n/services/legacy/\n"},
			dir: "services/legacy", owner: "TODO", detail: "CODEOWNERS:2: /services/legacy/ leaves services/legacy/kiln.yaml without an owner"},
		{name: "no rule matches", files: map[string]string{"CODEOWNERS": "/web/ @acme/web\n"},
			dir: "svc", owner: "TODO", detail: "no CODEOWNERS rule matches svc/kiln.yaml"},
		{name: "no file", files: map[string]string{},
			dir: "svc", owner: "TODO", detail: "no CODEOWNERS in .github/"},
		{name: "email", files: map[string]string{"CODEOWNERS": "* ops.team@acme.com\n"},
			dir: "svc", owner: "ops.team", detail: "CODEOWNERS:1"},
		{name: "user", files: map[string]string{"CODEOWNERS": "* @Alice_B\n"},
			dir: "svc", owner: "Alice_B", detail: "CODEOWNERS:1"},
		{name: "a malformed line is skipped", files: map[string]string{"CODEOWNERS": "* @acme/platform\n/svc/ not-an-owner\n"},
			dir: "svc", owner: "platform", detail: "CODEOWNERS:1", warn: "CODEOWNERS:2: invalid owner format 'not-an-owner'"},
		{name: "flag wins", files: map[string]string{"CODEOWNERS": "* @acme/platform\n"},
			dir: "svc", flag: "team-x", owner: "team-x", detail: "from --owner"},
	} {
		t.Run(c.name, func(t *testing.T) {
			repo := fstest.MapFS{}
			for name, content := range c.files {
				repo[name] = &fstest.MapFile{Data: []byte(content)}
			}
			repo[path.Join(c.dir, "main.go")] = &fstest.MapFile{Data: []byte("package main\n")}
			p, err := scaffold.Detect(scaffold.Options{Repo: repo, Dir: c.dir, Owner: c.flag})
			if err != nil {
				t.Fatal(err)
			}
			if p.Owner.V != c.owner {
				t.Errorf("owner %q, want %q (%+v)", p.Owner.V, c.owner, p.Owner)
			}
			if got := p.Owner.From + p.Owner.TODO; !strings.Contains(got, c.detail) {
				t.Errorf("owner's comment %q does not say %q", got, c.detail)
			}
			var warns []string
			for _, w := range p.Warnings {
				warns = append(warns, w.File+":"+strconv.Itoa(w.Line)+": "+w.Message)
			}
			if got := strings.Join(warns, "\n"); (c.warn == "") != (got == "") || !strings.HasPrefix(got, c.warn) {
				t.Errorf("warnings %q, want %q", got, c.warn)
			}
		})
	}
}
