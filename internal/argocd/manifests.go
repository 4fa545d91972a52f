package argocd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gobwas/glob"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// ParseManifests turns a plugin's standard output into the objects Argo
// CD applies, in three steps of its own:
//
//   - the sidecar splits the output into documents with apimachinery's
//     YAML-or-JSON decoder, dropping empty and null ones
//     (gitops-engine kube.SplitYAMLToString, in Service.generateManifest);
//   - the repo server reads each as an unstructured object, which must
//     have a kind (kube.SplitYAML, in runConfigManagementPluginSidecars);
//   - a List is replaced by its items, a List whose items are null by
//     nothing (GenerateManifests).
//
// Output that is not a stream of objects is an error: Argo CD fails the
// generation and applies nothing.
func ParseManifests(out string) ([]*unstructured.Unstructured, error) {
	d := kubeyaml.NewYAMLOrJSONDecoder(strings.NewReader(out), 4096)
	var docs [][]byte
	for {
		var ext runtime.RawExtension
		if err := d.Decode(&ext); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("failed to unmarshal manifest: %w", err)
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		docs = append(docs, raw)
	}
	var objs []*unstructured.Unstructured
	for _, doc := range docs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, u); err != nil {
			return nil, fmt.Errorf("failed to convert CMP manifests to unstructured objects: failed to unmarshal manifest: %w", err)
		}
		items, err := flatten(u)
		if err != nil {
			return nil, err
		}
		objs = append(objs, items...)
	}
	return objs, nil
}

// flatten is GenerateManifests' treatment of one object.
func flatten(u *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	switch {
	case u.IsList():
		var items []*unstructured.Unstructured
		err := u.EachListItem(func(o runtime.Object) error {
			item, ok := o.(*unstructured.Unstructured)
			if !ok {
				return errors.New("resource list item has unexpected type")
			}
			items = append(items, item)
			return nil
		})
		return items, err
	case isNullList(u):
		return nil, nil
	}
	return []*unstructured.Unstructured{u}, nil
}

func isNullList(u *unstructured.Unstructured) bool {
	_, spec := u.Object["spec"]
	_, status := u.Object["status"]
	items, ok := u.Object["items"]
	return !spec && !status && ok && items == nil
}

// A Directory is an Application's spec.source.directory: how the repo
// server reads plain manifests at the source's path.
type Directory struct {
	Recurse bool   // read subdirectories too
	Include string // a glob on paths relative to the source's path; only matching files are read
	Exclude string // a glob; matching files are not read
}

// manifestFile is the repo server's filter of file names.
var manifestFile = regexp.MustCompile(`^.*\.(yaml|yml|json|jsonnet)$`)

// ReadDirectory returns the files and the objects a directory source at
// path (relative to repo) gives Argo CD: findManifests and
// getPotentiallyValidManifests, for YAML and JSON files. Include and
// Exclude are gobwas globs without separators, so * crosses /, as
// util/glob.Match compiles them. Each file's objects are decoded as
// splitYAMLOrJSON does; a document that is not an object is an error.
func ReadDirectory(repo, path string, d Directory) (files []string, objs []*unstructured.Unstructured, err error) {
	appPath := filepath.Join(repo, path)
	err = filepath.Walk(appPath, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			if p != appPath && !d.Recurse {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(appPath, p)
		if !manifestFile.MatchString(fi.Name()) || !fi.Mode().IsRegular() ||
			d.Exclude != "" && match(d.Exclude, rel) || d.Include != "" && !match(d.Include, rel) {
			return nil
		}
		if strings.HasSuffix(p, ".jsonnet") {
			return fmt.Errorf("%s: Jsonnet is not supported here", rel)
		}
		got, err := readObjects(p)
		if err != nil {
			return fmt.Errorf("Failed to unmarshal %q: %w", fi.Name(), err)
		}
		files = append(files, filepath.ToSlash(rel))
		objs = append(objs, got...)
		return nil
	})
	return files, objs, err
}

func match(pattern, path string) bool {
	g, err := glob.Compile(pattern)
	return err == nil && g.Match(path)
}

// readObjects is getObjsFromYAMLOrJSON: one object in a .json file, a
// stream of them in a YAML file.
func readObjects(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".json") {
		var u unstructured.Unstructured
		if err := json.Unmarshal(data, &u); err != nil {
			return nil, err
		}
		return []*unstructured.Unstructured{&u}, nil
	}
	d := kubeyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return objs, fmt.Errorf("failed to unmarshal manifest: %w", err)
		}
		if u != nil {
			objs = append(objs, u)
		}
	}
}
