package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/compile"
)

func TestStrictValidation(t *testing.T) {
	v, err := For("1.37")
	if err != nil {
		t.Fatal(err)
	}
	dep := compile.Object{APIVersion: "apps/v1", Kind: "Deployment", Name: "a", Content: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "a", "labelz": map[string]any{}},
		"spec": map[string]any{
			"replicas": "three",
			"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"name": "a", "imagePullPolicy": "Always", "ports": []any{map[string]any{"containerPort": 80, "protocl": "TCP"}}},
			}}},
		},
	}}
	got := fmt.Sprint(v.Validate(dep))
	want := "[{metadata.labelz unknown field \"labelz\" kube/schema} {spec missing required field \"selector\" kube/schema} " +
		"{spec.replicas must be of type integer kube/schema} {spec.template.spec.containers[0].ports[0].protocl unknown field \"protocl\" kube/schema}]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestVersionsAndKinds(t *testing.T) {
	if _, err := For("1.19"); err == nil {
		t.Error("For(1.19) succeeded")
	}
	v, _ := For("")
	if v.Version() != "1.37" {
		t.Errorf("default version %s", v.Version())
	}
	vs := v.Validate(compile.Object{APIVersion: "example.com/v1", Kind: "Widget", Content: map[string]any{}})
	if len(vs) != 1 || vs[0].Path != "apiVersion" {
		t.Errorf("unknown kind: %v", vs)
	}
	ok := compile.Object{APIVersion: "v1", Kind: "ServiceAccount", Content: map[string]any{
		"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "a"}, "automountServiceAccountToken": false}}
	if vs := v.Validate(ok); len(vs) != 0 {
		t.Errorf("a valid ServiceAccount: %v", vs)
	}
}

func TestServerRules(t *testing.T) {
	v, _ := For("")
	pdb := compile.Object{APIVersion: "policy/v1", Kind: "PodDisruptionBudget", Name: "a", Content: map[string]any{
		"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": map[string]any{"name": "a", "labels": map[string]any{"bad key!": "x"}},
		"spec": map[string]any{"minAvailable": 1, "maxUnavailable": 1},
	}}
	got := fmt.Sprint(v.Validate(pdb))
	for _, want := range []string{"{metadata.labels \"bad key!\": name part must consist of", "{spec.maxUnavailable minAvailable and maxUnavailable cannot both be set kube/rule}"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %s", want, got)
		}
	}
}

