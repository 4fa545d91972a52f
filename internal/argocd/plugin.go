package argocd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// A Plugin is a Config Management Plugin's configuration, the file
// argocd-cmp-server reads at /home/argocd/cmp-server/config/plugin.yaml
// (cmpserver/plugin/config.go, PluginConfig). It looks like a Kubernetes
// object but is none: Argo CD reads it from the sidecar's disk.
type Plugin struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   PluginMetadata `json:"metadata"`
	Spec       PluginSpec     `json:"spec"`
}

// PluginMetadata is the part of the metadata Argo CD reads: the name.
type PluginMetadata struct {
	Name string `json:"name"`
}

// PluginSpec is cmpserver/plugin/config.go's PluginConfigSpec.
type PluginSpec struct {
	Version          string     `json:"version,omitempty"`
	Init             Command    `json:"init"`
	Generate         Command    `json:"generate"`
	Discover         Discover   `json:"discover"`
	Parameters       Parameters `json:"parameters"`
	PreserveFileMode bool       `json:"preserveFileMode,omitempty"`
	ProvideGitCreds  bool       `json:"provideGitCreds,omitempty"`
}

// A Command is a program and its arguments: Argo CD runs
// Command[0] with Command[1:] followed by Args, through no shell.
type Command struct {
	Command []string `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
}

// Discover says which Applications the plugin serves when they do not
// name it: those whose directory holds a file matching FileName, or
// (not supported here) Find.
type Discover struct {
	FileName string `json:"fileName,omitempty"`
	Find     *Find  `json:"find,omitempty"`
}

// Find is discovery by a ** glob or a command.
type Find struct {
	Command
	Glob string `json:"glob,omitempty"`
}

// Parameters are what Argo CD's UI offers to set on an Application that
// uses the plugin; they reach the commands as PARAM_ variables.
type Parameters struct {
	Static  []Announcement `json:"static,omitempty"`
	Dynamic Command        `json:"dynamic"`
}

// An Announcement describes one parameter to the UI
// (reposerver/repository/repository.proto, ParameterAnnouncement).
type Announcement struct {
	Name           string            `json:"name"`
	Title          string            `json:"title,omitempty"`
	Tooltip        string            `json:"tooltip,omitempty"`
	Required       bool              `json:"required,omitempty"`
	ItemType       string            `json:"itemType,omitempty"`
	CollectionType string            `json:"collectionType,omitempty"`
	String         string            `json:"string,omitempty"`
	Array          []string          `json:"array,omitempty"`
	Map            map[string]string `json:"map,omitempty"`
}

// PluginKind is the only kind Argo CD accepts.
const PluginKind = "ConfigManagementPlugin"

// LoadPlugin reads a plugin.yaml. Argo CD ignores fields it does not
// know; LoadPlugin refuses them, so that a misspelt one (fileNmae,
// generate under init) fails a test instead of being ignored by the
// sidecar. It then checks what Argo CD checks (ValidatePluginConfig):
// a name, the kind, a generate command.
func LoadPlugin(path string) (*Plugin, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var p Plugin
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

func (p *Plugin) validate() error {
	switch {
	case p.APIVersion != "argoproj.io/v1alpha1":
		return fmt.Errorf("apiVersion is %q, not argoproj.io/v1alpha1", p.APIVersion)
	case p.Kind != PluginKind:
		return fmt.Errorf("kind should be %s, found %s", PluginKind, p.Kind)
	case p.Metadata.Name == "":
		return errors.New("metadata.name should be non-empty")
	case len(p.Spec.Generate.Command) == 0:
		return errors.New("spec.generate command should be non-empty")
	}
	return nil
}

// Name is what an Application writes in spec.source.plugin.name to pick
// this plugin: <name>-<version>, or the name alone without a version
// (PluginConfig.Address, the sidecar's socket name).
func (p *Plugin) Name() string {
	if p.Spec.Version != "" {
		return p.Metadata.Name + "-" + p.Spec.Version
	}
	return p.Metadata.Name
}

// Discovers reports whether the plugin claims the Application at appPath
// (a directory) without being named: Service.matchRepository, which
// globs discover.fileName inside the Application's directory.
func (p *Plugin) Discovers(appPath string) (bool, error) {
	d := p.Spec.Discover
	if d.FileName == "" {
		if d.Find != nil {
			return false, errors.New("discover.find is not supported here; use discover.fileName")
		}
		return false, nil
	}
	m, err := filepath.Glob(filepath.Join(appPath, d.FileName))
	return len(m) > 0, err
}
