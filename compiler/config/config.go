// Package config reads a repository's kiln configuration,
// .kiln/config.yaml at the repository root:
//
//	policies: [policy]                 # directories of the team's Rego policies
//	data: [policy/data.yaml]           # YAML or JSON data files, mounted at data's root
//	disable: [network-policy]          # rule ids that do not run
//	severity: {image-digest: warning}  # rule id → error, warning or info
//	failOn: warning                    # the default of --fail-on
//	production: [prod, live]           # environments held to production rules
//	crds: [crds]                       # CRD files or directories kiln lint validates custom resources with
//	namespaces: [main, k8s.*]          # packages whose conftest rules run, as conftest's --namespace (default main)
//	workloads:                         # kinds that run pods, beside kiln's (policies/workloads.rego)
//	  - {apiVersion: example.com/v1, kind: Runner, podTemplate: spec.template}
//	outputs: deploy                    # kiln build -o deploy's output is committed; kiln check reports drift
//	emit: [k8s, helm, slo, dashboard, alerts]  # the outputs this repository builds (default k8s, dockerfile, catalog, helm)
//	policyTimeout: 30s                 # the bound on one evaluation of the guardrails (default 10s)
//	policyMemory: 2GiB                 # the heap the guardrails' evaluations may add (default 1GiB)
//	evalTimeout: 30s                   # the bound on one Jsonnet or CUE evaluation (default 10s)
//	evalMemory: 1GiB                   # the memory one Jsonnet or CUE evaluation may hold (default 512MiB)
//	customResources: warning           # kiln lint of a custom resource no CRD describes: error (default), warning or skip
//	conventions:                       # what the built-in rules take as the repository's conventions
//	  ownerLabel: team.example.com/owner   # the owner label key (default kiln.dev/owner; owner is always accepted)
//	  allowedCapabilities: [NET_BIND_SERVICE, NET_RAW]  # capabilities a container may add
//	  secretNames: ['(?i)_CREDENTIALS$']   # more environment names (regular expressions) that hold secrets
//	  cpuLimits: true                      # every container must set a CPU limit (default false)
//	  maxVolumeSize: 500Gi                 # the largest disk a StatefulSet's replica may ask for (default 1Ti)
//	waivers:                           # repository-wide waivers
//	  - rule: no-host-path
//	    reason: the node exporter reads /proc of its node
//	    expires: 2027-03-31
//	    apps: [node-exporter]          # app names or definition paths (path.Match patterns); default all
//	    environments: [prod]           # default all
//	alerting:                          # the alerts output's receivers (docs/alerting.md)
//	  slackSecret: alertmanager-slack  # the Secret, in the app's namespace, with the Slack webhook URL (default alertmanager-slack)
//	  slackKey: url                    # its key (default url)
//	kubeVersions:                      # the Kubernetes minor version of each environment's clusters
//	  prod: "1.35"
//	  staging: "1.37"
//	teams:                             # namespaces per owner team (docs/namespaces.md)
//	  emit: true                       # kiln build writes them, kiln check compares them (default: only with --emit namespaces)
//	  headroom: 20%                    # added to the apps' sum in each ResourceQuota (default 20%)
//	  role: edit                       # the ClusterRole each team's group is bound to in its namespaces (default edit)
//	  groups: {team-payments: payments-devs}  # owner → the group bound to the role (default: the owner's name)
//	  external: [kube-system]          # namespaces the apps may use that kiln does not create
//	  budgets: {team-payments: {cpu: "40", memory: 64Gi}}  # the most a team's apps may request, per environment
//	  limitRange: {cpu: 100m, memory: 128Mi, memoryLimit: 256Mi}  # container defaults (these are the defaults)
//	  denyEgress: false                # whether the default-deny NetworkPolicy also denies egress
//
// kubeVersions lets clusters upgrade one at a time: an environment's
// objects are validated against its version's API schema, and the
// removed-api and deprecated-api rules judge them by it. An environment
// takes the first of: the app's environments.<env>.kubeVersion, the
// repository's kubeVersions, --kube-version, the newest version kiln
// knows. kiln lint takes the version of --env from kubeVersions the same
// way. A version kiln has no schema for is an error at its line.
//
// Paths are relative to the repository root. Every mistake is reported at
// its line and column, as for an app definition.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kilnhq/kiln/compiler/alerting"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/waiver"
	"github.com/kilnhq/kiln/compiler/workload"
	"github.com/kilnhq/kiln/schemas/kube"
)

