package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress draws "kiln: 120/1000 apps, 3.1s" on one terminal line while a
// long run goes on: on a terminal outside CI by default, always with
// --progress=always, never with --progress=never. It writes to stderr,
// which reports never use.
type progress struct {
	w     io.Writer
	total int
	began time.Time

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
	return &progress{w: env.Stderr, total: total, began: time.Now()}
}

func (p *progress) step() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	// Ten redraws a second are enough to look alive.
	if now := time.Now(); now.Sub(p.last) > 100*time.Millisecond || p.count == p.total {
		p.last = now
		fmt.Fprintf(p.w, "\rkiln: %d/%d apps, %.1fs", p.count, p.total, now.Sub(p.began).Seconds())
	}
}

func (p *progress) done() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
