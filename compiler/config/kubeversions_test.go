package config

import (
	"fmt"
	"maps"
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
)

// kubeVersions maps environments to versions kiln has schemas for; any
// other version, or one YAML reads as a number, is an error at its value.
func TestKubeVersions(t *testing.T) {
	c, ds := Parse(source.NewFile("config.yaml", []byte("kubeVersions:\n  prod: \"1.35\"\n  staging: \"1.37\"\n")), ".")
	if ds != nil {
		t.Fatal(ds)
	}
	if want := map[string]string{"prod": "1.35", "staging": "1.37"}; !maps.Equal(c.KubeVersions, want) {
		t.Errorf("got %v, want %v", c.KubeVersions, want)
	}
	for src, want := range map[string]string{
		"kubeVersions:\n  prod: \"1.29\"\n": `2:9 kiln has no schema for Kubernetes "1.29"; it has 1.34, 1.35, 1.36, 1.37`,
		"kubeVersions:\n  prod: 1.35\n":     `2:9 write the Kubernetes version of prod as a string, such as "1.37": YAML reads 1.30 as the number 1.3`,
		"kubeVersions: [\"1.35\"]\n":        `1:15 kubeVersions must map environments to Kubernetes versions, such as {prod: "1.35"}`,
	} {
		_, ds := Parse(source.NewFile("config.yaml", []byte(src)), ".")
		if len(ds) != 1 {
			t.Errorf("%q: got %v, want one error", src, ds)
			continue
		}
		line, col := ds[0].Pos.LineCol()
		if got := fmt.Sprintf("%d:%d %s", line, col, ds[0].Message); got != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}
