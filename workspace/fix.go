package workspace

import (
	"context"
	"time"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/fix"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// fixRounds bounds the fixing of one file: a fix can reveal another (a
// corrected field name lets its value be checked), but never forever.
const fixRounds = 5

// fixFile applies complete fixes to one definition until none is left,
// re-checking after each round. ok is false when the definition does not
// load, so that nothing can be fixed safely.
func fixFile(in input, s *schema.Schema, opts build.Options, fo fix.Options) (fixed []byte, titles []string, ok bool) {
	content := in.file.Content
	for range fixRounds {
		in.file = source.NewFile(in.file.Name, content)
		c := checkOne(in, s)
		if c.doc == nil {
			return nil, nil, false
		}
		all := c.diags
		if c.app != nil {
			o := in.buildOptions(opts, s)
			o.Dockerfile = in.dockerfile
			_, ds := build.Build(c.doc, c.app, o)
			all = append(all, ds...)
		}
		var edits []fix.Edit
		for _, d := range all.Sort() {
			if d.Waived != "" {
				continue
			}
			for _, f := range fix.For(c.doc, d, fo) {
				if f.Complete && !fix.Overlaps(edits, f.Edits) {
					edits = append(edits, f.Edits...)
					titles = append(titles, f.Title)
					break
				}
			}
		}
		if len(edits) == 0 {
			break
		}
		next, err := fix.Apply(content, edits)
		if err != nil {
			break
		}
		content = next
	}
	return content, titles, true
}

// Fixed is what Fix did to one definition.
type Fixed struct {
	Path          string
	Before, After []byte
	Titles        []string // the fixes applied, in order
	// Loads is false when the definition does not load, so that nothing
	// could be fixed safely.
	Loads bool
}

// Fix applies the complete fixes of kiln fix to the definitions under
// paths, re-checking after each round, and returns each file's new
// content. It writes nothing.
func (w *Workspace) Fix(ctx context.Context, paths []string) ([]Fixed, error) {
	found, err := discover.Find(paths)
	if err != nil {
		return nil, err
	}
	t, err := w.tools(true)
	if err != nil {
		return nil, err
	}
	s, v, g := t.schema, t.validator, t.g
	opts := build.Options{Validator: v, Context: ctx, KubeVersions: w.kubeVersions()}
	g.apply(&opts)
	fo := fix.NewOptions(s, g.bundle.Known, time.Now())
	var out []Fixed
	for _, p := range found {
		in := appInput(p)
		in.eval, in.ctx = w.eval(), ctx
		fixed, titles, ok := fixFile(in, s, opts, fo)
		out = append(out, Fixed{Path: p, Before: in.file.Content, After: fixed, Titles: titles, Loads: ok})
	}
	return out, nil
}
