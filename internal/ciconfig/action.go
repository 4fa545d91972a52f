package ciconfig

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// An Action is a GitHub Actions action's metadata (action.yml).
type Action struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Author      string            `yaml:"author"`
	Branding    map[string]string `yaml:"branding"`
	Inputs      map[string]Input  `yaml:"inputs"`
	Outputs     map[string]Output `yaml:"outputs"`
	Runs        Runs              `yaml:"runs"`
}

// An Input is one of an action's inputs; every input is a string.
type Input struct {
	Description string `yaml:"description"`
	Required    bool   `yaml:"required"`
	Default     string `yaml:"default"`
}

// An Output is one of a composite action's outputs.
type Output struct {
	Description string `yaml:"description"`
	Value       string `yaml:"value"`
}

// Runs says how the action runs; a composite action lists its steps.
type Runs struct {
	Using string `yaml:"using"`
	Steps []Step `yaml:"steps"`
}

// A Step is one step of a composite action: it either uses another action
// or runs a script in a shell.
type Step struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
	ContinueOnError  bool              `yaml:"continue-on-error"`
}

// LoadAction reads an action.yml. Unknown keys are errors, so that a
// misspelt one (shel:, with: under the wrong step) fails a test instead of
// being ignored by the runner.
func LoadAction(path string) (*Action, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var a Action
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &a, nil
}

// Step returns the step with the given id.
func (a *Action) Step(id string) (*Step, bool) {
	for i := range a.Runs.Steps {
		if a.Runs.Steps[i].ID == id {
			return &a.Runs.Steps[i], true
		}
	}
	return nil, false
}

// Texts returns every string of the step that the runner evaluates
// expressions in, for checks that look for references. An if: is an
// expression even without ${{ }}, so it is returned inside one.
func (s *Step) Texts() []string {
	cond := s.If
	if cond != "" && !strings.Contains(cond, "${{") {
		cond = "${{ " + cond + " }}"
	}
	texts := []string{cond, s.Uses, s.Run, s.Shell, s.WorkingDirectory}
	for _, v := range s.With {
		texts = append(texts, v)
	}
	for _, v := range s.Env {
		texts = append(texts, v)
	}
	return texts
}
