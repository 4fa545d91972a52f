package cli

import (
	"flag"
	"fmt"
	"time"
)

type cacheCmdOptions struct {
	cacheOptions
}

func init() {
	commands = append(commands, &command{
		name:  "cache",
		args:  "[flags] stats|trim|clean",
		short: "show, trim or empty kiln's cache",
		long: `Cache manages the directory where kiln check, kiln build (writing to
directories) and kiln lsp keep their results: --cache-dir,
else $KILN_CACHE, else kiln under the user cache directory
(~/.cache/kiln on Linux). Entries are keyed by a hash of everything they
were computed from (the app, its imports and the repository root they may
not leave, its tests and Dockerfile, the repository's policies, data and
configuration, the Kubernetes version and kiln itself), so a changed input
is a miss, never a stale answer; an entry that fails its checksum is a miss
and is rewritten. A result cut short (a Jsonnet evaluation past its time
limit, a check the editor abandoned) is reported and never stored.

	stats  entries, outputs, size and the oldest entry's age
	trim   remove entries unused for 5 days (check and build do this once a day)
	clean  remove every entry

kiln check, kiln build and kiln lsp also share results between machines
through a Bazel HTTP remote cache: --remote-cache URL (or
$KILN_REMOTE_CACHE) reads from it, --remote-cache-write (for trusted
branches only) writes to it, and a server that fails is a warning, never
a slower run by more than --remote-cache-timeout. Credentials come from
$KILN_REMOTE_CACHE_HEADER or a netrc file; see docs/remote-cache.md.

--no-cache on those commands neither reads nor writes the cache;
KILN_DEBUG=cacheverify=1 recomputes every hit and fails if a result differs
from the stored one; KILN_DEBUG=cachehash=1 prints every input of every key.`,
		minArgs: 1, maxArgs: 1,
		flags: func(fs *flag.FlagSet) any {
			o := &cacheCmdOptions{}
			fs.StringVar(&o.dir, "cache-dir", "", "the cache directory (default: $KILN_CACHE, or kiln under the user cache directory)")
			return o
		},
		run: func(env *Env, opts any, args []string) int {
			o := opts.(*cacheCmdOptions)
			eng, err := o.engine(env) // no remote: cache manages the directory only
			if err != nil {
				fmt.Fprintf(env.Stderr, "kiln cache: %v\n", err)
				return ExitBadInput
			}
			c := eng.Cache()
			if c == nil {
				return ExitBadInput // the engine has said why
			}
			switch args[0] {
			case "stats":
				s, err := c.Stats()
				if err != nil {
					fmt.Fprintf(env.Stderr, "kiln cache: %v\n", err)
					return ExitBadInput
				}
				age := "-"
				if !s.Oldest.IsZero() {
					age = time.Since(s.Oldest).Round(time.Minute).String()
				}
				fmt.Fprintf(env.Stdout, "directory: %s\nentries:   %d\noutputs:   %d\nsize:      %d bytes\noldest:    %s\n", c.Dir(), s.Entries, s.Outputs, s.Bytes, age)
			case "trim":
				n, err := c.Trim(true)
				if err != nil {
					fmt.Fprintf(env.Stderr, "kiln cache: %v\n", err)
					return ExitBadInput
				}
				fmt.Fprintf(env.Stdout, "removed %d files unused for 5 days\n", n)
			case "clean":
				if err := c.Clean(); err != nil {
					fmt.Fprintf(env.Stderr, "kiln cache: %v\n", err)
					return ExitBadInput
				}
				fmt.Fprintf(env.Stdout, "emptied %s\n", c.Dir())
			default:
				fmt.Fprintf(env.Stderr, "kiln cache: unknown action %q (valid: stats, trim, clean)\n", args[0])
				return ExitBadInput
			}
			return ExitClean
		},
	})
}
