package sandbox

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// addressSlack is address space beyond the budget that the runtime needs
// to work near it: heap arenas are reserved 64 MiB at a time, and the
// collector's metadata and new threads' stacks take their share.
const addressSlack = 512 << 20

// capAddressSpace limits the worker's address space to what it maps now
// plus the budget and some slack, so that no allocation, however large,
// takes more memory than that: mmap fails, and the runtime ends the
// process with "out of memory".
func capAddressSpace(budget int64) {
	used := vmSize()
	if used == 0 {
		return // without /proc the heap watchdog alone bounds memory
	}
	limit := uint64(used + budget + addressSlack)
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit})
}

// vmSize is the process's mapped address space in bytes.
func vmSize() int64 { return procStatus("self", "VmSize:") }

// peakRSS is process pid's ("self" for this one) peak resident set in
// bytes, or 0 when it cannot be read. The rusage wait returns is no
// measure of a worker: Linux carries the parent's peak into a child
// started with vfork, as Go starts every child, across its exec.
func peakRSS(pid string) int64 { return procStatus(pid, "VmHWM:") }

// procStatus reads one size from /proc/PID/status, in bytes.
func procStatus(pid, key string) int64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), key); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
