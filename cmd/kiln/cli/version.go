package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at link time for releases (-ldflags "-X ...cli.Version=v1.2.3");
// otherwise it comes from the module version the binary was built from.
var Version = ""

func init() {
	commands = append(commands, &command{
		name:    "version",
		args:    "",
		short:   "print kiln's version",
		long:    "Version prints kiln's version and the Go toolchain and platform it was built with.",
		maxArgs: 0,
		run: func(env *Env, _ any, _ []string) int {
			fmt.Fprintf(env.Stdout, "kiln %s %s %s/%s\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return ExitClean
		},
	})
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "(devel)"
}
