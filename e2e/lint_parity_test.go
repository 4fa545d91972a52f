package e2e

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/lint"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
)

// What the API server does with an object.
type verdict string

const (
	accepts verdict = "accepts"
	refuses verdict = "refuses"
	warns   verdict = "accepts with a warning"
)

// A lintCase is one object in plain YAML and what the API server does
// with it. The row asserts the server does that, then that kiln lint,
// without a server, says the same: an error exactly when the server
// refuses, a warning of its own rules exactly when the server warns.
type lintCase struct {
	name string
	want verdict
	yaml string
}

// controllers are the kinds whose pod template keeps its pods running.
var controllers = []string{"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "ReplicationController"}

// controller writes a controller of kind around a pod spec (JSON, which
// is YAML), with spec fields beside the template.
func controller(kind, pod, spec string) string {
	api, sel := "apps/v1", `"selector": {"matchLabels": {"app": "p"}},`
	if kind == "ReplicationController" {
		api, sel = "v1", `"selector": {"app": "p"},`
	}
	if kind == "StatefulSet" {
		sel += ` "serviceName": "p",`
	}
	return fmt.Sprintf(`{"apiVersion": %q, "kind": %q, "metadata": {"name": "p"}, "spec": {%s %s "template": {"metadata": {"labels": {"app": "p"}}, "spec": %s}}}`,
		api, kind, sel, spec, pod)
}

// podWith writes a Pod called p with a pod spec.
func podWith(pod string) string {
	return `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": ` + pod + `}`
}

// container writes a pod spec with one container with extra fields.
func container(extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return `{"containers": [{"name": "c", "image": "nginx:1.27"` + extra + `}]}`
}

// job writes a Job around a pod spec.
func job(pod string) string {
	return `{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": ` + pod + `}}}`
}

// cronJob writes a CronJob around a pod spec.
func cronJob(pod string) string {
	return `{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {"spec": ` + pod + `}}}}}`
}

// service writes a Service with the given ports.
func service(ports string) string {
	return `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "p"}, "ports": ` + ports + `}}`
}

// lintCases is the table: a new case is one entry.
func lintCases() []lintCase {
	var cases []lintCase
	for _, k := range controllers {
		cases = append(cases,
			lintCase{k + " with restartPolicy Never", refuses, controller(k, `{"restartPolicy": "Never", "containers": [{"name": "c", "image": "nginx:1.27"}]}`, "")},
			lintCase{k + " with restartPolicy Always", accepts, controller(k, `{"restartPolicy": "Always", "containers": [{"name": "c", "image": "nginx:1.27"}]}`, "")},
			lintCase{k + " with a template without containers", refuses, controller(k, `{"containers": []}`, "")},
		)
	}
	return append(cases, []lintCase{
		{"Deployment strategy Blue", refuses, controller("Deployment", container(""), `"strategy": {"type": "Blue"},`)},
		{"Deployment strategy Recreate with rollingUpdate", refuses, controller("Deployment", container(""), `"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}},`)},
		{"Deployment strategy Recreate", accepts, controller("Deployment", container(""), `"strategy": {"type": "Recreate"},`)},
		{"rollingUpdate: null", accepts, controller("Deployment", container(""), `"strategy": {"rollingUpdate": null},`)},
		{"creationTimestamp: null (kubectl create --dry-run -o yaml)", accepts,
			"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: p\n  creationTimestamp: null\nspec:\n  selector: {matchLabels: {app: p}}\n  strategy: {}\n  template:\n    metadata:\n      creationTimestamp: null\n      labels: {app: p}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n        resources: {}\nstatus: {}\n"},
		{"empty volumeMounts:", accepts, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    volumeMounts:\n"},
		{"ConfigMap data: null", accepts, `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": null}`},
		{"Pod without a name", refuses, `{"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": ` + container("") + `}`},
		{"Pod with generateName", accepts, `{"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "p-"}, "spec": ` + container("") + `}`},
		{"Pod without containers", refuses, podWith(`{"containers": []}`)},
		{"containerPort 0", refuses, podWith(container(`"ports": [{"containerPort": 0}]`))},
		{"containerPort 70000", refuses, podWith(container(`"ports": [{"containerPort": 70000}]`))},
		{"hostPort 70000", refuses, podWith(container(`"ports": [{"containerPort": 80, "hostPort": 70000}]`))},
		{"container port name of 16 characters", refuses, podWith(container(`"ports": [{"containerPort": 80, "name": "abcdefghijklmnop"}]`))},
		{"container port name of 15 characters", accepts, podWith(container(`"ports": [{"containerPort": 80, "name": "abcdefghijklmno"}]`))},
		{"container port name used twice", refuses, podWith(container(`"ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 81, "name": "http"}]`))},
		{"probe on an init container", refuses, podWith(`{"initContainers": [{"name": "i", "image": "busybox:1.36", "livenessProbe": {"exec": {"command": ["true"]}}}], "containers": [{"name": "c", "image": "nginx:1.27"}]}`)},
		{"lifecycle on an init container", refuses, podWith(`{"initContainers": [{"name": "i", "image": "busybox:1.36", "lifecycle": {"preStop": {"exec": {"command": ["true"]}}}}], "containers": [{"name": "c", "image": "nginx:1.27"}]}`)},
		{"probe on a sidecar init container", accepts, podWith(`{"initContainers": [{"name": "i", "image": "busybox:1.36", "restartPolicy": "Always", "readinessProbe": {"exec": {"command": ["true"]}}}], "containers": [{"name": "c", "image": "nginx:1.27"}]}`)},
		{"environment variable set twice", warns, podWith(container(`"env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]`))},
		{"Deployment environment variable set twice", warns, controller("Deployment", container(`"env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]`), "")},
		{"Job without restartPolicy", refuses, job(container(""))},
		{"Job with restartPolicy Always", refuses, job(`{"restartPolicy": "Always", "containers": [{"name": "c", "image": "nginx:1.27"}]}`)},
		{"Job with restartPolicy Never", accepts, job(`{"restartPolicy": "Never", "containers": [{"name": "c", "image": "nginx:1.27"}]}`)},
		{"CronJob without restartPolicy", refuses, cronJob(container(""))},
		{"CronJob with restartPolicy OnFailure", accepts, cronJob(`{"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "nginx:1.27"}]}`)},
		{"DaemonSet updateStrategy Recreate", refuses, controller("DaemonSet", container(""), `"updateStrategy": {"type": "Recreate"},`)},
		{"DaemonSet updateStrategy OnDelete", accepts, controller("DaemonSet", container(""), `"updateStrategy": {"type": "OnDelete"},`)},
		{"Service with two unnamed ports", refuses, service(`[{"port": 80}, {"port": 81}]`)},
		{"Service with one unnamed port", accepts, service(`[{"port": 80}]`)},
		{"Service with two named ports", accepts, service(`[{"port": 80, "name": "a"}, {"port": 81, "name": "b"}]`)},
		{"Service port name used twice", refuses, service(`[{"port": 80, "name": "a"}, {"port": 81, "name": "a"}]`)},
		{"Service port 70000", refuses, service(`[{"port": 70000}]`)},
		{"Service targetPort 70000", refuses, service(`[{"port": 80, "targetPort": 70000}]`)},
		{"Service targetPort 0", accepts, service(`[{"port": 80, "targetPort": 0}]`)},
		{"Service targetPort name of 16 characters", refuses, service(`[{"port": 80, "targetPort": "abcdefghijklmnop"}]`)},
		{"Service targetPort name", accepts, service(`[{"port": 80, "targetPort": "http"}]`)},
	}...)
}

// TestLintParity: for every case, the API server does what the row says,
// and kiln lint says the same without a server, in both directions.
func TestLintParity(t *testing.T) {
	v, err := validate.For("1.37")
	if err != nil {
		t.Fatal(err)
	}
	// Pods need their namespace's default service account, which no
	// controller manager makes here.
	if _, err := theCluster.create(map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "default"}}, false); err != nil && !strings.Contains(err.Error(), "409") {
		t.Fatal(err)
	}
	for _, tc := range lintCases() {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.yaml), &obj); err != nil {
				t.Fatalf("the case is not YAML: %v", err)
			}
			warnings, err := theCluster.dryRunWarned(obj)
			server := accepts
			switch {
			case err != nil:
				server = refuses
			case len(warnings) > 0:
				server = warns
			}
			if server != tc.want {
				t.Fatalf("the API server %s it (%v %q), not as the row says (%s); the row is wrong:\n%s", server, err, warnings, tc.want, tc.yaml)
			}
			_, ds := lint.File(source.NewFile("case.yaml", []byte(tc.yaml)), lint.Options{Validator: v})
			kiln := accepts
			var said []string
			for _, d := range ds {
				if !strings.HasPrefix(d.Code, "kube/") {
					continue
				}
				said = append(said, fmt.Sprintf("%v %s [%s]", d.Severity, d.Message, d.Code))
				if !d.Pos.Valid() {
					t.Errorf("kiln's finding has no position: %v", d)
				}
				switch {
				case d.Severity == diag.Error:
					kiln = refuses
				case d.Severity == diag.Warning && kiln == accepts:
					kiln = warns
				}
			}
			if kiln != server {
				t.Errorf("the API server %s it (%v %q), kiln lint %s it: %q\n%s", server, err, warnings, kiln, said, tc.yaml)
				return
			}
			t.Logf("both %s it\n    kiln:   %q\n    server: %v %q", server, said, err, warnings)
		})
	}
}
