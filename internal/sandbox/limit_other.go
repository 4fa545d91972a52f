//go:build !linux

package sandbox

// capAddressSpace does nothing where kiln cannot read its own mapped
// size: the heap watchdog alone bounds a worker's memory there.
func capAddressSpace(budget int64) {}
