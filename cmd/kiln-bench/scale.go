package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kilnhq/kiln/internal/davcache"
)

// The scale benchmark (-scale N,...): kiln check past one machine, over a
// git repository of N apps, each figure beside its baseline of the same
// run.
//
//   - --base: one app changed since main, every app's result uncached,
//     beside that app checked alone in an empty cache.
//   - --shard i/4: four processes at once, each with its own empty cache,
//     beside one process checking everything cold. The wall time of the
//     slowest shard is what a CI matrix waits for; on fewer than four
//     cores the shards share them, which the table says.
//   - --remote-cache: four runners with empty local caches share one
//     nginx WebDAV cache; the first checks cold and writes, each of the
//     others changes one app and reads. Each beside one app alone plus
//     the warm no-op floor (a check of the whole repository with a full
//     local cache).
//   - Peak RSS of a cold check beside conftest's on the same manifests
//     (kiln's own rules under conftest, as in the main table), in MB per
//     app.

type scaleResult struct {
	n                    int
	base, alone          time.Duration
	single, slowestShard time.Duration
	runners              [4]time.Duration
	floor                time.Duration
	rss                  rssResult
}

func benchScale(tmp, kiln string, sizes []int) {
	nginx, err := davcache.Start(filepath.Join(tmp, "nginx"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kiln-bench: %v: the remote-cache figures are left out\n", err)
		nginx = nil
	} else {
		defer nginx.Stop()
	}
	var rs []scaleResult
	for _, n := range sizes {
		rs = append(rs, measureScale(tmp, kiln, n, nginx))
	}
	w := newTable()
	fmt.Fprintf(w, "apps\t--base, 1 changed\t1 app alone\tratio\t1 process cold\tslowest of 4 shards\tratio (%d cores)\t\n", cores())
	for _, r := range rs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.n, ms(r.base), ms(r.alone), ratio(r.base, r.alone), ms(r.single), ms(r.slowestShard), ratio(r.slowestShard, r.single))
	}
	w.Flush()
	fmt.Println()
	w = newTable()
	fmt.Fprintln(w, "apps\trunner 1 cold, writes\trunner 2\trunner 3\trunner 4\t1 alone + warm floor\tworst of 2-4 / that\t")
	for _, r := range rs {
		if r.runners[0] == 0 {
			fmt.Fprintf(w, "%d\t(nginx is not installed: no remote-cache figures)\t\t\t\t\t\t\n", r.n)
			continue
		}
		worst := max(r.runners[1], r.runners[2], r.runners[3])
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.n, ms(r.runners[0]), ms(r.runners[1]), ms(r.runners[2]), ms(r.runners[3]),
			ms(r.alone+r.floor), ratio(worst, r.alone+r.floor))
	}
	w.Flush()
	fmt.Println()
	var mem []rssResult
	for _, r := range rs {
		mem = append(mem, r.rss)
	}
	printRSS(mem)
}

func measureScale(tmp, kiln string, n int, nginx *davcache.Server) scaleResult {
	r := scaleResult{n: n}
	repo := filepath.Join(tmp, fmt.Sprintf("scale-%d", n))
	generate(repo, n)
	os.RemoveAll(filepath.Join(repo, ".git"))
	gitIn(repo, "init", "-q", "-b", "main")
	gitIn(repo, "add", "-A")
	gitIn(repo, "commit", "-qm", "apps")
	first := filepath.Join(repo, "apps", "app0000", "kiln.yaml")
	edit := func(file string, i int) (undo func()) {
		orig, _ := os.ReadFile(file)
		os.WriteFile(file, append(append([]byte{}, orig...), fmt.Sprintf("# edit %d\n", i)...), 0o644)
		return func() { os.WriteFile(file, orig, 0o644) }
	}
	cold := func(cache string, args ...string) (time.Duration, int64) {
		os.RemoveAll(cache)
		return timed(kiln, append([]string{"check", "--cache-dir", cache, "--progress", "never"}, args...)...)
	}

	undo := edit(first, 1)
	r.base, _ = cold(filepath.Join(tmp, "c-base"), "--base", "main", repo)
	r.alone, _ = cold(filepath.Join(tmp, "c-alone"), filepath.Dir(first))
	undo()

	r.single, r.rss.kiln = cold(filepath.Join(tmp, "c-single"), repo)
	r.rss.n, r.rss.kilnTime = n, r.single
	var wg sync.WaitGroup
	var mu sync.Mutex
	began := time.Now()
	for i := 1; i <= 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cold(filepath.Join(tmp, fmt.Sprintf("c-shard%d", i)), "--shard", fmt.Sprintf("%d/4", i), repo)
			mu.Lock()
			r.slowestShard = max(r.slowestShard, time.Since(began))
			mu.Unlock()
		}()
	}
	wg.Wait()

	// The warm floor: nothing changed, everything in the local cache.
	warm := filepath.Join(tmp, "c-single")
	r.floor, _ = timed(kiln, "check", "--cache-dir", warm, "--progress", "never", repo)
	if nginx != nil {
		check(nginx.Clear())
		r.runners[0], _ = cold(filepath.Join(tmp, "c-runner1"), "--remote-cache", nginx.URL, "--remote-cache-write", repo)
		for i := 1; i < 4; i++ {
			undo := edit(filepath.Join(repo, "apps", fmt.Sprintf("app%04d", i*7), "kiln.yaml"), i)
			r.runners[i], _ = cold(filepath.Join(tmp, fmt.Sprintf("c-runner%d", i+1)), "--remote-cache", nginx.URL, repo)
			undo()
		}
	}

	r.rss.conftestMs, r.rss.conftest = conftestRSS(tmp, kiln, repo)
	return r
}

// timed runs a command and returns its wall time and peak resident set
// (KiB, as Linux's getrusage reports it). Exit status 1 is findings.
func timed(name string, args ...string) (time.Duration, int64) {
	cmd := exec.Command(name, args...)
	began := time.Now()
	err := cmd.Run()
	d := time.Since(began)
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		fmt.Fprintf(os.Stderr, "kiln-bench: %s %s: %v\n", name, strings.Join(args[:min(len(args), 6)], " "), err)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return d, rss
}

func gitIn(dir string, args ...string) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@example.com", "GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		check(fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out))
	}
}

func mb(kib int64) string {
	if kib == 0 {
		return "-"
	}
	return fmt.Sprintf("%d MB", kib>>10)
}

func perApp(kib int64, n int) string {
	if kib == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(kib)/1024/float64(n))
}

func cores() int {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}
