package fix

import (
	"os"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/lineend"
)

// FuzzFixesKeepTheFileLoading applies every fix kiln offers, for findings
// at the fields fixes touch, to arbitrary definitions: a definition that
// loaded must still load afterwards, whatever its layout (block or flow,
// comments, block scalars, odd indentation).
func FuzzFixesKeepTheFileLoading(f *testing.F) {
	for _, p := range []string{"../../examples/reference/kiln.yaml", "../../examples/minimal/kiln.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
			for _, v := range lineend.Variants(b) {
				f.Add(v)
			}
		}
	}
	f.Add([]byte(app))
	f.Add([]byte("spec: {image: x, port: 80, scaling: {min: 1}, sla: {availability: 99.9}}\n"))
	f.Add([]byte("spec:\n  waivers: []\n  image: a\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<14 {
			return
		}
		doc, _ := load.Load(source.NewFile("kiln.yaml", src), load.Options{})
		if doc == nil {
			return
		}
		for _, tc := range []struct{ code, path string }{
			{"replicas-meet-sla", "spec.scaling.min"},
			{"replicas-meet-sla", "spec.environments.prod.scaling.min"},
			{"resources-set", "spec"},
			{"image-pinned", "spec.image"},
			{"no-privileged", "spec"},
		} {
			for _, fx := range For(doc, finding(doc, tc.code, tc.path), opts) {
				out, err := Apply(src, fx.Edits)
				if err != nil {
					t.Fatalf("%s: %v", fx.Title, err)
				}
				if after, ds := load.Load(source.NewFile("kiln.yaml", out), load.Options{}); after == nil {
					t.Fatalf("%s broke the file:\n%s\n---\n%s\n%v", fx.Title, src, out, ds)
				}
				if strings.HasPrefix(fx.Title, "Waive") && !strings.Contains(string(out), tc.code) {
					t.Fatalf("the waiver does not name %s:\n%s", tc.code, out)
				}
			}
		}
	})
}
