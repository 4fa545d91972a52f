package dashboard_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/internal/toolcheck"
)

// grafanaDir holds schema.ts and its package.json; npm ci there installs
// Grafana's published schema (@grafana/schema) and the TypeScript compiler
// into node_modules.
const grafanaDir = "testdata/grafana"

// needGrafana returns node's path, or skips the test saying why; under
// CI=true a missing tool fails the test instead.
func needGrafana(t *testing.T) string {
	t.Helper()
	const unchecked = "the dashboards, against Grafana's schema,"
	node := toolcheck.Command(t, "node", "Debian: apt-get install nodejs npm", unchecked)
	for _, pkg := range []string{"@grafana/schema", "typescript"} {
		if _, err := os.Stat(filepath.Join(grafanaDir, "node_modules", pkg, "package.json")); err != nil {
			toolcheck.Missing(t, pkg+" is not installed: run npm ci in compiler/dashboard/"+grafanaDir, unchecked)
		}
	}
	return node
}

// typed writes a dashboard as TypeScript constants of schema.ts's types:
// the whole dashboard as Grafana's Dashboard, and, since that type leaves
// a panel's options and queries open (Record<string, unknown>), each
// panel's options as its panel plugin's Options and its queries as
// Prometheus queries. An object literal must match its type exactly under
// tsc --strict: a property the type lacks, a missing required one, a value
// of another type or outside an enum is an error.
func typed(t *testing.T, schema string, dash []byte) []byte {
	t.Helper()
	var d struct {
		Panels []struct {
			ID          int             `json:"id"`
			Type        string          `json:"type"`
			Options     json.RawMessage `json:"options"`
			FieldConfig struct {
				Defaults struct {
					Custom json.RawMessage `json:"custom"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
			Targets json.RawMessage `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dash, &d); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "import type { Dashboard, StatOptions, TimeSeriesOptions, TimeSeriesFieldConfig, Prometheus } from %q;\n", schema)
	fmt.Fprintf(&b, "export const dashboard: Dashboard = %s;\n", dash)
	options := map[string]string{"stat": "StatOptions", "timeseries": "TimeSeriesOptions"}
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		typ, ok := options[p.Type]
		if !ok {
			t.Errorf("panel %d: no options type for panel type %q in schema.ts", p.ID, p.Type)
			continue
		}
		fmt.Fprintf(&b, "export const options%d: %s = %s;\n", p.ID, typ, p.Options)
		if p.Type == "timeseries" && p.FieldConfig.Defaults.Custom != nil {
			fmt.Fprintf(&b, "export const custom%d: TimeSeriesFieldConfig = %s;\n", p.ID, p.FieldConfig.Defaults.Custom)
		}
		fmt.Fprintf(&b, "export const targets%d: Prometheus[] = %s;\n", p.ID, p.Targets)
	}
	return b.Bytes()
}

// tsErr is one line of tsc's output: file(line,col): error TSnnnn: ...
var tsErr = regexp.MustCompile(`^(.+?\.ts)\(\d+,\d+\): error (TS\d+: .*)$`)

// runTSC compiles files with tsc --strict against schema.ts and returns
// the errors by file name.
func runTSC(t *testing.T, node, dir string, files []string) map[string][]string {
	t.Helper()
	abs, err := filepath.Abs(grafanaDir)
	if err != nil {
		t.Fatal(err)
	}
	config := map[string]any{
		"compilerOptions": map[string]any{
			"strict": true, "exactOptionalPropertyTypes": true, "noEmit": true,
			"module": "esnext", "moduleResolution": "bundler", "target": "es2022",
			"types": []string{}, "skipLibCheck": true,
			// The imports of schema.ts resolve in grafanaDir's node_modules.
			"baseUrl": abs,
		},
		"files": files,
	}
	raw, _ := json.Marshal(config)
	if err := os.WriteFile(filepath.Join(dir, "tsconfig.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(abs, "node_modules", "typescript", "bin", "tsc"), "-p", filepath.Join(dir, "tsconfig.json"), "--pretty", "false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("tsc: %v\n%s", err, out)
		}
	}
	got := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if m := tsErr.FindStringSubmatch(line); m != nil {
			got[filepath.Base(m[1])] = append(got[filepath.Base(m[1])], m[2])
		} else if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, " ") {
			t.Fatalf("tsc printed what is no error of a checked file: %s\n%s", line, out)
		}
	}
	return got
}

// broken are dashboards Grafana's schema must refuse, each a change to the
// reference example's prod dashboard: proof that the check judges.
var broken = map[string]struct{ old, new string }{
	"unknown-property": {`"schemaVersion": 42,`, `"schemaVersion": 42, "panelz": [],`},
	"wrong-type":       {`"schemaVersion": 42,`, `"schemaVersion": "42",`},
	"outside-enum":     {`"mode": "multi"`, `"mode": "several"`},
	"missing-required": {`"refId": "A"`, `"refID": "A"`},
	"stat-option-typo": {`"colorMode": "value"`, `"colourMode": "value"`},
	"wrong-color-type": {`"color": "red"`, `"color": 1`},
}

// TestGrafanaSchema compiles every dashboard kiln writes (every example's
// and edgeApps', every environment) with tsc --strict against Grafana's
// published dashboard schema (@grafana/schema, see testdata/grafana), and
// the broken ones, which it must refuse.
func TestGrafanaSchema(t *testing.T) {
	node := needGrafana(t)
	dir := t.TempDir()
	schema, err := filepath.Abs(filepath.Join(grafanaDir, "schema"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	names := map[string]string{}
	write := func(name string, ts []byte) {
		p := filepath.Join(dir, name+".ts")
		if err := os.WriteFile(p, ts, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	var reference []byte
	for i, b := range all(t) {
		name := fmt.Sprintf("d%02d", i)
		names[name+".ts"] = b.name
		write(name, typed(t, schema, b.model))
		if strings.HasSuffix(b.name, "reference/kiln.yaml prod") {
			reference = b.model
		}
	}
	if reference == nil {
		t.Fatal("no reference prod dashboard")
	}
	for name, c := range broken {
		bad := bytes.Replace(reference, []byte(c.old), []byte(c.new), 1)
		if bytes.Equal(bad, reference) {
			t.Fatalf("broken %s: %q is not in the dashboard", name, c.old)
		}
		write("broken-"+name, typed(t, schema, bad))
	}
	got := runTSC(t, node, dir, files)
	for _, f := range files {
		base := filepath.Base(f)
		errs := got[base]
		switch {
		case strings.HasPrefix(base, "broken-"):
			if len(errs) == 0 {
				t.Errorf("Grafana's schema accepted the %s dashboard, so the check does not judge", strings.TrimSuffix(strings.TrimPrefix(base, "broken-"), ".ts"))
			}
		case len(errs) > 0:
			t.Errorf("Grafana's schema refuses the dashboard of %s:\n%s", names[base], strings.Join(errs, "\n"))
		}
	}
}
