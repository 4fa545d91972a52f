package compile

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kilnhq/kiln/compiler/app"
)

func withFiles(a *app.App) map[string][]byte {
	inline := "level: info\n"
	a.Spec.Files = map[string]app.File{
		"/etc/app/config.yaml":  {From: "config/app.yaml"},
		"/etc/app/logging.yaml": {Content: &inline},
		"/etc/other/config.yaml": {
			From: "config/other.yaml",
		},
		"/usr/share/app/logo.png": {From: "logo.png"},
	}
	return map[string][]byte{
		"config/app.yaml":   []byte("port: 8080\n"),
		"config/other.yaml": []byte("other: true\n"),
		"logo.png":          {0x89, 'P', 'N', 'G', 0xff, 0xfe, 0},
	}
}

// TestConfigMapNameIsKustomizes checks the ConfigMap's name against the
// one kustomize's configMapGenerator gives the same files.
func TestConfigMapNameIsKustomizes(t *testing.T) {
	a := baseApp()
	contents := withFiles(a)
	res, err := Compile(a, Options{Files: contents})
	if err != nil {
		t.Fatal(err)
	}
	cm := find(t, res, "ConfigMap")
	if cm == nil {
		t.Fatal("no ConfigMap")
	}
	fs := filesys.MakeFsInMemory()
	var list []string
	for key, content := range map[string][]byte{
		"config.yaml":           contents["config/app.yaml"],
		"logging.yaml":          []byte("level: info\n"),
		"etc_other_config.yaml": contents["config/other.yaml"],
		"logo.png":              contents["logo.png"],
	} {
		if err := fs.WriteFile("/k/"+key, content); err != nil {
			t.Fatal(err)
		}
		list = append(list, "  - "+key)
	}
	slices.Sort(list)
	k := "configMapGenerator:\n- name: a\n  files:\n" + strings.Join(list, "\n") + "\n"
	if err := fs.WriteFile("/k/kustomization.yaml", []byte(k)); err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/k")
	if err != nil {
		t.Fatal(err)
	}
	want := m.Resources()[0]
	if cm.Name != want.GetName() {
		t.Errorf("ConfigMap %s, kustomize names it %s", cm.Name, want.GetName())
	}
	if got, _ := field(cm, "binaryData[\"logo.png\"]").(string); got != base64.StdEncoding.EncodeToString(contents["logo.png"]) {
		t.Errorf("binaryData.logo.png = %q", got)
	}
	if got := field(cm, "data[\"config.yaml\"]"); got != "port: 8080\n" {
		t.Errorf("data.config.yaml = %q", got)
	}
}

// TestFilesMount checks that every file is mounted read-only at its path
// from the ConfigMap the pod names, and that a change of content renames it.
func TestFilesMount(t *testing.T) {
	a := baseApp()
	contents := withFiles(a)
	res, err := Compile(a, Options{Files: contents})
	if err != nil {
		t.Fatal(err)
	}
	cm := find(t, res, "ConfigMap")
	d := find(t, res, "Deployment")
	if got := field(d, "spec.template.spec.volumes[1].configMap.name"); got != cm.Name {
		t.Errorf("volume names %v, the ConfigMap is %s", got, cm.Name)
	}
	mounts, _ := field(d, "spec.template.spec.containers[0].volumeMounts").([]any)
	if len(mounts) != 5 {
		t.Fatalf("mounts %v", mounts)
	}
	want := map[string]string{"/etc/app/config.yaml": "config.yaml", "/etc/app/logging.yaml": "logging.yaml",
		"/etc/other/config.yaml": "etc_other_config.yaml", "/usr/share/app/logo.png": "logo.png"}
	for _, m := range mounts[1:] {
		m := m.(map[string]any)
		if want[m["mountPath"].(string)] != m["subPath"] || m["readOnly"] != true || m["name"] != "files" {
			t.Errorf("mount %v", m)
		}
	}
	if origin, _ := res.Origins.Origin("Deployment/a", "spec.template.spec.containers[0].volumeMounts[1]"); strings.Join(origin, ".") != "spec.files./etc/app/config.yaml" {
		t.Errorf("mount origin %v", origin)
	}

	contents["config/app.yaml"] = []byte("port: 9090\n")
	again, err := Compile(a, Options{Files: contents})
	if err != nil {
		t.Fatal(err)
	}
	if n := find(t, again, "ConfigMap").Name; n == cm.Name || !strings.HasPrefix(n, "a-") {
		t.Errorf("a changed file keeps the name %s", n)
	}
}

