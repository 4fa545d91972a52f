package compile

import (
	"encoding/base64"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/api/hasher"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// Bounds of spec.files. A ConfigMap holds at most 1 MiB (the API server
// sums its keys and values); one file may take a quarter of it.
const (
	MaxFileBytes      = 256 << 10
	MaxConfigMapBytes = 1 << 20
)

// filesVolume is the pod volume that holds the ConfigMap of spec.files.
const filesVolume = "files"

// A configFile is one entry of spec.files, with its content and the key
// that holds it in the ConfigMap.
type configFile struct {
	path    string // in the container
	key     string
	content []byte
	origin  []string // spec.files.<path>.from or .content
	binary  bool     // not UTF-8 text: binaryData, as kustomize's generator has it
}

// configFiles lists spec.files by path with their contents: inline, or
// read by the caller from the repository (contents, by from as written).
// A from whose content is missing was not read; the reader reported why.
func (c *compiler) configFiles(contents map[string][]byte) {
	files := c.app.Spec.Files
	paths := slices.Sorted(maps.Keys(files))
	keys := fileKeys(paths)
	total := 0
	for _, p := range paths {
		f := files[p]
		cf := configFile{path: p, key: keys[p], origin: []string{"spec", "files", p, "from"}}
		switch b, read := contents[f.From]; {
		case f.Content != nil:
			cf.content, cf.origin = []byte(*f.Content), []string{"spec", "files", p, "content"}
		case f.From == "":
			c.finding(diag.Error, "build/file", "a file needs from (a file of the repository, relative to this definition) or content (the text itself)", "spec", "files", p)
			continue
		case read:
			cf.content = b
		default:
			continue
		}
		if len(cf.content) > MaxFileBytes {
			c.finding(diag.Error, "build/file-too-large", fmt.Sprintf(
				"the file is %d bytes; a file of spec.files is at most %d (256 KiB): mount a volume for larger data", len(cf.content), MaxFileBytes), cf.origin...)
			continue
		}
		cf.binary = !utf8.Valid(cf.content)
		total += len(cf.key) + len(cf.content)
		c.files = append(c.files, cf)
	}
	if total > MaxConfigMapBytes {
		c.finding(diag.Error, "build/files-too-large", fmt.Sprintf(
			"spec.files hold %d bytes together; a ConfigMap holds at most %d (1 MiB): move some into the image or a volume", total, MaxConfigMapBytes), "spec", "files")
		c.files = nil
	}
	if len(c.files) > 0 {
		c.filesName = c.configMapName()
	}
}

// fileKeys gives each path a ConfigMap key: its base name made a valid
// key, or, when an earlier path (in sorted order) took that, the whole
// path; a number ends what still collides. The keys depend only on the
// set of paths.
func fileKeys(paths []string) map[string]string {
	used := map[string]bool{}
	out := map[string]string{}
	for _, p := range paths {
		k := configKey(path.Base(p))
		if used[k] {
			k = configKey(strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "_"))
		}
		for i, base := 2, k; used[k]; i++ {
			k = base + "-" + strconv.Itoa(i)
		}
		used[k] = true
		out[p] = k
	}
	return out
}

// configKey makes s a valid ConfigMap key: letters, digits, '-', '_' and
// '.', not starting with "..", at most 253 characters.
func configKey(s string) string {
	k := []byte(s)
	for i, b := range k {
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			k[i] = '_'
		}
	}
	s = string(k)
	if strings.HasPrefix(s, "..") || s == "." {
		s = "_" + s
	}
	if len(s) > validation.DNS1123SubdomainMaxLength {
		s = s[:validation.DNS1123SubdomainMaxLength]
	}
	return s
}

// data splits the files into the ConfigMap's data (UTF-8 text) and
// binaryData (anything else), as kustomize's generator does.
func (c *compiler) data() (data map[string]string, binary map[string][]byte) {
	for _, f := range c.files {
		if !f.binary {
			if data == nil {
				data = map[string]string{}
			}
			data[f.key] = string(f.content)
			continue
		}
		if binary == nil {
			binary = map[string][]byte{}
		}
		binary[f.key] = f.content
	}
	return data, binary
}

// configMapName is <app>-<hash>, the hash kustomize's configMapGenerator
// gives a ConfigMap of the app's name with these data (its own code), so
// that a change of any file renames the ConfigMap and rolls the pods.
func (c *compiler) configMapName() string {
	data, binary := c.data()
	m := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": c.app.Metadata.Name}}
	if len(data) > 0 {
		d := map[string]any{}
		for k, v := range data {
			d[k] = v
		}
		m["data"] = d
	}
	if len(binary) > 0 {
		d := map[string]any{}
		for k, v := range binary {
			d[k] = base64.StdEncoding.EncodeToString(v)
		}
		m["binaryData"] = d
	}
	node, err := kyaml.FromMap(m)
	if err != nil {
		panic(fmt.Sprintf("a ConfigMap of plain strings: %v", err)) // cannot happen
	}
	h, err := (&hasher.Hasher{}).Hash(node)
	if err != nil {
		panic(fmt.Sprintf("hashing a ConfigMap: %v", err)) // cannot happen
	}
	return c.app.Metadata.Name + "-" + h
}

// configMap holds spec.files; nil without any.
func (c *compiler) configMap() runtime.Object {
	if len(c.files) == 0 {
		return nil
	}
	data, binary := c.data()
	c.setIn("ConfigMap", c.filesName, "metadata.name", "spec", "files")
	for _, f := range c.files {
		field := "data"
		if f.binary {
			field = "binaryData"
		}
		c.setIn("ConfigMap", c.filesName, fieldpath.Join(field, f.key), f.origin...)
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: c.metaNamed("ConfigMap", c.filesName),
		Data:       data,
		BinaryData: binary,
	}
}

// filesVolumes is the pod's volume of spec.files, if it has any.
func (c *compiler) filesVolumes(index int) []corev1.Volume {
	if len(c.files) == 0 {
		return nil
	}
	c.setPod("volumes["+strconv.Itoa(index)+"]", "spec", "files")
	return []corev1.Volume{{Name: filesVolume, VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: c.filesName}},
	}}}
}

// filesMounts mounts each file at its path, read-only, by subPath: the
// directory around it keeps what the image has there.
func (c *compiler) filesMounts(container string, first int) []corev1.VolumeMount {
	var out []corev1.VolumeMount
	for i, f := range c.files {
		out = append(out, corev1.VolumeMount{Name: filesVolume, MountPath: f.path, SubPath: f.key, ReadOnly: true})
		c.setPod(container+".volumeMounts["+strconv.Itoa(first+i)+"]", "spec", "files", f.path)
	}
	return out
}
