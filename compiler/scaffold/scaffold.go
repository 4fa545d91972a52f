package scaffold

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Options say where the project is and what the user has decided.
type Options struct {
	// Repo is the repository the project is in: CODEOWNERS is read from
	// its root, the project from Dir.
	Repo fs.FS
	// Dir is the project's directory in Repo, slash-separated; "." when
	// the project is the repository's root.
	Dir string
	// DirName is the name of the project's directory on disk: the app's
	// name when the project states none (Dir is "." at a repository's
	// root, so it cannot say).
	DirName string
	// Name, Owner and Image replace what detection finds when set, and
	// Port when above 0 (kiln init's flags).
	Name, Owner, Image string
	Port               int
	// Schema is the JSON Schema the modeline points editors at.
	Schema string
}

// A Value is one value of the definition and where it came from.
type Value struct {
	V string
	// From says where V came from, for the comment beside it:
	// "go.mod:3: go 1.23.4", "--port". Empty for a placeholder.
	From string
	// TODO says what to do when V is a placeholder, or needs a person's
	// look; empty when V is what the project says.
	TODO string
}

// A Project is what Detect found: the values of the definition.
type Project struct {
	Name, Owner, Image, Port Value
	// Protocol is grpc when the code starts a gRPC server; empty for
	// kiln's default, http.
	Protocol Value
	// Language is the language detected, "" when none was, and From the
	// build file that says so.
	Language Value
	// Others are the build files of other languages found beside the one
	// that decided Language.
	Others []string
	// Build says whether the definition asks kiln to write the Dockerfile
	// (spec.build); when it does not, NoBuild says why.
	Build   bool
	NoBuild string
	// Version is build.version (V empty: kiln's default for the
	// language); Main is build.main (V empty: the default, ".").
	Version, Main Value
	// Lacks are what the project lacks for kiln's Dockerfile to build it.
	Lacks []string
	// Static says the app is a static site, probed at / rather than at
	// the default health paths, which its server does not answer.
	Static bool
	// Warnings are the build files and CODEOWNERS that could not be read,
	// at their lines: detection went on without them.
	Warnings []Warning
}

// A Warning is a file detection could not use, at its line.
type Warning struct {
	File    string // slash path in the repository
	Line    int    // 1-based; 0 when the file as a whole is at fault
	Message string
}

// Detect reads the project and returns the definition's values. It fails
// only when the project's directory cannot be read; a build file it cannot
// parse is a warning, and a value it cannot find a placeholder.
func Detect(o Options) (*Project, error) {
	if o.Dir == "" {
		o.Dir = "."
	}
	pfs, err := fs.Sub(o.Repo, o.Dir)
	if err != nil {
		return nil, err
	}
	pr := &probe{fs: pfs, dir: o.Dir, p: &Project{}}
	if err := pr.walk(); err != nil {
		return nil, err
	}
	pr.detectLanguage()
	pr.detectPort()
	pr.detectProtocol()
	p := pr.p
	p.Name = pickName(o, pr.name)
	p.Owner = detectOwner(o, p)
	p.Image = pickImage(o, p.Name.V)
	if o.Port > 0 {
		p.Port = Value{V: strconv.Itoa(o.Port), From: "from --port"}
	}
	return p, nil
}

// pickName is --name, else the name the project states (its module,
// package or artifact), else its directory's name; each as a DNS label.
func pickName(o Options, stated Value) Value {
	if o.Name != "" {
		return Value{V: o.Name, From: "from --name"}
	}
	if stated.V != "" {
		if label := DNSLabel(stated.V); label != "" {
			stated.V = label
			return stated
		}
	}
	dir := o.DirName
	if o.Dir != "." {
		dir = path.Base(o.Dir)
	}
	if label := DNSLabel(dir); label != "" {
		return Value{V: label, From: fmt.Sprintf("the directory's name, %s", dir)}
	}
	return Value{V: "app", TODO: "the app's name, a DNS label: it names every object kiln emits"}
}

// pickImage is --image, else a placeholder under the app's name that the
// schema accepts, marked TODO: only the user knows their registry.
func pickImage(o Options, name string) Value {
	if o.Image != "" {
		return Value{V: o.Image, From: "from --image"}
	}
	return Value{V: "registry.example.com/" + name + ":0.1.0",
		TODO: "the image your CI pushes, pinned to a tag or a digest"}
}

var nonLabel = regexp.MustCompile(`[^a-z0-9]+`)

// DNSLabel makes s a DNS-1123 label, as Kubernetes names must be: lower
// case, runs of other characters as one '-', at most 63 characters,
// starting and ending with a letter or digit. A package's scope
// (@acme/checkout) is dropped. It returns "" when nothing of s is left.
func DNSLabel(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

var nonLabelValue = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// labelValue makes s a Kubernetes label value, as metadata.owner must be:
// letters, digits, '-', '_' and '.', at most 63, starting and ending with
// a letter or digit.
func labelValue(s string) string {
	s = nonLabelValue.ReplaceAllString(s, "-")
	trim := func(s string) string { return strings.Trim(s, "-_.") }
	s = trim(s)
	if len(s) > 63 {
		s = trim(s[:63])
	}
	return s
}
