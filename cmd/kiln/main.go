// Command kiln compiles one app definition into everything the platform
// needs, and checks it. Run `kiln help` for the commands.
package main

import (
	"os"

	"github.com/kilnhq/kiln/cmd/kiln/cli"
	_ "github.com/kilnhq/kiln/cmd/kiln/internal/initgc" // no collection before main
)

func main() { os.Exit(cli.Main()) }
