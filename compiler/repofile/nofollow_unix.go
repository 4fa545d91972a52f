//go:build unix

package repofile

import "syscall"

// noFollow makes an open fail on a symbolic link (ELOOP) instead of
// following it.
const noFollow = syscall.O_NOFOLLOW
