package guard

// Warm starts compiling a bundle loaded with Options.Lazy in the
// background, for a caller that knows an evaluation will follow and has
// other work to do first: the compilation then runs beside that work
// instead of before the first evaluation. The first Eval waits for it;
// its errors are Eval's, as without Warm.
func (b *Bundle) Warm() {
	go b.compile()
}
