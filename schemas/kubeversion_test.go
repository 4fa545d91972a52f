package schemas

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/schemas/kube"
)

// An environment's kubeVersion accepts exactly the versions kiln has the
// schemas of: a release added to schemas/kube is added here too.
func TestKubeVersionListsTheSchemaPacks(t *testing.T) {
	m := regexp.MustCompile(`(?m)^\s*kubeVersion\?: (.*)$`).FindSubmatch(AppCUE)
	if m == nil {
		t.Fatal("app.cue has no kubeVersion field")
	}
	var want []string
	for _, v := range kube.Versions() {
		want = append(want, `"`+v+`"`)
	}
	if got := string(m[1]); got != strings.Join(want, " | ") {
		t.Errorf("kubeVersion?: %s, want %s", got, strings.Join(want, " | "))
	}
}