// Name is where the configuration lives, relative to the repository root.
const Name = ".kiln/config.yaml"

// A Config is a repository's configuration. The zero Config is the
// default: built-in rules only, at their own severities.
type Config struct {
	File       *source.File // nil for the default configuration
	Root       string       // directory paths are relative to
	Policies   []Entry
	Data       []Entry
	Disable    []Entry
	Severity   map[string]diag.Severity
	SeverityAt map[string]Entry // where each severity override is written
	FailOn     string
	Production []string
	CRDs       []Entry
	Namespaces []Entry
	Waivers    []waiver.Waiver
	// CustomResources is what kiln lint does with a custom resource that no
	// CRD describes: "error" (the default, also for ""), "warning" or
	// "skip".
	CustomResources string
	// Conventions are the built-in rules' settings of this repository,
	// as the rules read them under data.kiln.conventions (ownerLabel,
	// allowedCapabilities, secretNames, cpuLimits); nil when unset.
	Conventions map[string]any
	// Workloads are the repository's kinds that run pods, which the pod
	// rules judge beside kiln's own (workload.Merge).
	Workloads []workload.Kind
	// Outputs is the directory where the repository commits kiln build's
	// output (kiln build -o DIR); kiln check compares it with a fresh
	// build. Empty when outputs are not committed.
	Outputs Entry
	// Emit names the outputs the repository builds (emit.Registry's
	// names): what kiln build writes without --emit, what kiln check
	// builds, guards and compares with committed outputs, and what the
	// editor shows. Empty for kiln's default outputs.
	Emit []Entry
	// PolicyTimeout bounds one evaluation of the guardrails (0: the
	// default, guard.DefaultTimeout).
	PolicyTimeout time.Duration
	// PolicyMemory bounds the heap the guardrails' evaluations may grow
	// kiln by (0: guard.DefaultMemory).
	PolicyMemory int64
	// EvalTimeout and EvalMemory bound one evaluation of a Jsonnet or CUE
	// definition or CUE test file (0: load's defaults).
	EvalTimeout time.Duration
	EvalMemory  int64
	// Alerting names what the alerts output's receivers read their
	// credentials from; the zero value is alerting's defaults.
	Alerting alerting.Settings
	// KubeVersions are the Kubernetes minor versions ("1.35") of the
	// environments the repository names, by environment; nil when unset.
	KubeVersions map[string]string
	// Teams configures the namespaces derived per owner team; nil when
	// the configuration has no teams block.
	Teams *Teams
}

// An Entry is one string of the file with its position.
type Entry struct {
	Value    string
	Pos, End source.Pos
}

// Path returns e as a path, joined to the repository root when relative.
func (c *Config) Path(e Entry) string {
	if filepath.IsAbs(e.Value) {
		return e.Value
	}
	return filepath.Join(c.Root, e.Value)
}

// Named is a path the configuration or a flag names, for the message that
// it cannot be read: at the entry of the configuration, or naming the flag.
type Named struct {
	Path  string
	Entry *Entry // nil when a flag names it
	Flag  string // "--policy", for one a flag names
	// Root is the directory the path must resolve inside: the
	// repository's, for an entry of its configuration (which a pull
	// request can change); empty for a flag, which the one running kiln
	// chose.
	Root string
}

