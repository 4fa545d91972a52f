//go:build !linux

package sandbox

// capAddressSpace does nothing where kiln cannot read its own mapped
// size: the heap watchdog alone bounds a worker's memory there.
func capAddressSpace(budget int64) {}

// peakRSS is unknown where there is no /proc.
func peakRSS(pid string) int64 { return 0 }
