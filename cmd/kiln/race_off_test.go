//go:build !race

package main

// race says the test binary runs under the race detector, which the
// scripts' [race] condition reads.
const race = false