// Paths returns the entries of setting as Named paths.
func (c *Config) Paths(setting string, entries []Entry) []Named {
	var out []Named
	for i := range entries {
		out = append(out, Named{Path: c.Path(entries[i]), Entry: &entries[i], Flag: setting, Root: c.Root})
	}
	return out
}

// Diagnostic is an error about n: at its entry in the configuration, or
// naming the flag that gave it.
func (n Named) Diagnostic(code, msg string) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Code: code, Message: msg, Kind: diag.Input}
	if n.Entry != nil {
		d.Pos, d.End = n.Entry.Pos, n.Entry.End
	} else if n.Flag != "" {
		d.Message = n.Flag + ": " + msg
	}
	return d
}

// Find returns the configuration file that governs dir: .kiln/config.yaml
// in dir or the closest directory above it, not looking above the
// repository root (the directory holding .git). ok is false when there is
// none.
func Find(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, Name)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Load reads the configuration file at name, shown in messages as display.
// The file must resolve inside the repository it configures.
func Load(name, display string) (*Config, diag.List) {
	root := filepath.Dir(filepath.Dir(name))
	if filepath.Base(filepath.Dir(name)) != ".kiln" {
		root = filepath.Dir(name)
	}
	data, err := repofile.Read(root, name, repofile.MaxBytes)
	f := source.NewFile(display, data)
	if err != nil {
		return nil, diag.List{{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "config/read", Kind: diag.Input, Message: "cannot read the configuration: " + err.Error()}}
	}
	return Parse(f, root)
}

// settings are the configuration's keys, for messages.
const settings = "policies, data, disable, severity, failOn, production, crds, customResources, conventions, namespaces, outputs, policyTimeout, policyMemory, evalTimeout, evalMemory, waivers, workloads, alerting, kubeVersions, teams, emit"

// Parse reads a configuration from f; paths in it are relative to root.
func Parse(f *source.File, root string) (*Config, diag.List) {
	doc, ds := load.Load(f, load.Options{Format: load.YAML})
	if doc == nil {
		return nil, ds
	}
	d := &decoder{}
	c := &Config{File: f, Root: root, Severity: map[string]diag.Severity{}, SeverityAt: map[string]Entry{}}
	if doc.Root.Kind != load.Map {
		d.fail(doc.Root.Pos, doc.Root.End, nil, "the configuration is a map of settings ("+settings+")")
		return nil, d.ds
	}
	for _, fl := range doc.Root.Fields {
		path := []string{fl.Name}
		switch fl.Name {
		case "policies":
			c.Policies = d.strings(fl.Value, path)
		case "data":
			c.Data = d.strings(fl.Value, path)
		case "disable":
			c.Disable = d.strings(fl.Value, path)
		case "crds":
			c.CRDs = d.strings(fl.Value, path)
		case "namespaces":
			c.Namespaces = d.strings(fl.Value, path)
		case "outputs":
			c.Outputs, _ = d.string(fl.Value, path)
		case "emit":
			c.Emit = d.strings(fl.Value, path)
		case "policyTimeout":
			c.PolicyTimeout = d.duration(fl, path)
		case "evalTimeout":
			c.EvalTimeout = d.duration(fl, path)
		case "evalMemory":
			c.EvalMemory = d.bytes(fl, path)
		case "policyMemory":
			c.PolicyMemory = d.bytes(fl, path)
		case "production":
			for _, e := range d.strings(fl.Value, path) {
				c.Production = append(c.Production, e.Value)
			}
		case "failOn":
			if e, ok := d.string(fl.Value, path); ok {
				// none: findings never fail a run (report-only adoption).
				if _, ok := diag.ParseSeverity(e.Value); !ok && e.Value != "none" {
					d.fail(e.Pos, e.End, path, fmt.Sprintf("failOn %q must be error, warning, info or none", e.Value))
				}
				c.FailOn = e.Value
			}
		case "severity":
			d.severities(fl.Value, path, c)
		case "customResources":
			if e, ok := d.string(fl.Value, path); ok {
				if !slices.Contains([]string{"error", "warning", "skip"}, e.Value) {
					d.fail(e.Pos, e.End, path, fmt.Sprintf("customResources %q must be error, warning or skip", e.Value))
				}
				c.CustomResources = e.Value
			}
		case "conventions":
			c.Conventions = d.conventions(fl.Value, path)
		case "waivers":
			c.Waivers = d.waivers(fl.Value, path)
		case "workloads":
			c.Workloads = d.workloads(fl.Value, path)
		case "alerting":
			c.Alerting = d.alerting(fl.Value, path)
		case "kubeVersions":
			c.KubeVersions = d.kubeVersions(fl.Value, path)
		case "teams":
			c.Teams = d.teams(fl, path)
		default:
			d.fail(fl.KeyPos, fl.KeyEnd, path, fmt.Sprintf("unknown setting %s (known: %s)", fl.Name, settings))
		}
	}
	if len(d.ds) > 0 {
		return nil, d.ds
	}
	return c, nil
}