// asJSON must give what an encode and a UseNumber decode give.
func TestAsJSONMatchesEncodingJSON(t *testing.T) {
	v := map[string]any{"a": int64(3), "b": 2.5, "c": []any{int64(1), "x", true, nil, 1e21, 0.000001, 1e-9, -3.25}, "d": map[string]any{"e": int32(7)}, "f": struct{ X int }{4}}
	got, err := asJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(v)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var want any
	dec.Decode(&want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

// Validate remembers an answer by content: an equal object in new maps is
// answered again without a second check, as a copy the caller may change,
// and any difference in content, down to a number's type, is checked.
func TestValidateRemembersByContent(t *testing.T) {
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	hpa := func(min any) compile.Object {
		return compile.Object{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler", Name: "a", Content: map[string]any{
			"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": map[string]any{"name": "a"},
			"spec": map[string]any{"minReplicas": min, "maxReplicas": int64(1),
				"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "a"}},
		}}
	}
	first := v.Validate(hpa(int64(2)))
	if len(first) != 1 || first[0].Path != "spec.maxReplicas" {
		t.Fatalf("got %v", first)
	}
	first[0].Message = "changed by the caller"
	again := v.Validate(hpa(int64(2)))
	if len(again) != 1 || again[0].Message == first[0].Message {
		t.Errorf("a remembered answer shares the caller's slice: %v", again)
	}
	if got := v.Stats(); got != (Stats{Validated: 1, Reused: 1}) {
		t.Errorf("after the same object twice: %+v", got)
	}
	// JSON writes both as 2; the server's rules only count int64s.
	v.Validate(hpa(int32(2)))
	v.Validate(hpa(int64(3)))
	if got := v.Stats(); got != (Stats{Validated: 3, Reused: 1}) {
		t.Errorf("after two different objects: %+v", got)
	}
	// A value no object is made of is checked every time.
	v.Validate(hpa(struct{ N int }{2}))
	v.Validate(hpa(struct{ N int }{2}))
	if got := v.Stats(); got != (Stats{Validated: 5, Reused: 1}) {
		t.Errorf("after an unusual value twice: %+v", got)
	}
	// Another Validator, here one with CRDs, remembers its own answers.
	crds, err := v.WithCRDs(nil)
	if err != nil {
		t.Fatal(err)
	}
	crds.Validate(hpa(int64(2)))
	if got := crds.Stats(); got != (Stats{Validated: 1}) {
		t.Errorf("a Validator with CRDs: %+v", got)
	}
}

// The memo is bounded: past its capacity, what was not asked for lately
// is forgotten, and what was stays.
func TestMemoIsBounded(t *testing.T) {
	var m memo
	k := func(i int) key { return key{byte(i), byte(i >> 8), byte(i >> 16)} }
	m.put(k(0), nil)
	for i := 1; i < 3*memoCapacity; i++ {
		m.put(k(i), nil)
		if i%(memoCapacity/2) == 0 {
			if _, ok := m.get(k(0)); !ok {
				t.Fatalf("an entry asked for often was forgotten after %d others", i)
			}
		}
	}
	if n := len(m.cur) + len(m.old); n > 2*memoCapacity {
		t.Errorf("%d entries, more than twice the capacity %d", n, memoCapacity)
	}
	if _, ok := m.get(k(1)); ok {
		t.Error("an entry not asked for since was kept")
	}
}

// TestNullFieldIsAbsent: the API server decodes an object into Go structs,
// where an explicit null leaves a field as if it were not written, so it
// accepts a PodDisruptionBudget that switches form through
// `minAvailable: null` (as Helm values do). A required field that is null
// is still missing.
func TestNullFieldIsAbsent(t *testing.T) {
	v, _ := For("1.37")
	pdb := compile.Object{APIVersion: "policy/v1", Kind: "PodDisruptionBudget", Name: "a", Content: map[string]any{
		"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": map[string]any{"name": "a"},
		"spec": map[string]any{"minAvailable": nil, "maxUnavailable": int64(1),
			"selector": map[string]any{"matchLabels": map[string]any{"app": "a"}}},
	}}
	if vs := v.Validate(pdb); len(vs) != 0 {
		t.Errorf("a PodDisruptionBudget with minAvailable: null: %v", vs)
	}
	if _, ok := pdb.Content["spec"].(map[string]any)["minAvailable"]; !ok {
		t.Error("Validate changed the object it was given")
	}
	dep := compile.Object{APIVersion: "apps/v1", Kind: "Deployment", Name: "a", Content: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "a"},
		"spec": map[string]any{"replicas": nil, "selector": nil, "template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "a", "image": "a:1", "ports": nil},
		}}}},
	}}
	got := fmt.Sprint(v.Validate(dep))
	if want := `[{spec missing required field "selector" kube/schema}]`; got != want {
		t.Errorf("a Deployment with null fields:\ngot  %s\nwant %s", got, want)
	}
}

