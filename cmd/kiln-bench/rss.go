package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Peak memory (-rss N,...): a cold kiln check of N apps beside conftest
// running kiln's rules on the same apps' emitted manifests, each
// process's peak resident set as getrusage reports it. The figure to read
// is MB per app as N grows: kiln's must not grow faster than linearly.

type rssResult struct {
	n                    int
	kiln, conftest       int64 // KiB
	kilnTime, conftestMs time.Duration
}

func benchRSS(tmp, kiln string, sizes []int) {
	var rs []rssResult
	for _, n := range sizes {
		repo := filepath.Join(tmp, fmt.Sprintf("rss-%d", n))
		generate(repo, n)
		r := rssResult{n: n}
		cache := filepath.Join(tmp, "c-rss")
		os.RemoveAll(cache)
		r.kilnTime, r.kiln = timed(kiln, "check", "--cache-dir", cache, "--progress", "never", repo)
		r.conftestMs, r.conftest = conftestRSS(tmp, kiln, repo)
		os.RemoveAll(repo)
		rs = append(rs, r)
	}
	printRSS(rs)
}

// conftestRSS builds repo's manifests and runs conftest on them, when it
// is installed, for its time and peak resident set.
func conftestRSS(tmp, kiln, repo string) (time.Duration, int64) {
	path, err := exec.LookPath("conftest")
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiln-bench: conftest is not on PATH: no conftest memory figures")
		return 0, 0
	}
	out := filepath.Join(tmp, "rss-out")
	defer os.RemoveAll(out)
	quiet(kiln, "build", repo, "-o", out, "--emit", "k8s", "--no-policy")
	manifests, _ := filepath.Glob(filepath.Join(out, "*", "rendered", "*.yaml"))
	return timed(path, append([]string{"test", "--combine", "--no-color", "-p", conftestPolicy(tmp)}, manifests...)...)
}

func printRSS(rs []rssResult) {
	w := newTable()
	fmt.Fprintln(w, "apps\tkiln cold\tkiln peak RSS\tMB per app\tconftest\tconftest peak RSS\tMB per app\tkiln/conftest RSS\t")
	for _, r := range rs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.n, ms(r.kilnTime), mb(r.kiln), perApp(r.kiln, r.n),
			ms(r.conftestMs), mb(r.conftest), perApp(r.conftest, r.n), rssRatio(r.kiln, r.conftest))
	}
	w.Flush()
}

func rssRatio(a, b int64) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}
