package build

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
)

// maxSOPSBytes bounds one SOPS file: a Secret holds at most 1 MiB, and
// encryption adds a third and the sops stanza.
const maxSOPSBytes = 2 << 20

// A SOPSSecret is a Secret manifest encrypted with SOPS, kept byte for
// byte: its MAC covers the values in the order the file has them, so it is
// never re-encoded. It is not validated against the Secret schema, which
// has no sops field, nor seen by the guardrails: the deploy tool (Flux,
// ksops) decrypts it.
type SOPSSecret struct {
	Name string // the Secret's metadata.name
	Data []byte
}

// encrypted is what SOPS writes for an encrypted value.
var encrypted = regexp.MustCompile(`^ENC\[[A-Z0-9_]+,data:.*\]$`)

// sopsSecrets reads spec.sopsSecrets and checks that each is an encrypted
// Secret: a plaintext one stays an error, at its line.
func (r *repoFiles) sopsSecrets(doc *load.Doc, a *app.App) ([]SOPSSecret, diag.List) {
	var out []SOPSSecret
	var ds diag.List
	seen := map[string]int{}
	for i, p := range a.Spec.SOPSSecrets {
		path := []string{"spec", "sopsSecrets", strconv.Itoa(i)}
		got := r.get(p, maxSOPSBytes)
		name, msg := "", got.err
		if msg == "" {
			name, msg = checkSOPS(p, got.data)
		}
		if msg == "" {
			if j, dup := seen[name]; dup {
				msg = fmt.Sprintf("%s is Secret %s, as spec.sopsSecrets[%d] is already: keep one", p, name, j)
			}
		}
		if msg != "" {
			pos, end, _ := doc.Locate(path)
			ds = append(ds, diag.Diagnostic{Pos: pos, End: end, Path: fieldpath.String(path), Severity: diag.Error, Code: "build/sops", Kind: diag.Finding, Message: msg})
			continue
		}
		seen[name] = i
		out = append(out, SOPSSecret{Name: name, Data: got.data})
	}
	return out, ds
}

// checkSOPS returns the name of the Secret in data, or why it is not a
// Secret encrypted with SOPS.
func checkSOPS(p string, data []byte) (name, msg string) {
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil || m == nil {
		return "", fmt.Sprintf("%s is not a YAML Secret manifest", p)
	}
	meta, _ := m["metadata"].(map[string]any)
	name, _ = meta["name"].(string)
	if m["apiVersion"] != "v1" || m["kind"] != "Secret" || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return "", fmt.Sprintf("%s is not a Secret manifest (apiVersion v1, kind Secret, a metadata.name)", p)
	}
	sops, _ := m["sops"].(map[string]any)
	if mac, _ := sops["mac"].(string); !encrypted.MatchString(mac) {
		return "", fmt.Sprintf("%s is not encrypted with SOPS (no sops stanza with a mac): a plaintext Secret must not be committed; encrypt it with sops --encrypt --in-place", p)
	}
	for _, field := range []string{"data", "stringData"} {
		values, _ := m[field].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(values)) {
			if s, _ := values[k].(string); !encrypted.MatchString(s) {
				return "", fmt.Sprintf("%s holds %s.%s in plaintext: encrypt every value with sops (no unencrypted_suffix or unencrypted_regex for data)", p, field, k)
			}
		}
	}
	return name, ""
}
