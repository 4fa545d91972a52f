// Package suggest finds what a user probably meant: the known name
// nearest a misspelled one, for did-you-mean messages and quick fixes.
package suggest

import "strings"

// Closest returns the candidate nearest to s by edit distance, when it is
// near enough to be a plausible typo (at most a third of its length, and
// case differences are free), or "".
func Closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/3+1
	for _, c := range candidates {
		d := distance(strings.ToLower(s), strings.ToLower(c))
		if d < bestDist || (d == bestDist && best == "" && d <= 2) {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance, counting a swap of two
// neighbouring letters (prot → port) as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
