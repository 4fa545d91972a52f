// Package appgen writes random, valid app definitions for property tests:
// the build tests and the API-server lane (e2e/) feed them through kiln and
// check what must hold for every app.
package appgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Random returns the i-th random app definition (YAML) drawn from r. The
// same r and i give the same text.
func Random(r *rand.Rand, i int) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata:\n  name: app-%d\n  owner: team-%d\n", i, r.IntN(50))
	if r.IntN(2) == 0 {
		b.WriteString("  contact: \"#oncall\"\n")
	}
	fmt.Fprintf(&b, "spec:\n  image: registry.example.com/t/app-%d:%d.%d.%d\n", i, r.IntN(3), r.IntN(10), r.IntN(10))
	// Every eighth app is a worker that listens on no port, every other
	// one of them with a health command. A worker draws the same random
	// numbers as any app, so that the others stay as they were.
	worker := i%8 == 7
	port, protocol := 1+r.IntN(65535), pick("http", "grpc", "tcp")
	switch {
	case !worker:
		fmt.Fprintf(&b, "  port: %d\n  protocol: %s\n", port, protocol)
	case i%16 == 7:
		b.WriteString("  protocol: none\n  health: {command: [/app, --check]}\n")
	default:
		b.WriteString("  protocol: none\n")
	}
	fmt.Fprintf(&b, "  resources: {cpu: %q, memory: %s}\n", pick("50m", "250m", "1", "2500m"), pick("64Mi", "512Mi", "1Gi"))
	if r.IntN(2) == 0 {
		lo := 1 + r.IntN(4)
		fmt.Fprintf(&b, "  scaling: {min: %d, max: %d, cpuTarget: %d}\n", lo, lo+r.IntN(5), 1+r.IntN(100))
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "  sla: {availability: %s}\n", pick("95", "99", "99.5", "99.9", "99.95", "99.99", "99.999"))
	}
	if r.IntN(2) == 0 {
		b.WriteString("  env: {LOG_LEVEL: info, MODE: fast}\n  secrets: {DB_URL: {secret: db, key: url}}\n")
	}
	if r.IntN(2) == 0 {
		lang := pick("go", "node", "python", "java", "static")
		if worker && lang == "static" { // a static site is served on a port
			lang = "python"
		}
		fmt.Fprintf(&b, "  build: {language: %s, version: \"%d\"}\n", lang, 1+r.IntN(30))
	}
	if r.IntN(2) == 0 && !worker {
		fmt.Fprintf(&b, "  ingress: {host: app-%d.example.com, path: /api}\n", i)
	}
	if r.IntN(2) == 0 {
		b.WriteString("  environments:\n    staging: {scaling: {min: 1, max: 2}}\n")
		if worker {
			b.WriteString("    prod: {resources: {memory: 2Gi}}\n")
		} else {
			fmt.Fprintf(&b, "    prod: {resources: {memory: 2Gi}, ingress: {host: prod-%d.example.com}}\n", i)
		}
	}
	return b.String()
}
