package scaffold

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
	pep440 "github.com/aquasecurity/go-pep440-version"
)

type pyproject struct {
	Project struct {
		Name           string   `toml:"name"`
		RequiresPython string   `toml:"requires-python"`
		Dependencies   []string `toml:"dependencies"`
	} `toml:"project"`
	Tool struct {
		Poetry struct {
			Name         string         `toml:"name"`
			Dependencies map[string]any `toml:"dependencies"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

// pythonFrameworks are the frameworks whose default port the app keeps
// unless its code says another: Django's runserver 8000, Flask's 5000,
// uvicorn's (FastAPI's server) 8000.
var pythonFrameworks = []struct {
	dep  string
	port string
}{{"django", "8000"}, {"flask", "5000"}, {"fastapi", "8000"}, {"uvicorn", "8000"}}

// pythonMinors are the Python releases whose images kiln would pin,
// newest first, up to kiln's default.
var pythonMinors = []string{"3.14", "3.13", "3.12", "3.11", "3.10", "3.9"}

// detectPython reads pyproject.toml (PEP 621's [project], or Poetry's
// [tool.poetry]) and requirements.txt: the name, requires-python (a PEP
// 440 specifier, read with aquasecurity/go-pep440-version) or
// .python-version for the version, the dependencies for the framework,
// and the script python runs.
func detectPython(pr *probe, file string) {
	var py pyproject
	deps := map[string]bool{}
	if data := pr.read("pyproject.toml"); data != nil {
		if _, err := toml.Decode(string(data), &py); err != nil {
			line := 0
			var pe toml.ParseError
			if errors.As(err, &pe) {
				line = pe.Position.Line
			}
			pr.warn("pyproject.toml", line, "not valid TOML: "+firstLine(err.Error()))
		}
		if n := cmpOr(py.Project.Name, py.Tool.Poetry.Name); n != "" {
			pr.name = Value{V: n, From: src("pyproject.toml", data, lineOf(data, 0, "name"))}
		}
		for _, d := range py.Project.Dependencies {
			deps[requirementName(d)] = true
		}
		for d := range py.Tool.Poetry.Dependencies {
			deps[strings.ToLower(d)] = true
		}
		spec, stated := py.Project.RequiresPython, "requires-python"
		if p, ok := py.Tool.Poetry.Dependencies["python"].(string); ok && spec == "" {
			spec, stated = poetryToPEP440(p), "python"
		}
		if spec != "" {
			pr.p.Version = pythonVersion(spec, at("pyproject.toml", data, lineOf(data, 0, stated)))
		}
	}
	if data := pr.read("requirements.txt"); data != nil {
		if in := pr.read("requirements.in"); in != nil {
			data = in // pip-tools' and uv's input: the direct dependencies
		}
		for _, d := range directRequirements(data) {
			deps[d] = true
		}
	} else {
		pr.p.Lacks = append(pr.p.Lacks, "requirements.txt, which kiln's Dockerfile installs: export one from "+file+" (pip-compile, uv export, poetry export)")
	}
	if pr.p.Version.V == "" && pr.p.Version.TODO == "" {
		if v := pr.read(".python-version"); v != nil {
			stated := strings.TrimSpace(string(v))
			pr.p.Version = pythonVersion("=="+minorOf(stated)+".*", ".python-version: "+stated)
		}
	}
	for _, fw := range pythonFrameworks {
		if deps[fw.dep] {
			pr.frameworkPort = Value{V: fw.port, From: fmt.Sprintf("%s's default port (the project depends on %s)", fw.dep, fw.dep)}
			break
		}
	}
	pr.p.Main = pr.pythonMain(deps["django"])
	pr.sourceExt = []string{".py"}
}

// minorOf is 3.12 of 3.12.1.
func minorOf(v string) string {
	if parts := strings.SplitN(v, ".", 3); len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

func firstLine(s string) string { s, _, _ = strings.Cut(s, "\n"); return s }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// directRequirements are the distributions a requirements file names,
// less those that pip-compile or uv pip compile annotate as pulled in by
// another ("# via locust"): a framework a tool depends on says nothing of
// the app's port.
func directRequirements(data []byte) []string {
	var out []string
	name, via, direct := "", false, false
	flush := func() {
		if name != "" && (!via || direct) {
			out = append(out, name)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if c, ok := strings.CutPrefix(line, "#"); ok {
			c = strings.TrimSpace(c)
			if rest, ok := strings.CutPrefix(c, "via"); ok && name != "" {
				via = true
				c = strings.TrimSpace(rest)
			}
			direct = direct || (via && strings.HasPrefix(c, "-r"))
			continue
		}
		if n := requirementName(line); n != "" {
			flush()
			name, via, direct = n, false, false
		}
	}
	flush()
	return out
}

var requirement = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`)

// requirementName is the distribution a PEP 508 requirement names, lower
// case: "Flask>=3.0" is flask. Comments and options (-r, --hash) name none.
func requirementName(line string) string {
	m := requirement.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return strings.ToLower(strings.ReplaceAll(m[1], "_", "-"))
}

// poetryToPEP440 reads Poetry's caret and tilde constraints (^3.11 is
// >=3.11,<4.0; ~3.11 is >=3.11,<3.12) as PEP 440 specifiers; others are
// PEP 440 already.
func poetryToPEP440(s string) string {
	s = strings.TrimSpace(s)
	var major, minor int
	switch {
	case strings.HasPrefix(s, "^"):
		if _, err := fmt.Sscanf(s[1:], "%d.%d", &major, &minor); err == nil {
			return fmt.Sprintf(">=%d.%d,<%d", major, minor, major+1)
		}
	case strings.HasPrefix(s, "~") && !strings.HasPrefix(s, "~="):
		if _, err := fmt.Sscanf(s[1:], "%d.%d", &major, &minor); err == nil {
			return fmt.Sprintf(">=%d.%d,<%d.%d", major, minor, major, minor+1)
		}
	}
	return s
}

// pythonVersion is the newest Python release that satisfies spec, as
// the image tag python:3.12-slim is the newest 3.12.x.
func pythonVersion(spec, from string) Value {
	ss, err := pep440.NewSpecifiers(spec)
	if err != nil {
		return Value{TODO: fmt.Sprintf("%s says Python %q, which is not a PEP 440 specifier: set build.version", from, spec)}
	}
	for _, m := range pythonMinors {
		if v, err := pep440.Parse(m + ".99"); err == nil && ss.Check(v) {
			return Value{V: m, From: "from " + from}
		}
	}
	return Value{TODO: fmt.Sprintf("%s says Python %s, which no release from %s to %s satisfies: set build.version", from, spec, pythonMinors[len(pythonMinors)-1], pythonMinors[0])}
}

// pythonMain is the script python runs. Django is started by a WSGI or
// ASGI server, not by a script of its own, so it is the user's to write.
func (pr *probe) pythonMain(django bool) Value {
	if django {
		return Value{TODO: "the script python runs: one that starts Django under a WSGI server (gunicorn), as manage.py runserver is for development"}
	}
	if pr.exists("__main__.py") {
		return Value{V: ".", From: "runs __main__.py"}
	}
	for _, s := range []string{"app.py", "main.py", "server.py", "wsgi.py"} {
		if pr.exists(s) {
			return Value{V: s, From: "the script at the project's root"}
		}
	}
	return Value{TODO: "the script python runs (app.py)"}
}
