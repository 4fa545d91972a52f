package team

import (
	"fmt"
	"testing"
)

// BenchmarkMake is the team pass of a run over 300 apps of 50 teams in
// three environments: what kiln build --emit namespaces and kiln check add
// to a run, every run, beside the per-app work (see docs/namespaces.md).
func BenchmarkMake(b *testing.B) {
	var apps []App
	for i := range 300 {
		var envs []Env
		for _, e := range []string{"dev", "prod", "staging"} {
			envs = append(envs, env(e, fmt.Sprintf("ns-%d", i%50), i, "250m", int64(1+i%5)))
		}
		apps = append(apps, app(fmt.Sprintf("apps/%d/kiln.yaml", i), fmt.Sprint("app-", i), fmt.Sprint("team-", i%50), envs...))
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := Make(apps, Options{Emit: true})
		if err != nil || len(p.Envs) != 3 {
			b.Fatal(err)
		}
		if _, err := p.Files(); err != nil {
			b.Fatal(err)
		}
	}
}
