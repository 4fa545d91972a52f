package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws "kiln: [=======>            ] 120/1000 apps, 3.1s" on one
// terminal line while a long run goes on: on a terminal outside CI by
// default, once the run has lasted quietAfter; always, from the start,
// with --progress=always; never with --progress=never. It writes to
// stderr, which reports never use.
type progress struct {
	w     io.Writer
	total int
	began time.Time
	after time.Duration // nothing is drawn before

	mu    sync.Mutex
	count int
	last  time.Time
}

func newProgress(env *Env, mode string, total int) *progress {
	show := mode == "always"
	if mode == "auto" {
		show = env.Getenv("CI") == "" && isTerminal(env.Stderr)
	}
	if !show {
		return &progress{}
	}
	p := &progress{w: env.Stderr, total: total, began: time.Now()}
	if mode == "auto" {
		p.after = quietAfter
	}
	return p
}

// quietAfter keeps a short run, the pre-commit hook's or a warm one, from
// flashing a bar: only a run that makes someone wait gets one.
const quietAfter = 300 * time.Millisecond

// barWidth is the bar's length in characters: with the counts, the line
// stays within an 80-column terminal.
const barWidth = 30

// line renders the progress of count out of total after elapsed.
func line(count, total int, elapsed time.Duration) string {
	filled := 0
	if total > 0 {
		filled = min(count*barWidth/total, barWidth)
	}
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	return fmt.Sprintf("kiln: [%s] %d/%d apps, %.1fs", bar, count, total, elapsed.Seconds())
}

func (p *progress) step() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	// Ten redraws a second are enough to look alive.
	now := time.Now()
	if now.Sub(p.began) < p.after {
		return
	}
	if now.Sub(p.last) > 100*time.Millisecond || p.count == p.total {
		p.last = now
		fmt.Fprint(p.w, "\r"+line(p.count, p.total, now.Sub(p.began)))
	}
}

func (p *progress) done() {
	if p.w != nil && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\x1b[K") // the summary takes the line
	}
}
