package importer

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/objdiff"
)

// A manifest written with the API server's defaults and one written
// without them compare equal; a value other than the default does not.
func TestNormalizeDropsServerDefaults(t *testing.T) {
	explicit := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "default", "creationTimestamp": nil},
		"spec": map[string]any{"replicas": int64(1), "revisionHistoryLimit": int64(10), "progressDeadlineSeconds": int64(600),
			"strategy": map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": "25%", "maxUnavailable": "25%"}},
			"template": map[string]any{"metadata": map[string]any{"creationTimestamp": nil}, "spec": map[string]any{
				"dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": int64(30),
				"securityContext": map[string]any{},
				"containers": []any{map[string]any{"name": "web", "image": "web:1.0.0", "imagePullPolicy": "IfNotPresent",
					"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
					"ports":     []any{map[string]any{"containerPort": int64(8080), "protocol": "TCP"}},
					"resources": map[string]any{"requests": map[string]any{"cpu": "0.5"}},
					"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/", "port": int64(8080), "scheme": "HTTP"},
						"periodSeconds": int64(10), "timeoutSeconds": int64(1), "successThreshold": int64(1), "failureThreshold": int64(3)}}},
				"volumes": []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}},
			}}}}
	bare := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "web", "image": "web:1.0.0",
				"ports":          []any{map[string]any{"containerPort": int64(8080)}},
				"resources":      map[string]any{"requests": map[string]any{"cpu": "500m"}},
				"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/", "port": int64(8080)}}}},
			"volumes": []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}},
		}}}}
	if d := objdiff.Objects([]map[string]any{normalize(explicit)}, []map[string]any{normalize(bare)}); len(d) > 0 {
		t.Errorf("defaults differ: %+v", d)
	}
	if _, ok := asMap(asList(asMap(asMap(normalize(bare)["spec"])["template"])["spec"].(map[string]any)["volumes"])[0])["emptyDir"]; !ok {
		t.Error("emptyDir: {} was dropped")
	}
	// latest is pulled Always by default, so IfNotPresent is a choice.
	asMap(asList(podSpecOf(explicit)["containers"])[0])["image"] = "web:latest"
	asMap(asList(podSpecOf(bare)["containers"])[0])["image"] = "web:latest"
	d := objdiff.Objects([]map[string]any{normalize(explicit)}, []map[string]any{normalize(bare)})
	if len(d) != 1 || len(d[0].Fields) != 1 || d[0].Fields[0].Path != "spec.template.spec.containers[name=web].imagePullPolicy" {
		t.Errorf("imagePullPolicy IfNotPresent of a latest image: %+v", d)
	}
}

func podSpecOf(o map[string]any) map[string]any {
	return mapAt(o, "spec", "template", "spec")
}

// A Service as kubectl get -o yaml shows it carries the addresses the
// cluster gave it, which are no part of what it asks for; a headless
// Service's clusterIP None is.
func TestNormalizeDropsClusterAddresses(t *testing.T) {
	svc := func(ip string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "web"},
			"spec": map[string]any{"clusterIP": ip, "clusterIPs": []any{ip}, "ipFamilies": []any{"IPv4"},
				"ports": []any{map[string]any{"port": int64(80)}}}}
	}
	spec := asMap(normalize(svc("10.96.12.34"))["spec"])
	for _, f := range []string{"clusterIP", "clusterIPs", "ipFamilies"} {
		if _, ok := spec[f]; ok {
			t.Errorf("%s kept: %v", f, spec)
		}
	}
	if spec := asMap(normalize(svc("None"))["spec"]); spec["clusterIP"] != "None" {
		t.Errorf("a headless Service lost clusterIP None: %v", spec)
	}
}