func TestFilesBounds(t *testing.T) {
	a := baseApp()
	big := strings.Repeat("x", MaxFileBytes+1)
	a.Spec.Files = map[string]app.File{"/etc/big": {Content: &big}}
	res, err := Compile(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Code != "build/file-too-large" || strings.Join(res.Findings[0].Path, ".") != "spec.files./etc/big.content" {
		t.Errorf("findings %+v", res.Findings)
	}
	if find(t, res, "ConfigMap") != nil {
		t.Error("a ConfigMap without its file")
	}

	a.Spec.Files = map[string]app.File{}
	contents := map[string][]byte{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		a.Spec.Files["/etc/"+n] = app.File{From: n}
		contents[n] = bytes.Repeat([]byte("y"), MaxFileBytes-10)
	}
	res, err = Compile(a, Options{Files: contents})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Code != "build/files-too-large" || strings.Join(res.Findings[0].Path, ".") != "spec.files" {
		t.Errorf("findings %+v", res.Findings)
	}
}

func TestFileKeys(t *testing.T) {
	got := fileKeys([]string{"/a/config.yaml", "/b/config.yaml", "/b_config.yaml", "/x/..data", "/y/a b"})
	want := map[string]string{"/a/config.yaml": "config.yaml", "/b/config.yaml": "b_config.yaml", "/b_config.yaml": "b_config.yaml-2",
		"/x/..data": "_..data", "/y/a b": "a_b"}
	for p, k := range want {
		if got[p] != k {
			t.Errorf("%s: key %s, want %s", p, got[p], k)
		}
	}
}

// TestExternalSecrets checks the ExternalSecret of each entry, and that a
// secret read from one must name a key it fills.
func TestExternalSecrets(t *testing.T) {
	a := baseApp()
	a.Spec.ExternalSecrets = map[string]app.ExternalSecret{
		"db": {Store: "vault", StoreKind: "ClusterSecretStore", RefreshInterval: "1h",
			Data: map[string]app.RemoteRef{"password": {Key: "prod/db", Property: "password"}, "user": {Key: "prod/db", Property: "user", Version: "3"}}},
	}
	a.Spec.Secrets = map[string]app.SecretRef{"DB_PASSWORD": {Secret: "db", Key: "password"}, "DB_HOST": {Secret: "db", Key: "host"}}
	res, err := Compile(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	es := find(t, res, "ExternalSecret")
	if es == nil || es.Name != "db" || es.APIVersion != ExternalSecretAPI {
		t.Fatalf("ExternalSecret %+v", es)
	}
	for path, want := range map[string]any{
		"spec.secretStoreRef.name": "vault", "spec.secretStoreRef.kind": "ClusterSecretStore",
		"spec.target.name": "db", "spec.target.creationPolicy": "Owner",
		"spec.data[0].secretKey": "password", "spec.data[0].remoteRef.property": "password",
		"spec.data[1].remoteRef.version": "3",
	} {
		if got := field(es, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if len(res.Findings) != 1 || res.Findings[0].Code != "build/external-secret-key" || strings.Join(res.Findings[0].Path, ".") != "spec.secrets.DB_HOST.key" {
		t.Errorf("findings %+v", res.Findings)
	}
	if origin, _ := res.Origins.Origin("ExternalSecret/db", "spec.secretStoreRef.name"); strings.Join(origin, ".") != "spec.externalSecrets.db.store" {
		t.Errorf("origin %v", origin)
	}
}
