package build_test

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/internal/appgen"
)

// Every field the source map records is named in fieldpath's one
// spelling, inside a field of the emitted object, so that a lookup by
// path (kiln build --explain-origin, a hover, a finding's object path)
// finds it: a label's key is metadata.labels["app.kubernetes.io/name"],
// not a dotted string that no path can address.
func TestOriginsAreCanonicalPaths(t *testing.T) {
	var results []*build.Result
	for _, p := range examples(t) {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := buildFile(t, p, src)
		results = append(results, res)
	}
	r := rand.New(rand.NewPCG(14, 19))
	for i := range 50 {
		res, _ := buildFile(t, "kiln.yaml", []byte(appgen.Random(r, i)))
		results = append(results, res)
	}
	for _, res := range results {
		for _, env := range append([]build.Env{res.Base}, res.Envs...) {
			for _, o := range env.Objects {
				for field := range env.Origins.Fields(o.Key()) {
					checkOrigin(t, res.App.Metadata.Name, env.Name, o.Key(), o.Content, field)
				}
			}
		}
	}
}

func checkOrigin(t *testing.T, app, env, obj string, content map[string]any, field string) {
	t.Helper()
	if field == "" {
		return // the whole object (one a patch added)
	}
	p, err := fieldpath.ParsePath(field)
	if err != nil {
		t.Errorf("%s %s %s: origin of %q, which is no path: %v", app, env, obj, field, err)
		return
	}
	if p.String() != field {
		t.Errorf("%s %s %s: origin of %q, spelled %q by fieldpath", app, env, obj, field, p.String())
	}
	// kiln may record a field it then leaves out (no spec on a
	// ServiceAccount, no spread for one replica), but what encloses it is
	// in the object: a key split at its dots is not.
	if _, _, err := p[:len(p)-1].Resolve(content); err != nil {
		t.Errorf("%s %s %s: origin of %s, in no field of the object: %v", app, env, obj, field, err)
	}
}
