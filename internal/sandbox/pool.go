package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits bound one evaluation.
type Limits struct {
	Memory  int64         // bytes the evaluation may hold on the heap
	Timeout time.Duration // wall time from the request to its result
}

// A LimitError says an evaluation passed one of its Limits. It is a fact
// about this run on this machine, not about the input: never cache it.
type LimitError struct {
	Memory  bool // the memory budget; otherwise the deadline
	Limits  Limits
	Elapsed time.Duration
}

func (e *LimitError) Error() string {
	if e.Memory {
		return fmt.Sprintf("the evaluation used more than its memory budget of %s", FormatBytes(e.Limits.Memory))
	}
	return fmt.Sprintf("the evaluation did not finish within %s", e.Limits.Timeout)
}

// A TaskError is the error the task itself returned: a fact about the
// input, such as a Jsonnet runtime error.
type TaskError struct{ Msg string }

func (e *TaskError) Error() string { return e.Msg }

// FormatBytes writes n in the largest binary unit that divides it, as
// the README and the flags write budgets (512MiB, 1GiB).
func FormatBytes(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// A Pool runs tasks in worker processes, at most Size at a time, and keeps
// idle workers for the next task. The zero value is not usable; call New.
// A Pool is safe for concurrent use.
type Pool struct {
	slots chan struct{}

	mu      sync.Mutex
	idle    map[int64][]*worker // by memory budget: a worker's budget is fixed at its start
	closed  bool
	peakRSS int64
}

// New returns a pool of at most size workers.
func New(size int) *Pool {
	if size < 1 {
		size = 1
	}
	return &Pool{slots: make(chan struct{}, size), idle: map[int64][]*worker{}}
}

// Call runs task in a worker with req as its JSON request and decodes its
// result into resp. read answers the files the task imports. It returns a
// *LimitError when the evaluation passes lim, ctx's error when ctx ends
// first, a *TaskError when the task failed, and any other error when the
// worker could not run it.
func (p *Pool) Call(ctx context.Context, task string, req, resp any, read ReadFunc, lim Limits) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.slots }()

	w, err := p.get(lim.Memory)
	if err != nil {
		return err
	}
	start := time.Now()
	deadline, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	done := make(chan exchangeResult, 1)
	go func() { done <- w.exchange(request{Task: task, Req: body}, read) }()
	select {
	case r := <-done:
		if r.err != nil { // the worker died or broke the protocol
			return p.failed(w, lim, start)
		}
		p.notePeak(r.msg.Peak)
		p.put(w)
		if r.msg.Err != "" {
			return &TaskError{Msg: r.msg.Err}
		}
		return json.Unmarshal(r.msg.Result, resp)
	case <-deadline.Done():
		p.notePeak(peakRSS(strconv.Itoa(w.cmd.Process.Pid)))
		w.kill()
		<-done
		p.retire(w)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &LimitError{Limits: lim, Elapsed: time.Since(start)}
	}
}

// failed classifies the end of a worker that stopped mid-task.
func (p *Pool) failed(w *worker, lim Limits, start time.Time) error {
	w.in.Close()
	state := p.retire(w)
	stderr := w.stderr.String()
	if _, peak, ok := strings.Cut(stderr, "\npeak="); ok {
		n, _ := strconv.ParseInt(strings.TrimSpace(firstLine(peak)), 10, 64)
		p.notePeak(n)
	}
	if state != nil && (state.ExitCode() == exitMemory || strings.Contains(stderr, "out of memory")) {
		return &LimitError{Memory: true, Limits: lim, Elapsed: time.Since(start)}
	}
	return fmt.Errorf("the evaluator stopped unexpectedly (%v): %s", state, firstLine(stderr))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func (p *Pool) get(budget int64) (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("sandbox: the pool is closed")
	}
	if ws := p.idle[budget]; len(ws) > 0 {
		w := ws[len(ws)-1]
		p.idle[budget] = ws[:len(ws)-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	return start(budget)
}

func (p *Pool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.in.Close()
		go p.retire(w)
		return
	}
	p.idle[w.budget] = append(p.idle[w.budget], w)
}

// retire waits for a worker that has been told to end, or killed.
func (p *Pool) retire(w *worker) *os.ProcessState {
	_ = w.cmd.Wait()
	return w.cmd.ProcessState
}

func (p *Pool) notePeak(n int64) {
	p.mu.Lock()
	p.peakRSS = max(p.peakRSS, n)
	p.mu.Unlock()
}

// Close ends the idle workers and waits for them. Calls after Close fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	var ws []*worker
	for _, list := range p.idle {
		ws = append(ws, list...)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, w := range ws {
		w.in.Close()
		p.retire(w)
	}
	return nil
}

// PeakRSS is the largest resident set any worker reported, in bytes:
// what the budgets cost the machine. A worker ended by the runtime's own
// out-of-memory (its address-space cap) reports nothing.
func (p *Pool) PeakRSS() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peakRSS
}

type worker struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *tailBuffer
	budget int64
}

// start runs this binary as a worker. Args[0] is kept, so that a binary
// that picks its command by its name (testscript's) runs kiln again.
func start(budget int64) (*worker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("sandbox: %v", err)
	}
	cmd := exec.Command(exe)
	cmd.Args = []string{os.Args[0]}
	cmd.Env = append(os.Environ(), envWorker+"="+strconv.FormatInt(budget, 10))
	w := &worker{cmd: cmd, stderr: &tailBuffer{max: 4096}, budget: budget}
	cmd.Stderr = w.stderr
	if w.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.out = bufio.NewReader(out)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sandbox: start a worker: %v", err)
	}
	return w, nil
}

type exchangeResult struct {
	msg workerMsg
	err error
}

// exchange sends one request and answers the worker's reads until it
// sends the result.
func (w *worker) exchange(req request, read ReadFunc) exchangeResult {
	if err := writeFrame(w.in, req); err != nil {
		return exchangeResult{err: err}
	}
	for {
		var msg workerMsg
		if err := readFrame(w.out, &msg); err != nil {
			return exchangeResult{err: err}
		}
		if msg.Done {
			return exchangeResult{msg: msg}
		}
		var reply fileReply
		if data, err := read(msg.Read); err != nil {
			reply.Err, reply.NotExist = err.Error(), errors.Is(err, fs.ErrNotExist)
		} else {
			reply.Data = data
		}
		if err := writeFrame(w.in, reply); err != nil {
			return exchangeResult{err: err}
		}
	}
}

func (w *worker) kill() { _ = w.cmd.Process.Kill() }

// tailBuffer keeps the first and the last max/2 bytes written to it: a
// worker's standard error, whose first line says why the runtime ended it
// ("fatal error: out of memory") and whose last says what it was doing.
type tailBuffer struct {
	mu         sync.Mutex
	max        int
	head, tail []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if room := t.max/2 - len(t.head); room > 0 {
		k := min(room, len(p))
		t.head = append(t.head, p[:k]...)
		p = p[k:]
	}
	t.tail = append(t.tail, p...)
	if len(t.tail) > t.max/2 {
		t.tail = t.tail[len(t.tail)-t.max/2:]
	}
	return n, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.head) + string(t.tail)
}
