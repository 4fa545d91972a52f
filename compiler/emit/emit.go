// Package emit is the last stage: it turns built objects into files —
// rendered manifests per environment and the kustomize base and overlays —
// and writes them so that a reader never sees a half-written tree.
//
// It holds the registry of kiln's outputs (Registry, in artifacts.go):
// each output's name, files and what it needs built, which --emit, kiln
// check, the config tests and the language server range over. The
// registry lives here, beside the code that writes the files, because
// emit already depends on build: a package of its own would have to
// import emit for the files, and emit.Files could then not range over it;
// build cannot hold it, since it cannot import what writes its files.
//
// Output is deterministic: objects keep the compile order, keys are sorted,
// and nothing depends on map iteration or scheduling.
package emit

import (
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/helm"
)

// Files returns the output tree of one app, keyed by slash-separated path
// relative to the app's output directory: the files of every output of
// the registry (Registry) that r's build selected.
func Files(r *build.Result) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, a := range registry {
		if !a.Selected(r.Emit) {
			continue
		}
		if err := a.Files(files, r); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// manifestFiles writes rendered/<env>.yaml, every object of the
// environment ready for kubectl apply (and rendered/secrets/<name>.yaml,
// each SOPS Secret, to apply with it once decrypted), and the kustomize base (the app
// without overrides, one file per object) and overlays (each
// environment's differences from base, as patches).
func manifestFiles(files map[string][]byte, r *build.Result) error {
	for _, env := range r.Envs {
		b, err := compile.YAML(env.Objects)
		if err != nil {
			return err
		}
		files["rendered/"+env.Name+".yaml"] = b
	}
	// The SOPS Secrets are kept byte for byte (re-encoding would break
	// their MAC): a file each, beside the rendered manifests and among the
	// base's resources.
	for _, s := range r.SOPS {
		files["rendered/secrets/"+s.Name+".yaml"] = s.Data
	}
	if err := kustomizeBase(files, r.App.Metadata.Name, r.Base.Objects, r.SOPS); err != nil {
		return err
	}
	for _, env := range r.Envs {
		if err := kustomizeOverlay(files, r.App.Metadata.Name, env.Name, r.Base.Objects, env.Objects); err != nil {
			return err
		}
	}
	return nil
}

// helmValues writes helm/values.yaml (the app without overrides) and
// helm/values-<env>.yaml (what each environment changes), for
// helm install -f values.yaml -f values-<env>.yaml with kiln's chart.
func helmValues(files map[string][]byte, r *build.Result) error {
	base := r.Base.HelmValues
	b, err := yaml.Marshal(base)
	if err != nil {
		return err
	}
	files["helm/values.yaml"] = b
	for _, env := range r.Envs {
		b, err := yaml.Marshal(helm.Overrides(base, env.HelmValues))
		if err != nil {
			return err
		}
		files["helm/values-"+env.Name+".yaml"] = b
	}
	return nil
}

// sloFiles writes each environment's monitoring objects on their own, so
// that --emit slo alone writes them, and a team that deploys the app some
// other way can apply just these.
func sloFiles(files map[string][]byte, r *build.Result) error {
	for _, env := range r.Envs {
		var objs []compile.Object
		for _, o := range env.Objects {
			if isSLO(o) {
				objs = append(objs, o)
			}
		}
		if len(objs) == 0 {
			continue
		}
		b, err := compile.YAML(objs)
		if err != nil {
			return err
		}
		files["slo/"+env.Name+".yaml"] = b
	}
	return nil
}

// alertFiles writes each environment's AlertmanagerConfig on its own, for
// an Alertmanager the Prometheus operator runs, and the same route as a
// snippet for a hand-written alertmanager.yml.
func alertFiles(files map[string][]byte, r *build.Result) error {
	for _, env := range r.Envs {
		var objs []compile.Object
		for _, o := range env.Objects {
			if isAlerts(o) {
				objs = append(objs, o)
			}
		}
		if len(objs) > 0 {
			b, err := compile.YAML(objs)
			if err != nil {
				return err
			}
			files["alerts/"+env.Name+".yaml"] = b
		}
		if env.Alertmanager != nil {
			files["alerts/"+env.Name+"-alertmanager.yaml"] = env.Alertmanager
		}
	}
	return nil
}

// objectFile names the file of one object of app in base/:
// deployment.yaml for the app's own, <kind>-<name>.yaml for one of another
// name (an ExternalSecret, a policy admitting the app at a callee). The
// one ConfigMap is configmap.yaml, as its name carries its content's hash.
func objectFile(o compile.Object, app string) string {
	kind := strings.ToLower(o.Kind)
	if o.Name == app || o.Kind == "ConfigMap" {
		return kind + ".yaml"
	}
	return kind + "-" + o.Name + ".yaml"
}
