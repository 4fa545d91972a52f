package engine_test

import (
	"context"
	"fmt"
	"os"

	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/source"
)

// A stage's input holds everything its result depends on; what only reads
// the inputs is tagged key:"-". Holds re-checks the files a stored result
// recorded reading, which the key cannot know in advance.
func ExampleStage() {
	type checkIn struct {
		Def    *source.File
		Root   string
		Tests  []string
		ReadFn func(name string) ([]byte, error) `key:"-"`
	}
	type checkOut struct {
		Findings []string
		Deps     map[string]string // file name: what it read as
	}
	check := engine.Stage[checkIn, checkOut]{
		Name:    "check",
		Version: 1,
		Run: func(ctx context.Context, in checkIn) (checkOut, error) {
			return checkOut{Findings: []string{in.Def.Name + ": ok"}}, nil
		},
		Holds: func(in checkIn, out checkOut) bool {
			for name, was := range out.Deps {
				if b, err := in.ReadFn(name); err != nil || string(b) != was {
					return false
				}
			}
			return true
		},
	}
	e := engine.New(engine.Options{MemBytes: 1 << 20})
	in := checkIn{Def: source.NewFile("kiln.yaml", []byte("name: a\n")), Root: "/repo", ReadFn: os.ReadFile}
	for range 2 {
		out, hit, err := check.Do(context.Background(), e, in)
		fmt.Println(out.Findings, hit, err)
	}
	// Output:
	// [kiln.yaml: ok] false <nil>
	// [kiln.yaml: ok] true <nil>
}
