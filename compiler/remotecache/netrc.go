package remotecache

import "strings"

// A netrc file is parsed here rather than with a library: the format is
// a handful of keywords, and the Go packages for it are forks of one
// left unmaintained for a decade. This reads what curl and the go command
// read: machine, default, login, password, account, and macdef bodies
// (skipped to the next blank line), and lines that begin with #.

// A machine is one entry of a netrc file; name "" is the default entry.
type machine struct {
	name, login, password string
}

// parseNetrc returns the entries of a netrc file in order. Unknown
// keywords are skipped with their value, as curl does.
func parseNetrc(text string) []machine {
	var out []machine
	var cur *machine
	toks := netrcTokens(text)
	for i := 0; i < len(toks); i++ {
		next := func() string {
			if i+1 < len(toks) {
				i++
				return toks[i]
			}
			return ""
		}
		switch toks[i] {
		case "machine":
			out = append(out, machine{name: next()})
			cur = &out[len(out)-1]
		case "default":
			out = append(out, machine{})
			cur = &out[len(out)-1]
		case "login":
			if v := next(); cur != nil {
				cur.login = v
			}
		case "password":
			if v := next(); cur != nil {
				cur.password = v
			}
		default:
			next() // account, or a keyword of another tool, and its value
		}
	}
	return out
}

// netrcTokens splits the file into words, leaving out comments and the
// bodies of macro definitions.
func netrcTokens(text string) []string {
	var toks []string
	inMacro := false
	for _, line := range strings.Split(text, "\n") {
		if inMacro {
			inMacro = strings.TrimSpace(line) != ""
			continue
		}
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.HasPrefix(fields[0], "#") {
			continue // a comment; a # later in a line may begin a password
		}
		for i, f := range fields {
			if f == "macdef" {
				inMacro = true
				if i+1 < len(fields) {
					toks = append(toks, f, fields[i+1])
				}
				break
			}
			toks = append(toks, f)
		}
	}
	return toks
}

// lookupNetrc returns the first entry for host with a login, else the
// default entry.
func lookupNetrc(ms []machine, host string) (machine, bool) {
	for _, m := range ms {
		if m.name != "" && strings.EqualFold(m.name, host) && m.login != "" {
			return m, true
		}
	}
	for _, m := range ms {
		if m.name == "" && m.login != "" {
			return m, true
		}
	}
	return machine{}, false
}
