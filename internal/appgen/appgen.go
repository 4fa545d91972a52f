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
func Random(r *rand.Rand, i int) string { return RandomWith(r, i, Options{}) }

// Options widen what RandomWith writes.
type Options struct {
	// DependsOn makes every tenth app call the app before it (app-<i-1>),
	// when that one serves: a corpus of apps from 0 to n-1 resolves them.
	DependsOn bool
}

// The shapes of the app model beyond a Deployment with one port are
// decided by i alone, so that adding one draws no random number and the
// other apps stay as they were:
//
//   - every eighth app is a worker with no port (i%8 == 7);
//   - one in twenty is a StatefulSet with a disk (i%20 == 3), one in
//     twenty a nightly CronJob (i%20 == 13);
//   - one in ten has a metrics port, a startup probe, a drain and a log
//     shipping sidecar (i%10 == 5), one in ten a config file (i%10 == 1);
//   - one in twenty-five reads its secret from a secret manager
//     (i%25 == 7); one in four names its namespace (i%4 == 0).
func batch(i int) bool    { return i%20 == 13 }
func worker(i int) bool   { return i%8 == 7 || batch(i) }
func stateful(i int) bool { return i%20 == 3 }

// Serves reports whether the i-th app has a primary port, so that another
// app can depend on it.
func Serves(i int) bool { return !worker(i) }

// RandomWith is Random with opts.
func RandomWith(r *rand.Rand, i int, opts Options) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata:\n  name: app-%d\n  owner: team-%d\n", i, r.IntN(50))
	if r.IntN(2) == 0 {
		b.WriteString("  contact: \"#oncall\"\n")
	}
	if i%4 == 0 {
		fmt.Fprintf(&b, "  namespace: team-%d\n", i%7)
	}
	fmt.Fprintf(&b, "spec:\n  image: registry.example.com/t/app-%d:%d.%d.%d\n", i, r.IntN(3), r.IntN(10), r.IntN(10))
	switch {
	case stateful(i):
		b.WriteString("  workload: {kind: StatefulSet}\n  volumes: {data: {mountPath: /var/lib/app, size: 10Gi}}\n")
	case batch(i):
		b.WriteString("  workload: {kind: CronJob, schedule: \"0 3 * * *\", activeDeadlineSeconds: 3600}\n")
	}
	// A worker (or a batch job) draws the same random numbers as any
	// app, so that the others stay as they were.
	port, protocol := 1+r.IntN(65535), pick("http", "grpc", "tcp")
	switch {
	case !worker(i):
		fmt.Fprintf(&b, "  port: %d\n  protocol: %s\n", port, protocol)
		if i%10 == 5 && port != 9090 {
			b.WriteString("  ports: {metrics: {port: 9090}}\n  health: {startupSeconds: 60}\n  shutdown: {drainSeconds: 5}\n")
			b.WriteString("  sidecars:\n    - {name: log-shipper, image: \"registry.example.com/t/shipper:1.2.0\", resources: {cpu: 50m, memory: 64Mi}}\n")
		}
	case batch(i):
		b.WriteString("  protocol: none\n")
	case i%16 == 7:
		b.WriteString("  protocol: none\n  health: {command: [/app, --check]}\n")
	default:
		b.WriteString("  protocol: none\n")
	}
	fmt.Fprintf(&b, "  resources: {cpu: %q, memory: %s}\n", pick("50m", "250m", "1", "2500m"), pick("64Mi", "512Mi", "1Gi"))
	if r.IntN(2) == 0 && !batch(i) {
		lo := 1 + r.IntN(4)
		fmt.Fprintf(&b, "  scaling: {min: %d, max: %d, cpuTarget: %d}\n", lo, lo+r.IntN(5), 1+r.IntN(100))
	}
	if r.IntN(2) == 0 && !batch(i) {
		fmt.Fprintf(&b, "  sla: {availability: %s}\n", pick("95", "99", "99.5", "99.9", "99.95", "99.99", "99.999"))
	}
	if r.IntN(2) == 0 {
		b.WriteString("  env: {LOG_LEVEL: info, MODE: fast}\n  secrets: {DB_URL: {secret: db, key: url}}\n")
		if i%25 == 7 {
			b.WriteString("  externalSecrets: {db: {store: vault, data: {url: {key: t/db, property: url}}}}\n")
		}
	}
	if i%10 == 1 {
		b.WriteString("  files: {/etc/app/config.yaml: {content: \"level: info\\n\"}}\n")
	}
	if opts.DependsOn && i%10 == 9 && i > 0 && Serves(i-1) {
		fmt.Fprintf(&b, "  dependsOn: [{app: app-%d}]\n", i-1)
	}
	if r.IntN(2) == 0 {
		lang := pick("go", "node", "python", "java", "static")
		if worker(i) && lang == "static" { // a static site is served on a port
			lang = "python"
		}
		fmt.Fprintf(&b, "  build: {language: %s, version: \"%d\"}\n", lang, 1+r.IntN(30))
	}
	if r.IntN(2) == 0 && !worker(i) {
		fmt.Fprintf(&b, "  ingress: {host: app-%d.example.com, path: /api}\n", i)
	}
	if r.IntN(2) == 0 {
		switch {
		case batch(i):
			b.WriteString("  environments:\n    staging: {workload: {schedule: \"0 4 * * *\"}}\n    prod: {resources: {memory: 2Gi}}\n")
		case worker(i):
			b.WriteString("  environments:\n    staging: {scaling: {min: 1, max: 2}}\n    prod: {resources: {memory: 2Gi}}\n")
		default:
			fmt.Fprintf(&b, "  environments:\n    staging: {scaling: {min: 1, max: 2}}\n    prod: {resources: {memory: 2Gi}, ingress: {host: prod-%d.example.com}}\n", i)
		}
	}
	return b.String()
}
