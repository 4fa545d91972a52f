package apptest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/repofile"
)

// snapshots are the recorded outputs of a suite's matchSnapshot
// assertions: __snapshot__/<test file>.snap beside the test file, a YAML
// map from "<case> #<assertion>" to the recorded text. They are written
// only when asked (--update-snapshots); a missing snapshot fails, so that
// CI never passes on a snapshot nobody reviewed.
type snapshots struct {
	path    string
	update  bool
	entries map[string]string
	changed bool
	err     error
}

func newSnapshots(testFile, root string, update bool) *snapshots {
	s := &snapshots{update: update, entries: map[string]string{},
		path: filepath.Join(filepath.Dir(testFile), "__snapshot__", filepath.Base(testFile)+".snap")}
	b, err := repofile.Read(root, s.path, repofile.MaxBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		s.err = err
	default:
		if err := yaml.Unmarshal(b, &s.entries); err != nil {
			s.err = fmt.Errorf("%s: %v", s.path, err)
		}
	}
	return s
}

func (s *snapshots) match(a *Assert, caseName string, index int, docs []any) string {
	if s.err != nil {
		return "cannot read the snapshots: " + s.err.Error()
	}
	var got []string
	for _, d := range docs {
		v := any(d)
		if a.steps != nil {
			r, _, err := a.steps.Resolve(d)
			if err != nil {
				return fmt.Sprintf("path %s: %v", a.Path, err)
			}
			v = r
		}
		got = append(got, show(v))
	}
	text := ""
	for i, g := range got {
		if i > 0 {
			text += "---\n"
		}
		text += g + "\n"
	}
	key := fmt.Sprintf("%s #%d", caseName, index+1)
	want, ok := s.entries[key]
	switch {
	case s.update:
		if !ok || want != text {
			s.entries[key], s.changed = text, true
		}
		return ""
	case !ok:
		return fmt.Sprintf("no snapshot for this assertion in %s; run kiln test --update-snapshots and review what it writes", s.path)
	case want != text:
		return fmt.Sprintf("the output differs from the snapshot in %s (kiln test --update-snapshots records the new one):\n%s",
			s.path, strings.TrimRight(string(diff.Diff("snapshot", []byte(want), "actual", []byte(text))), "\n"))
	}
	return ""
}

// save writes the snapshots when an update changed them, through a
// temporary file and a rename.
func (s *snapshots) save() error {
	if !s.changed {
		return nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s.entries); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}
