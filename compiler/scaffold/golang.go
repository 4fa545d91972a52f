package scaffold

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

var goMinor = regexp.MustCompile(`^1\.\d+`)

// detectGo reads go.mod (with the go command's own parser): the module's
// last element names the app, its go line the version (golang:1.23 is the
// newest 1.23.x, which a go 1.23.4 line accepts); and the Go files say
// which package is the program.
func detectGo(pr *probe, file string) {
	data := pr.read(file)
	f, err := modfile.ParseLax(file, data, nil)
	if err != nil {
		var list modfile.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			pr.warn(file, list[0].Pos.Line, list[0].Err.Error())
		} else {
			pr.warn(file, 0, err.Error())
		}
		f = nil
	}
	if f != nil && f.Module != nil {
		mod := f.Module.Mod.Path
		if prefix, _, ok := module.SplitPathVersion(mod); ok {
			mod = prefix // github.com/acme/checkout/v2 is checkout
		}
		pr.name = Value{V: path.Base(mod), From: src(file, data, f.Module.Syntax.Start.Line)}
	}
	if f != nil && f.Go != nil {
		if v := goMinor.FindString(f.Go.Version); v != "" {
			pr.p.Version = Value{V: v, From: src(file, data, f.Go.Syntax.Start.Line)}
		}
	}
	pr.p.Main = pr.goMain()
	pr.sourceExt = []string{".go"}
}

// goMain is the package to build: the project's root when it is a
// program, else its one program (cmd/checkout), else the one named
// like the app.
func (pr *probe) goMain() Value {
	var mains []string
	for _, f := range pr.files {
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		dir := path.Dir(f)
		if slices.Contains(mains, dir) {
			continue
		}
		data := pr.read(f)
		if data == nil {
			continue // with no source, the parser would read the file itself
		}
		pf, err := parser.ParseFile(token.NewFileSet(), f, data, parser.PackageClauseOnly)
		if err == nil && pf.Name.Name == "main" {
			mains = append(mains, dir)
		}
	}
	pkg := func(dir string) string {
		if dir == "." {
			return "."
		}
		return "./" + dir
	}
	switch {
	case len(mains) == 0:
		return Value{TODO: "no package main here: set build.main to the package to build"}
	case slices.Contains(mains, "."):
		return Value{V: ".", From: "the package main at the project's root"}
	case len(mains) == 1:
		return Value{V: pkg(mains[0]), From: "the one package main, in " + mains[0]}
	}
	for _, m := range mains {
		if path.Base(m) == pr.name.V {
			return Value{V: pkg(m), From: fmt.Sprintf("the package main named like the module, of %d", len(mains))}
		}
	}
	return Value{V: pkg(mains[0]), TODO: "one of " + strings.Join(mains, ", ") + ": the program this app runs"}
}

// goPorts finds a port in Go source: an address literal given to a
// server (http.ListenAndServe(":8080", h), net.Listen("tcp", ":8080"),
// http.Server{Addr: ":8080"}, gin's r.Run(":8080")), rank 0; else a
// default of a variable named for a port or an address (port = "8080",
// cmp.Or(os.Getenv("PORT"), "8080")), rank 1.
func goPorts(file string, data []byte) []portHit {
	if data == nil {
		return nil // with no source, the parser would read the file itself
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, data, parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	var hits []portHit
	add := func(e ast.Expr, rank int) {
		if port, ok := goPortLit(e); ok {
			hits = append(hits, portHit{port: port, line: fset.Position(e.Pos()).Line, rank: rank})
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				break
			}
			switch sel.Sel.Name {
			case "ListenAndServe", "ListenAndServeTLS", "Listen", "Run", "Start":
				for _, a := range n.Args {
					if lit, ok := a.(*ast.BasicLit); ok && strings.Contains(lit.Value, ":") {
						add(a, 0)
					}
				}
			case "Or": // cmp.Or(os.Getenv("PORT"), "8080")
				if len(n.Args) > 1 && isGetenvPort(n.Args[0]) {
					add(n.Args[len(n.Args)-1], 1)
				}
			}
		case *ast.KeyValueExpr:
			if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Addr" {
				add(n.Value, 0)
			}
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && i < len(n.Rhs) && portName(id.Name) {
					add(n.Rhs[i], 1)
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if i < len(n.Values) && portName(id.Name) {
					add(n.Values[i], 1)
				}
			}
		}
		return true
	})
	return hits
}

// portName says a variable is named for a port or a listening address:
// port, PORT, defaultPort, HTTP_PORT, addr, listenAddr; not report or
// transport.
func portName(name string) bool {
	for _, w := range []string{"port", "addr"} {
		l := strings.ToLower(name)
		if l == w || strings.HasSuffix(name, strings.ToUpper(w[:1])+w[1:]) || strings.HasSuffix(l, "_"+w) {
			return true
		}
	}
	return false
}

func isGetenvPort(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	lit, isLit := call.Args[0].(*ast.BasicLit)
	return ok && sel.Sel.Name == "Getenv" && isLit && lit.Value == `"PORT"`
}

// goPortLit reads ":8080", "0.0.0.0:8080", "8080" or 8080.
func goPortLit(e ast.Expr) (int, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok {
		return 0, false
	}
	s := lit.Value
	if lit.Kind == token.STRING {
		u, err := strconv.Unquote(s)
		if err != nil {
			return 0, false
		}
		s = u[strings.LastIndex(u, ":")+1:]
	} else if lit.Kind != token.INT {
		return 0, false
	}
	return parsePort(s)
}

// parsePort reads a port number, 1-65535.
func parsePort(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 65535
}