// The API server's rules that no schema states, on objects as kiln lint
// reads them (numbers as json.Number): the path each reports, or none.
func TestServerPodAndPortRules(t *testing.T) {
	v, _ := For("")
	pod := func(spec string) string {
		return `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": ` + spec + `}`
	}
	deploy := func(spec, pod string) string {
		return `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, ` + spec +
			` "template": {"metadata": {"labels": {"a": "b"}}, "spec": ` + pod + `}}}`
	}
	c := `{"containers": [{"name": "c", "image": "i"}]}`
	svc := func(ports string) string {
		return `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": ` + ports + `}}`
	}
	for _, tc := range []struct{ src, want string }{
		{deploy("", `{"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}`), "spec.template.spec.restartPolicy"},
		{deploy("", `{"restartPolicy": "Always", "containers": [{"name": "c", "image": "i"}]}`), ""},
		{deploy(`"strategy": {"type": "Blue"},`, c), "spec.strategy.type"},
		{deploy(`"strategy": {"type": "Recreate", "rollingUpdate": {}},`, c), "spec.strategy.rollingUpdate"},
		{deploy(`"strategy": {"type": "Recreate", "rollingUpdate": null},`, c), ""},
		{deploy("", `{"containers": []}`), "spec.template.spec.containers"},
		{pod(`{"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 70000}]}]}`), "spec.containers[0].ports[0].containerPort"},
		{pod(`{"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "hostPort": 0}]}]}`), ""},
		{pod(`{"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "name": "abcdefghijklmnop"}]}]}`), "spec.containers[0].ports[0].name"},
		{pod(`{"initContainers": [{"name": "i", "image": "i", "startupProbe": {}}], "containers": [{"name": "c", "image": "i"}]}`), "spec.initContainers[0].startupProbe"},
		{pod(`{"initContainers": [{"name": "i", "image": "i", "restartPolicy": "Always", "startupProbe": {}}], "containers": [{"name": "c", "image": "i"}]}`), ""},
		{pod(`{"containers": [{"name": "c", "image": "i", "env": [{"name": "A"}, {"name": "A"}]}]}`), "warning spec.containers[0].env[1].name"},
		{`{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": ` + c + `}}}`, "spec.template.spec.restartPolicy"},
		{`{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}}}`, ""},
		{`{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "updateStrategy": {"type": "Recreate"}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": ` + c + `}}}`, "spec.updateStrategy.type"},
		{`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}`, "metadata"},
		{`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "c-"}}`, ""},
		{svc(`[{"port": 80}, {"port": 81, "name": "b"}]`), "spec.ports[0]"},
		{svc(`[{"port": 80, "targetPort": 0}]`), ""},
		{svc(`[{"port": 80, "targetPort": 65536}]`), "spec.ports[0].targetPort"},
		{svc(`[{"port": 80, "targetPort": "abcdefghijklmnop"}]`), "spec.ports[0].targetPort"},
	} {
		dec := json.NewDecoder(strings.NewReader(tc.src))
		dec.UseNumber()
		var content map[string]any
		if err := dec.Decode(&content); err != nil {
			t.Fatal(err)
		}
		obj := compile.Object{APIVersion: content["apiVersion"].(string), Kind: content["kind"].(string), Content: content}
		var got []string
		for _, viol := range v.Validate(obj) {
			p := viol.Path
			if viol.Warning {
				p = "warning " + p
			}
			got = append(got, p)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s:\ngot  %v\nwant %s", tc.src, v.Validate(obj), tc.want)
		}
	}
}

// An object that only lacks a required field still gets the server's own
// rules, as the API server reports both; one with a field of the wrong type
// does not (the rules assume the types the schema states).
func TestServerRulesBesideAMissingField(t *testing.T) {
	v, err := For("1.37")
	if err != nil {
		t.Fatal(err)
	}
	dep := func(port any) compile.Object {
		return compile.Object{APIVersion: "apps/v1", Kind: "Deployment", Name: "a", Content: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "a"},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"name": "a", "image": "x", "ports": []any{map[string]any{"containerPort": port}},
					"env": []any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "A", "value": "2"}}},
			}}}},
		}}
	}
	got := fmt.Sprint(v.Validate(dep(json.Number("80"))))
	if !strings.Contains(got, `missing required field "selector"`) || !strings.Contains(got, "env[1].name") {
		t.Errorf("got %s, want the missing selector and the duplicate env var", got)
	}
	got = fmt.Sprint(v.Validate(dep("eighty")))
	if strings.Contains(got, "env[1].name") {
		t.Errorf("got %s: the server's rules ran on a field of the wrong type", got)
	}
}
