package sandbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// envWorker names the variable that makes a kiln process a worker; its
// value is the memory budget in bytes.
const envWorker = "KILN_SANDBOX_WORKER"

// exitMemory is a worker's exit status when its watchdog found the
// budget passed; the runtime's own "out of memory" (the address-space cap)
// exits 2 and says so on standard error.
const exitMemory = 3

// A ReadFunc reads a file an evaluation imports.
type ReadFunc func(name string) ([]byte, error)

// A Handler runs one task in a worker: req is the caller's request, read
// asks the parent for a file. Its result is sent back as JSON.
type Handler func(req json.RawMessage, read ReadFunc) (any, error)

var (
	handlersMu sync.Mutex
	handlers   = map[string]Handler{}
)

// Register makes a task known to workers. Packages register their tasks
// in init, so that a worker (the same binary) knows every task its parent
// may send.
func Register(task string, h Handler) {
	handlersMu.Lock()
	defer handlersMu.Unlock()
	if _, dup := handlers[task]; dup {
		panic("sandbox: task " + task + " registered twice")
	}
	handlers[task] = h
}

func handler(task string) Handler {
	handlersMu.Lock()
	defer handlersMu.Unlock()
	return handlers[task]
}

// IsWorker reports whether this process was started as a worker.
func IsWorker() bool {
	_, ok := os.LookupEnv(envWorker)
	return ok
}

// ServeIfWorker turns this process into a worker when its parent started
// it as one, and then never returns. main calls it before anything but
// the collector's settings.
func ServeIfWorker() {
	v, ok := os.LookupEnv(envWorker)
	if !ok {
		return
	}
	budget, err := strconv.ParseInt(v, 10, 64)
	if err != nil || budget <= 0 {
		fmt.Fprintf(os.Stderr, "kiln sandbox: %s=%q is not a memory budget\n", envWorker, v)
		os.Exit(2)
	}
	os.Exit(serve(budget))
}

// serve answers requests until its parent closes standard input.
func serve(budget int64) int {
	// Standard output carries the protocol; anything else written to it
	// by a library would corrupt a frame, so it goes to standard error.
	out := bufio.NewWriter(os.Stdout)
	os.Stdout = os.Stderr
	in := bufio.NewReader(os.Stdin)

	limit := heapBytes() + budget
	debug.SetMemoryLimit(limit)
	capAddressSpace(budget)
	for {
		var req request
		if err := readFrame(in, &req); err != nil {
			return 0 // the parent is done with this worker
		}
		stop := watch(limit)
		msg := run(req, in, out)
		stop()
		msg.Peak = peakRSS("self")
		if err := writeFrame(out, msg); err != nil || out.Flush() != nil {
			return 1
		}
		if heapBytes() > 64<<20 {
			debug.FreeOSMemory() // the next evaluation starts from a small heap
		}
	}
}

// run runs one request's task, turning a panic into an error: the CUE
// evaluator has panicked on inputs it did not expect.
func run(req request, in *bufio.Reader, out *bufio.Writer) (msg workerMsg) {
	defer func() {
		if r := recover(); r != nil {
			msg = workerMsg{Done: true, Err: fmt.Sprintf("the evaluator failed: %v", r)}
		}
	}()
	read := func(name string) ([]byte, error) {
		if err := writeFrame(out, workerMsg{Read: name}); err != nil {
			return nil, err
		}
		if err := out.Flush(); err != nil {
			return nil, err
		}
		var reply fileReply
		if err := readFrame(in, &reply); err != nil {
			return nil, err
		}
		if reply.NotExist {
			return nil, fmt.Errorf("%s: %w", reply.Err, fs.ErrNotExist)
		}
		if reply.Err != "" {
			return nil, errors.New(reply.Err)
		}
		return reply.Data, nil
	}
	res, err := Run(req.Task, req.Req, read)
	if err != nil {
		return workerMsg{Done: true, Err: err.Error()}
	}
	return workerMsg{Done: true, Result: res}
}

// watch samples the heap while an evaluation runs and ends the process
// once it holds more than limit bytes. Sampling every millisecond costs a
// few microseconds each; an allocation faster than that is stopped by the
// address-space cap instead.
func watch(limit int64) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if heapBytes() > limit {
					fmt.Fprintf(os.Stderr, "kiln sandbox: the evaluation passed its memory budget\npeak=%d\n", peakRSS("self"))
					os.Exit(exitMemory)
				}
			}
		}
	}()
	return func() { close(done) }
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

// heapBytes is the memory held by heap objects, live or not yet swept.
func heapBytes() int64 {
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() != metrics.KindUint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	return int64(heapSample[0].Value.Uint64())
}

// Run runs a registered task in this process and returns its result as
// JSON: what a worker does with a request, and what a caller without a
// pool does instead, so that both ways share one code path.
func Run(task string, req json.RawMessage, read ReadFunc) ([]byte, error) {
	h := handler(task)
	if h == nil {
		return nil, &TaskError{Msg: "unknown task " + strconv.Quote(task)}
	}
	res, err := h(req, read)
	if err != nil {
		return nil, &TaskError{Msg: err.Error()}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, &TaskError{Msg: err.Error()}
	}
	return b, nil
}
