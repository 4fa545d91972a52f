package argocd

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

// A Source is what an Application and its cluster tell a plugin: the
// Application's spec.source, its name and project, the revision the repo
// server resolved, and the destination cluster's version.
type Source struct {
	AppName        string // metadata.name
	Namespace      string // metadata.namespace, where the Application lives
	Project        string // spec.project
	RepoURL        string // spec.source.repoURL
	Path           string // spec.source.path: the Application's directory in the repository
	TargetRevision string // spec.source.targetRevision
	Revision       string // the commit the repo server checked out
	KubeVersion    string // the destination cluster's version, such as v1.35.2
	APIVersions    []string
	Plugin         *PluginSource // spec.source.plugin; nil when the Application has none
}

// PluginSource is an Application's spec.source.plugin.
type PluginSource struct {
	Name       string      // the plugin to use; empty lets discovery pick
	Env        []EnvVar    // env
	Parameters []Parameter // parameters
}

// An EnvVar is one entry of spec.source.plugin.env.
type EnvVar struct {
	Name, Value string
}

// A Parameter is one entry of spec.source.plugin.parameters; nil means
// that form of value is not set.
type Parameter struct {
	Name   string
	String *string
	Array  []string
	Map    map[string]string
}

// MarshalJSON writes the parameter as ARGOCD_APP_PARAMETERS holds it
// (ApplicationSourcePluginParameter.MarshalJSON).
func (p Parameter) MarshalJSON() ([]byte, error) {
	out := map[string]any{"name": p.Name}
	if p.String != nil {
		out["string"] = *p.String
	}
	if p.Array != nil {
		out["array"] = p.Array
	}
	if p.Map != nil {
		out["map"] = p.Map
	}
	return json.Marshal(out)
}

// Environ returns the environment a plugin's commands run with: the
// sidecar's own (system), then what the repo server sends. That is, in
// order (reposerver/repository/repository.go: newEnv, getPluginEnvs,
// getPluginParamEnvs; ApplicationSourcePluginParameters.Environ):
//
//   - the build environment: ARGOCD_APP_NAME, ARGOCD_APP_NAMESPACE,
//     ARGOCD_APP_PROJECT_NAME, ARGOCD_APP_REVISION (and _SHORT, _SHORT_8),
//     ARGOCD_APP_SOURCE_REPO_URL, ARGOCD_APP_SOURCE_PATH,
//     ARGOCD_APP_SOURCE_TARGET_REVISION, KUBE_VERSION, KUBE_API_VERSIONS;
//   - each plugin env entry as ARGOCD_ENV_<name>, its value with $VAR and
//     ${VAR} of the build environment substituted ($$ is a $);
//   - ARGOCD_APP_PARAMETERS, the parameters as JSON, and each as
//     PARAM_<NAME> (upper case, other characters than A-Z, 0-9 and _ as
//     _), PARAM_<NAME>_<i> for an array, PARAM_<NAME>_<KEY> for a map.
//
// A later entry wins over an earlier one of the same name, as for exec.
func Environ(system []string, s Source) []string {
	build := []EnvVar{
		{"ARGOCD_APP_NAME", s.AppName},
		{"ARGOCD_APP_NAMESPACE", s.Namespace},
		{"ARGOCD_APP_PROJECT_NAME", s.Project},
		{"ARGOCD_APP_REVISION", s.Revision},
		{"ARGOCD_APP_REVISION_SHORT", short(s.Revision, 7)},
		{"ARGOCD_APP_REVISION_SHORT_8", short(s.Revision, 8)},
		{"ARGOCD_APP_SOURCE_REPO_URL", s.RepoURL},
		{"ARGOCD_APP_SOURCE_PATH", s.Path},
		{"ARGOCD_APP_SOURCE_TARGET_REVISION", s.TargetRevision},
		{"KUBE_VERSION", kubeVersion(s.KubeVersion)},
		{"KUBE_API_VERSIONS", strings.Join(s.APIVersions, ",")},
	}
	env := slices.Clone(system)
	for _, e := range build {
		env = append(env, e.Name+"="+e.Value)
	}
	if s.Plugin == nil {
		return env
	}
	for _, e := range s.Plugin.Env {
		env = append(env, "ARGOCD_ENV_"+e.Name+"="+envsubst(e.Value, build))
	}
	params, _ := json.Marshal(s.Plugin.Parameters) // null when there are none, as in Argo CD
	env = append(env, "ARGOCD_APP_PARAMETERS="+string(params))
	for _, p := range s.Plugin.Parameters {
		name := "PARAM_" + escaped(p.Name)
		if p.String != nil {
			env = append(env, name+"="+*p.String)
		}
		for _, k := range slices.Sorted(maps.Keys(p.Map)) {
			env = append(env, name+"_"+escaped(k)+"="+p.Map[k])
		}
		for i, v := range p.Array {
			env = append(env, name+"_"+strconv.Itoa(i)+"="+v)
		}
	}
	return env
}

// kubeVersion is parseKubeVersion: the version as k8s.io's generic
// parser prints it (v1.35.2 → 1.35.2), empty when not known.
func kubeVersion(v string) string {
	if v == "" {
		return ""
	}
	p, err := version.ParseGeneric(v)
	if err != nil {
		return ""
	}
	return p.String()
}

// envsubst is Env.Envsubst: os.Expand over the build environment, an
// unknown variable becoming empty and $$ a $.
func envsubst(s string, build []EnvVar) string {
	return os.Expand(s, func(name string) string {
		if name == "$" {
			return "$"
		}
		for _, e := range build {
			if e.Name == name {
				return e.Value
			}
		}
		return ""
	})
}

var invalidParamChar = regexp.MustCompile("[^A-Z0-9_]")

// escaped is the name of a parameter or map key in an environment
// variable's name.
func escaped(name string) string {
	return invalidParamChar.ReplaceAllString(strings.ToUpper(name), "_")
}

func short(rev string, n int) string {
	if len(rev) > n {
		return rev[:n]
	}
	return rev
}
