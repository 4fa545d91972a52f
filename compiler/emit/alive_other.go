//go:build !unix

package emit

// alive cannot tell elsewhere: a leftover of another process is kept.
func alive(pid int) bool { return true }