// decoder collects positioned errors while reading the configuration.
type decoder struct{ ds diag.List }

func (d *decoder) fail(pos, end source.Pos, path []string, msg string) {
	d.ds = append(d.ds, diag.Diagnostic{Pos: pos, End: end, Severity: diag.Error, Code: "config/invalid", Kind: diag.Input, Path: fieldpath.String(path), Message: msg})
}

func (d *decoder) string(n *load.Node, path []string) (Entry, bool) {
	s, _ := n.Scalar.(string)
	if n.Kind != load.String || s == "" {
		d.fail(n.Pos, n.End, path, fmt.Sprintf("%s must be a non-empty string, not %s", fieldpath.String(path), n.String()))
		return Entry{}, false
	}
	return Entry{Value: s, Pos: n.Pos, End: n.End}, true
}

func (d *decoder) strings(n *load.Node, path []string) []Entry {
	if n.Kind != load.List {
		d.fail(n.Pos, n.End, path, fmt.Sprintf("%s must be a list of strings", fieldpath.String(path)))
		return nil
	}
	var out []Entry
	for i, it := range n.Items {
		if e, ok := d.string(it, append(path, fmt.Sprint(i))); ok {
			out = append(out, e)
		}
	}
	return out
}

func (d *decoder) severities(n *load.Node, path []string, c *Config) {
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, "severity must map rule ids to error, warning or info")
		return
	}
	for _, fl := range n.Fields {
		e, ok := d.string(fl.Value, append(path, fl.Name))
		if !ok {
			continue
		}
		sev, ok := diag.ParseSeverity(e.Value)
		if !ok {
			d.fail(e.Pos, e.End, append(path, fl.Name), fmt.Sprintf("severity %q must be error, warning or info", e.Value))
			continue
		}
		c.Severity[fl.Name] = sev
		c.SeverityAt[fl.Name] = Entry{Value: fl.Name, Pos: fl.KeyPos, End: fl.KeyEnd}
	}
}

// An item is a map of a list, with its path.
type item struct {
	node *load.Node
	path []string
}

// mapItems returns the maps of the list n, each with its own path; n when
// it is no list, and each item that is no map, are reported (listMsg,
// itemMsg) and left out.
func (d *decoder) mapItems(n *load.Node, path []string, listMsg, itemMsg string) []item {
	if n.Kind != load.List {
		d.fail(n.Pos, n.End, path, listMsg)
		return nil
	}
	var out []item
	for i, it := range n.Items {
		at := append(slices.Clone(path), fmt.Sprint(i))
		if it.Kind != load.Map {
			d.fail(it.Pos, it.End, at, itemMsg)
			continue
		}
		out = append(out, item{it, at})
	}
	return out
}

