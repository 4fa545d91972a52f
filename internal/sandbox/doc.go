// Package sandbox runs evaluations of code a repository supplies (Jsonnet
// programs, CUE definitions and test constraints) in child processes of
// kiln, each under a memory budget and a deadline.
//
// A Go program cannot stop a goroutine, and neither go-jsonnet nor CUE
// takes a context: an evaluation that allocates without end (a Jsonnet
// std.makeArray of 200 million elements, a CUE list.Range of 100 million)
// would grow the process until the machine stops it, whatever timer the
// caller set. A child process can be stopped. The parent re-executes its
// own binary (os.Executable) with KILN_SANDBOX_WORKER set; main calls
// ServeIfWorker first thing, and the process becomes a worker that serves
// requests over its standard input and output.
//
// The budget holds in the worst case, not only on average: a worker
// watches its heap (runtime/metrics) and exits when an evaluation passes
// the budget, and its address space is capped by setrlimit(RLIMIT_AS), so
// a single allocation larger than the budget fails inside the runtime
// instead of reaching the machine. The deadline is the parent's: a worker
// still busy when it passes, or when the caller's context ends (an editor's
// newer keystroke, a closed document), is killed.
//
// Workers are kept in a Pool and reused, so the ordinary path pays a
// process start once per worker, not once per evaluation. A worker reads
// no file itself: every file an evaluation imports is asked of the
// parent, which reads it through the caller's ReadFile (confined to the
// repository, size-bounded, editor buffers layered over the disk) and so
// knows every input the evaluation read.
package sandbox
