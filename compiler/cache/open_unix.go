//go:build unix

package cache

import "syscall"

// openFlags open an entry without following a link in its place, nor
// waiting for a writer of a named pipe.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