func (d *decoder) waivers(n *load.Node, path []string) []waiver.Waiver {
	var out []waiver.Waiver
	for _, m := range d.mapItems(n, path, "waivers must be a list of {rule, reason, expires, apps, environments}", "a waiver is a map with rule, reason and expires") {
		it, at := m.node, m.path
		w := waiver.Waiver{Pos: it.Pos, End: it.End, Where: fieldpath.String(at)}
		for _, fl := range it.Fields {
			fp := append(at, fl.Name)
			switch fl.Name {
			case "rule":
				e, _ := d.string(fl.Value, fp)
				w.Rule = e.Value
			case "reason":
				e, _ := d.string(fl.Value, fp)
				w.Reason = strings.TrimSpace(e.Value)
			case "expires":
				if e, ok := d.string(fl.Value, fp); ok {
					t, err := time.Parse(time.DateOnly, e.Value)
					if err != nil {
						d.fail(e.Pos, e.End, fp, fmt.Sprintf("expires %q is not a date (YYYY-MM-DD, such as 2027-03-31)", e.Value))
					}
					w.Expires = t
				}
			case "apps":
				for _, e := range d.strings(fl.Value, fp) {
					w.Apps = append(w.Apps, e.Value)
				}
			case "environments":
				for _, e := range d.strings(fl.Value, fp) {
					w.Environments = append(w.Environments, e.Value)
				}
			default:
				d.fail(fl.KeyPos, fl.KeyEnd, fp, fmt.Sprintf("unknown waiver field %s (known: rule, reason, expires, apps, environments)", fl.Name))
			}
		}
		for _, req := range []string{"rule", "reason", "expires"} {
			if it.Field(req) == nil {
				d.fail(it.Pos, it.End, at, fmt.Sprintf("the waiver needs %s %s: every exception says which rule, why, and until when", article(req), req))
			}
		}
		out = append(out, w)
	}
	return out
}

// conventions reads the conventions map: each setting checked for its
// type, and secret name patterns for their syntax, so that a mistake is
// reported here rather than as a policy error.
func (d *decoder) conventions(n *load.Node, path []string) map[string]any {
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, "conventions must be a map of ownerLabel, allowedCapabilities, secretNames, cpuLimits, maxVolumeSize")
		return nil
	}
	out := map[string]any{}
	for _, fl := range n.Fields {
		fp := append(path, fl.Name)
		switch fl.Name {
		case "ownerLabel":
			if e, ok := d.string(fl.Value, fp); ok {
				out[fl.Name] = e.Value
			}
		case "allowedCapabilities", "secretNames":
			var list []any
			for i, e := range d.strings(fl.Value, fp) {
				if fl.Name == "secretNames" {
					if _, err := regexp.Compile(e.Value); err != nil {
						d.fail(e.Pos, e.End, append(fp, fmt.Sprint(i)), fmt.Sprintf("secretNames %q is not a regular expression: %v", e.Value, err))
					}
				}
				list = append(list, e.Value)
			}
			if list == nil {
				list = []any{}
			}
			out[fl.Name] = list
		case "maxVolumeSize":
			// A quantity with a binary or decimal suffix, which the
			// statefulset-pvc-size rule compares disks with.
			if e, ok := d.string(fl.Value, fp); ok {
				if !volumeSize.MatchString(e.Value) {
					d.fail(e.Pos, e.End, fp, fmt.Sprintf("maxVolumeSize %q is not a size such as 500Gi or 2Ti", e.Value))
					continue
				}
				out[fl.Name] = e.Value
			}
		case "cpuLimits":
			b, ok := fl.Value.Scalar.(bool)
			if fl.Value.Kind != load.Bool || !ok {
				d.fail(fl.Value.Pos, fl.Value.End, fp, fmt.Sprintf("cpuLimits must be true or false, not %s", fl.Value.String()))
			}
			out[fl.Name] = b
		default:
			d.fail(fl.KeyPos, fl.KeyEnd, fp, fmt.Sprintf("unknown convention %s (known: ownerLabel, allowedCapabilities, secretNames, cpuLimits, maxVolumeSize)", fl.Name))
		}
	}
	return out
}

