package build

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/overlay"
)

// An AppFinder finds another app of the repository by its name, for
// spec.dependsOn. It returns nil and no error when no app has the name,
// and an error when the app was found but cannot be read or checked.
type AppFinder func(name string) (*app.App, error)

// CodeUnknownApp is the code of a dependency on an app the repository
// does not have. A result with it must not be cached: the app may be
// created anywhere in the repository, which no recorded read would see.
const CodeUnknownApp = "build/unknown-app"

// NamesUnknownApp reports whether d is such a finding.
func NamesUnknownApp(d diag.Diagnostic) bool { return d.Code == CodeUnknownApp }

// once is f answering each name once: the same app for every
// environment of a build.
func (f AppFinder) once() AppFinder {
	if f == nil {
		return nil
	}
	type answer struct {
		app *app.App
		err error
	}
	seen := map[string]answer{}
	return func(name string) (*app.App, error) {
		a, ok := seen[name]
		if !ok {
			a.app, a.err = f(name)
			seen[name] = a
		}
		return a.app, a.err
	}
}

// callees resolves a's dependencies for environment env: each callee as
// env sees it (its own overrides for an environment of the same name, its
// base otherwise), or a finding at the dependsOn entry that cannot be.
func callees(a *app.App, env string, find AppFinder) ([]compile.Callee, []compile.Finding) {
	var out []compile.Callee
	var fs []compile.Finding
	envs := map[string]int{}
	seen := map[string]int{}
	for i, d := range a.Spec.DependsOn {
		c, f := callee(a, i, d, env, find)
		if f != nil {
			fs = append(fs, *f)
			continue
		}
		key := c.Name + "\x00" + fmt.Sprint(c.Port)
		if j, dup := seen[key]; dup {
			fs = append(fs, depFinding(i, "port", fmt.Sprintf("%s's port %d is named by dependsOn[%d] already", c.Name, c.Port, j)))
			continue
		}
		if j, dup := envs[c.Env]; dup {
			fs = append(fs, depFinding(i, "env", fmt.Sprintf(
				"dependsOn[%d] holds its URL in %s already; give this dependency another variable with env", j, c.Env)))
			continue
		}
		seen[key], envs[c.Env] = i, i
		out = append(out, c)
	}
	return out, fs
}

func callee(a *app.App, i int, d app.Dependency, env string, find AppFinder) (compile.Callee, *compile.Finding) {
	if d.App == a.Metadata.Name {
		return compile.Callee{}, ptrTo(depFinding(i, "app", "an app does not depend on itself: remove this entry"))
	}
	if find == nil {
		return compile.Callee{}, ptrTo(depFinding(i, "app", fmt.Sprintf("%s cannot be looked up here: dependencies are resolved in a repository (kiln check, build)", d.App)))
	}
	other, err := find(d.App)
	switch {
	case err != nil:
		return compile.Callee{}, ptrTo(depFinding(i, "app", fmt.Sprintf("%s cannot be resolved: %v", d.App, err)))
	case other == nil:
		f := depFinding(i, "app", fmt.Sprintf("no app named %s in this repository", d.App))
		f.Code = CodeUnknownApp
		return compile.Callee{}, &f
	}
	seen := overlay.Apply(other, env)
	if seen.Spec.Workload.Batch() {
		return compile.Callee{}, ptrTo(depFinding(i, "app", fmt.Sprintf("%s is a %s: it runs to completion and receives no traffic", d.App, seen.Spec.Workload.Kind)))
	}
	c := compile.Callee{Index: i, Name: d.App, Namespace: seen.Metadata.Namespace, Env: d.Env}
	if c.Env == "" {
		c.Env = strings.ToUpper(strings.ReplaceAll(d.App, "-", "_")) + "_URL"
	}
	if f := calleePort(&c, seen, i, d.Port); f != nil {
		return compile.Callee{}, f
	}
	return c, nil
}

// calleePort sets c's port: the one named, or the callee's primary port.
func calleePort(c *compile.Callee, callee *app.App, i int, name string) *compile.Finding {
	s := callee.Spec
	listens := s.Protocol != "none"
	if name == "" || (listens && name == s.Protocol) {
		if !listens {
			return ptrTo(depFinding(i, "app", fmt.Sprintf("%s listens on no primary port (protocol none); name one of its ports with port%s", callee.Metadata.Name, portList(callee))))
		}
		c.Port, c.Transport, c.Scheme = int32(s.Port), "TCP", s.Protocol
		if s.Protocol == "grpc" {
			c.Scheme = "dns"
		}
		return nil
	}
	ports := map[string]app.Port{}
	maps.Copy(ports, s.Ports)
	for _, sc := range s.Sidecars {
		maps.Copy(ports, sc.Ports)
	}
	p, ok := ports[name]
	if !ok {
		return ptrTo(depFinding(i, "port", fmt.Sprintf("%s has no port named %s%s", callee.Metadata.Name, name, portList(callee))))
	}
	c.Port, c.Transport, c.Scheme = int32(p.Port), p.Protocol, strings.ToLower(p.Protocol)
	return nil
}

// portList says which ports an app has, for a message.
func portList(a *app.App) string {
	var names []string
	if a.Spec.Protocol != "none" {
		names = append(names, a.Spec.Protocol)
	}
	names = append(names, slices.Sorted(maps.Keys(a.Spec.Ports))...)
	for _, sc := range a.Spec.Sidecars {
		names = append(names, slices.Sorted(maps.Keys(sc.Ports))...)
	}
	if len(names) == 0 {
		return "; it has none"
	}
	return "; its ports are " + strings.Join(names, ", ")
}

func depFinding(i int, field, msg string) compile.Finding {
	return compile.Finding{Path: []string{"spec", "dependsOn", strconv.Itoa(i), field}, Severity: diag.Error,
		Code: "build/depends-on", Message: msg, Kind: diag.Finding}
}

func ptrTo[T any](v T) *T { return &v }
