package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kilnhq/kiln/internal/argocd"
)

// pluginFile is the plugin configuration kiln ships.
var pluginFile = filepath.Join(repoRoot, "deploy", "argocd", "plugin.yaml")

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// argocd discover|generate|directory ... does to a repository in the
// script's work directory what Argo CD does (see internal/argocd):
//
//	argocd discover REPO PATH
//	    kiln's plugin.yaml must claim the Application at PATH.
//	argocd generate [-param NAME=VALUE] [-env NAME=VALUE] [-exclude GLOB] [-o FILE] REPO PATH
//	    generates the Application at PATH with kiln's plugin.yaml, as the
//	    sidecar does (-param: spec.source.plugin.parameters, -env: its env,
//	    -exclude: the repo server's tar exclusions), and prints each object
//	    it would apply as KIND/NAMESPACE/NAME; -o keeps generate's output.
//	    It fails when generate wrote into the repository's copy or the
//	    sidecar's home, or printed no object (Argo CD would prune them all).
//	    With !, generate must fail: Argo CD's message goes to stderr.
//	argocd directory [-include GLOB] [-recurse] REPO PATH
//	    prints the files and objects a directory source at PATH reads.
func argocdCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: argocd discover|generate|directory ...")
	}
	switch args[0] {
	case "discover":
		argocdDiscover(ts, neg, args[1:])
	case "generate":
		argocdGenerate(ts, neg, args[1:])
	case "directory":
		argocdDirectory(ts, neg, args[1:])
	default:
		ts.Fatalf("argocd: unknown command %q", args[0])
	}
}

func argocdDiscover(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: argocd discover REPO PATH")
	}
	p, err := argocd.LoadPlugin(pluginFile)
	ts.Check(err)
	ok, err := p.Discovers(filepath.Join(ts.MkAbs(args[0]), args[1]))
	ts.Check(err)
	if ok == neg {
		ts.Fatalf("plugin %s discovers %s: %v", p.Name(), args[1], ok)
	}
}

func argocdGenerate(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("argocd generate", flag.ContinueOnError)
	var params, envs, exclude repeated
	fs.Var(&params, "param", "a string parameter NAME=VALUE")
	fs.Var(&envs, "env", "a plugin env entry NAME=VALUE")
	fs.Var(&exclude, "exclude", "a tar exclusion")
	out := fs.String("o", "", "file for generate's standard output")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		ts.Fatalf("usage: argocd generate [-param NAME=VALUE] [-env NAME=VALUE] [-exclude GLOB] [-o FILE] REPO PATH")
	}
	p, err := argocd.LoadPlugin(pluginFile)
	ts.Check(err)
	src := argocd.Source{
		AppName: "checkout-prod", Namespace: "argocd", Project: "default",
		RepoURL: "https://git.example.com/shop.git", Path: fs.Arg(1), TargetRevision: "HEAD",
		Revision: "0123456789abcdef0123456789abcdef01234567", KubeVersion: "v1.35.2",
		Plugin: &argocd.PluginSource{Name: p.Name()},
	}
	for _, kv := range envs {
		k, v, _ := strings.Cut(kv, "=")
		src.Plugin.Env = append(src.Plugin.Env, argocd.EnvVar{Name: k, Value: v})
	}
	for _, kv := range params {
		k, v, _ := strings.Cut(kv, "=")
		src.Plugin.Parameters = append(src.Plugin.Parameters, argocd.Parameter{Name: k, String: &v})
	}
	// The sidecar's own environment: a PATH with kiln on it and a home
	// of its own, which must stay empty.
	home := ts.MkAbs("sidecar-home")
	ts.Check(os.MkdirAll(home, 0o755))
	system := []string{"PATH=" + ts.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + ts.Getenv("TMPDIR")}
	r, err := argocd.Generate(context.Background(), p, src, argocd.Options{Repo: ts.MkAbs(fs.Arg(0)), Exclude: exclude, System: system})
	if r != nil && *out != "" {
		ts.Check(os.WriteFile(ts.MkAbs(*out), []byte(r.Stdout), 0o644))
	}
	var cmdErr *argocd.CmdError
	switch {
	case neg && err == nil:
		ts.Fatalf("generate succeeded, with %d objects", len(r.Objects))
	case neg && errors.As(err, &cmdErr):
		fmt.Fprintln(ts.Stderr(), err)
		checkNothingWritten(ts, r, home)
		return
	case err != nil:
		ts.Fatalf("generate: %v", err)
	}
	fmt.Fprint(ts.Stderr(), r.Stderr)
	checkNothingWritten(ts, r, home)
	if len(r.Objects) == 0 {
		ts.Fatalf("generate printed no object: Argo CD would prune every one of the Application's")
	}
	for _, o := range r.Objects {
		fmt.Fprintln(ts.Stdout(), objectName(o))
	}
}

func checkNothingWritten(ts *testscript.TestScript, r *argocd.Result, home string) {
	if r != nil && len(r.Changed) > 0 {
		ts.Fatalf("the plugin wrote into the repository's copy: %s", strings.Join(r.Changed, ", "))
	}
	if left, _ := os.ReadDir(home); len(left) > 0 {
		ts.Fatalf("the plugin wrote into the sidecar's home: %s", left[0].Name())
	}
}

func argocdDirectory(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("argocd directory", flag.ContinueOnError)
	var d argocd.Directory
	fs.StringVar(&d.Include, "include", "", "spec.source.directory.include")
	fs.BoolVar(&d.Recurse, "recurse", false, "spec.source.directory.recurse")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 || neg {
		ts.Fatalf("usage: argocd directory [-include GLOB] [-recurse] REPO PATH")
	}
	files, objs, err := argocd.ReadDirectory(ts.MkAbs(fs.Arg(0)), fs.Arg(1), d)
	ts.Check(err)
	for _, f := range files {
		fmt.Fprintln(ts.Stdout(), "file", f)
	}
	for _, o := range objs {
		fmt.Fprintln(ts.Stdout(), objectName(o))
	}
}

func objectName(o *unstructured.Unstructured) string {
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}
