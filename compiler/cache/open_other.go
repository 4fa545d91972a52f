//go:build !unix

package cache

// openFlags: elsewhere the regular-file check after opening must do.
const openFlags = 0
