package build

import (
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
)

// With environments at versions of their own, a validation finding the
// base shares with some of them is theirs; one every environment has, at
// whatever version, is said once, as the base's.
func TestShareWithBaseAcrossVersions(t *testing.T) {
	f := func(code, msg string) diag.Diagnostic { return diag.Diagnostic{Code: code, Path: "spec", Message: msg} }
	// The base and prod are at 1.35, which refuses x, a field 1.36 added;
	// staging is at 1.37. y is refused by every version.
	x := f("kube/schema", "Deployment/web would be rejected by Kubernetes 1.35: x: unknown field")
	y := f("kube/schema", "Deployment/web would be rejected by Kubernetes 1.35: y: unknown field")
	rule := f("sla-declared", "no SLA")
	perEnv := []diag.List{
		{x, y, rule},
		{f("kube/schema", "Deployment/web would be rejected by Kubernetes 1.37: y: unknown field"), rule},
	}
	got := shareWithBase(diag.List{x, y, rule}, perEnv, []string{"prod", "staging"}, true)
	var msgs []string
	for _, d := range got {
		msgs = append(msgs, d.Message+" "+strings.Join(d.Environments, ","))
	}
	want := []string{y.Message + " ", rule.Message + " ", x.Message + " prod"}
	if len(msgs) != len(want) {
		t.Fatalf("got %q, want %q", msgs, want)
	}
	for i := range want {
		if msgs[i] != want[i] {
			t.Errorf("%d: got %q, want %q", i, msgs[i], want[i])
		}
	}
}
