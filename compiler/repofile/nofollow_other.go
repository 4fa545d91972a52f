//go:build !unix

package repofile

// noFollow is 0 where the system has no O_NOFOLLOW: every open then
// resolves its path first.
const noFollow = 0