// volumeSize is a storage quantity as policies/lib.rego's bytes reads it.
var volumeSize = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([KMGTPE]i?|k)?$`)

// workloads reads the kinds that run pods: kind, podTemplate (a path of
// field names, such as spec.template) and an optional apiVersion.
// kubeVersions reads the environments' Kubernetes versions, each one
// kiln has the schema of.
func (d *decoder) kubeVersions(n *load.Node, path []string) map[string]string {
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, `kubeVersions must map environments to Kubernetes versions, such as {prod: "1.35"}`)
		return nil
	}
	out := map[string]string{}
	for _, fl := range n.Fields {
		fp := append(slices.Clone(path), fl.Name)
		if fl.Value.Kind == load.Number {
			// YAML reads 1.30 as the number 1.3: only a string says 1.30.
			d.fail(fl.Value.Pos, fl.Value.End, fp, fmt.Sprintf("write the Kubernetes version of %s as a string, such as \"%s\": YAML reads 1.30 as the number 1.3", fl.Name, kube.Default()))
			continue
		}
		e, ok := d.string(fl.Value, fp)
		if !ok {
			continue
		}
		if !slices.Contains(kube.Versions(), e.Value) {
			d.fail(e.Pos, e.End, fp, fmt.Sprintf("kiln has no schema for Kubernetes %q; it has %s", e.Value, strings.Join(kube.Versions(), ", ")))
			continue
		}
		out[fl.Name] = e.Value
	}
	return out
}

func (d *decoder) workloads(n *load.Node, path []string) []workload.Kind {
	var out []workload.Kind
	for _, m := range d.mapItems(n, path, "workloads must be a list of {apiVersion, kind, podTemplate}", "a workload is a map with kind, podTemplate and optionally apiVersion") {
		it, at := m.node, m.path
		var k workload.Kind
		for _, fl := range it.Fields {
			fp := append(slices.Clone(at), fl.Name)
			switch fl.Name {
			case "apiVersion":
				e, _ := d.string(fl.Value, fp)
				k.APIVersion = e.Value
			case "kind":
				e, _ := d.string(fl.Value, fp)
				k.Kind = e.Value
			case "podTemplate":
				e, ok := d.string(fl.Value, fp)
				if !ok {
					continue
				}
				k.Template = strings.Split(e.Value, ".")
				if slices.Contains(k.Template, "") || strings.ContainsAny(e.Value, "[]") {
					d.fail(e.Pos, e.End, fp, fmt.Sprintf("podTemplate %q must be a path of field names, such as spec.template", e.Value))
				}
			default:
				d.fail(fl.KeyPos, fl.KeyEnd, fp, fmt.Sprintf("unknown workload field %s (known: apiVersion, kind, podTemplate)", fl.Name))
			}
		}
		for _, req := range []string{"kind", "podTemplate"} {
			if it.Field(req) == nil {
				d.fail(it.Pos, it.End, at, fmt.Sprintf("the workload needs %s: which kind runs pods, and where its pod template is", req))
			}
		}
		out = append(out, k)
	}
	return out
}

// SeverityOrigins are the lines that set a rule's severity (rule id →
// the line), for guard.Options.SeverityAt: a finding points at the line
// that made it an error or a warning.
func (c *Config) SeverityOrigins() map[string]diag.Related {
	out := map[string]diag.Related{}
	for id, e := range c.SeverityAt {
		out[id] = diag.Related{Pos: e.Pos, End: e.End, Message: "the configuration sets the severity of " + id}
	}
	return out
}

// CheckRules reports disabled rules and severity overrides that name no
// rule, at the line that names them.
func (c *Config) CheckRules(known func(string) bool) diag.List {
	var ds diag.List
	for _, e := range c.Disable {
		if !known(e.Value) {
			ds = append(ds, diag.Diagnostic{Pos: e.Pos, End: e.End, Severity: diag.Error, Code: "config/unknown-rule", Kind: diag.Input,
				Message: fmt.Sprintf("disable names rule %s, which does not exist; kiln rules lists them", e.Value)})
		}
	}
	for id, e := range c.SeverityAt {
		if !known(id) {
			ds = append(ds, diag.Diagnostic{Pos: e.Pos, End: e.End, Severity: diag.Error, Code: "config/unknown-rule", Kind: diag.Input,
				Message: fmt.Sprintf("severity names rule %s, which does not exist; kiln rules lists them", id)})
		}
	}
	return ds.Sort()
}

// article is the indefinite article before word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// duration reads a time bound, from 1ms to 1h.
func (d *decoder) duration(fl load.Field, path []string) time.Duration {
	e, ok := d.string(fl.Value, path)
	if !ok {
		return 0
	}
	t, err := time.ParseDuration(e.Value)
	if err != nil || t < time.Millisecond || t > time.Hour {
		d.fail(e.Pos, e.End, path, fmt.Sprintf("%s %q must be a duration from 1ms to 1h, such as 30s", fl.Name, e.Value))
		return 0
	}
	return t
}

// Memory budgets, as evalMemory and --eval-memory accept them: below the
// least, an ordinary definition would not evaluate; above the most, the
// budget protects nothing.
const (
	MinMemory = 64 << 20
	MaxMemory = 64 << 30
)

// ParseBytes reads a memory budget written in bytes or with a binary unit
// (KiB, MiB, GiB), such as 512MiB, from MinMemory to MaxMemory.
func ParseBytes(s string) (int64, error) {
	num, mult := s, int64(1)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = n, u.size
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 || n > MaxMemory/mult || n*mult < MinMemory || n*mult > MaxMemory {
		return 0, fmt.Errorf("must be an amount of memory from 64MiB to 64GiB, such as 512MiB or 2GiB")
	}
	return n * mult, nil
}

// bytes reads a memory budget (see ParseBytes).
func (d *decoder) bytes(fl load.Field, path []string) int64 {
	e, ok := d.string(fl.Value, path)
	if !ok {
		return 0
	}
	n, err := ParseBytes(e.Value)
	if err != nil {
		d.fail(e.Pos, e.End, path, fmt.Sprintf("%s %q %v", fl.Name, e.Value, err))
	}
	return n
}

// alerting reads the alerts output's settings: the name of a Secret and
// of one of its keys, each checked as Kubernetes checks them, so that a
// typo is reported here rather than by the API server.
func (d *decoder) alerting(n *load.Node, path []string) alerting.Settings {
	var s alerting.Settings
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, "alerting must be a map of slackSecret and slackKey")
		return s
	}
	for _, fl := range n.Fields {
		fp := append(slices.Clone(path), fl.Name)
		var check func(string) []string
		var into *string
		what := "name"
		switch fl.Name {
		case "slackSecret":
			check, into = validation.IsDNS1123Subdomain, &s.SlackSecret
		case "slackKey":
			check, into, what = validation.IsConfigMapKey, &s.SlackKey, "key"
		default:
			d.fail(fl.KeyPos, fl.KeyEnd, fp, fmt.Sprintf("unknown alerting setting %s (known: slackSecret, slackKey)", fl.Name))
			continue
		}
		e, ok := d.string(fl.Value, fp)
		if !ok {
			continue
		}
		if errs := check(e.Value); len(errs) > 0 {
			d.fail(e.Pos, e.End, fp, fmt.Sprintf("%s %q is not a Secret's %s: %s", fl.Name, e.Value, what, strings.Join(errs, "; ")))
			continue
		}
		*into = e.Value
	}
	return s
}
