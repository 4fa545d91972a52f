// Package emit is the last stage: it turns built objects into files —
// rendered manifests per environment and the kustomize base and overlays —
// and writes them so that a reader never sees a half-written tree.
//
// Output is deterministic: objects keep the compile order, keys are sorted,
// and nothing depends on map iteration or scheduling.
package emit

import (
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
)

// Files returns the output tree of one app, keyed by slash-separated path
// relative to the app's output directory:
//
//	rendered/<env>.yaml             every object of the environment, ready for kubectl apply
//	base/kustomization.yaml         the app without overrides, one file per object
//	overlays/<env>/kustomization.yaml  the environment's differences from base, as patches
//	Dockerfile                      from spec.build
//	catalog-info.yaml               the Backstage catalog entry
func Files(r *build.Result) (map[string][]byte, error) {
	files := map[string][]byte{}
	if r.Dockerfile != nil {
		files["Dockerfile"] = r.Dockerfile
	}
	if r.Catalog != nil {
		b, err := compile.YAML([]compile.Object{*r.Catalog})
		if err != nil {
			return nil, err
		}
		files["catalog-info.yaml"] = b
	}
	if !r.Emit.K8s {
		return files, nil
	}
	for _, env := range r.Envs {
		b, err := compile.YAML(env.Objects)
		if err != nil {
			return nil, err
		}
		files["rendered/"+env.Name+".yaml"] = b
	}
	if err := kustomizeBase(files, r.Base.Objects); err != nil {
		return nil, err
	}
	for _, env := range r.Envs {
		if err := kustomizeOverlay(files, env.Name, r.Base.Objects, env.Objects); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// objectFile names the file of one object in base/: deployment.yaml.
func objectFile(o compile.Object) string { return strings.ToLower(o.Kind) + ".yaml" }
