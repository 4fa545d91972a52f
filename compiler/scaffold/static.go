package scaffold

import "path"

// detectStatic serves the directory of the index.html found: BusyBox's
// httpd answers / with it, so that is what the probes ask for.
func detectStatic(pr *probe, file string) {
	pr.p.Static = true
	dir := path.Dir(file)
	if dir == "." {
		pr.p.Main = Value{V: ".", From: "index.html is at the project's root"}
	} else {
		pr.p.Main = Value{V: "./" + dir, From: "the directory of " + file}
	}
	pr.p.Version = Value{}
}
