package guard

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// The bounds on one evaluation of the guardrails. A policy comes with a
// pull request like any other file, so a rule must not be able to hold
// the gate for ever or grow a value until the machine runs out of memory.
const (
	// DefaultTimeout bounds one evaluation (one environment of one app,
	// or one file of kiln lint); Options.Timeout (.kiln/config.yaml's
	// policyTimeout) overrides it.
	DefaultTimeout = 10 * time.Second
	// MaxGenerated is the most elements one builtin call may generate
	// (numbers.range, net.cidr_expand, array.concat): a million numbers
	// are tens of megabytes as Rego terms.
	MaxGenerated = 1_000_000
	// MaxString is the longest string one builtin call may build
	// (concat, sprintf, replace): 16 MiB, the bound on any file kiln reads.
	MaxString = 16 << 20
)

// The codes of an evaluation stopped before its end: facts about one run,
// which no cache may keep (see Interrupted).
const (
	codeTimeout   = "policy/timeout"
	codeMemory    = "policy/memory"
	codeCancelled = "policy/cancelled"
)

// Interrupted reports whether a diagnostic's code tells of guardrails cut
// short (past their time bound, or abandoned by the caller) rather than of
// the inputs they judged.
func Interrupted(code string) bool {
	return code == codeTimeout || code == codeMemory || code == codeCancelled
}

// errBound is returned by a bounded builtin; OPA reports it at the call's
// line in the policy, after the builtin's name, as for any builtin error.
func errBound(what string, limit int) error {
	return fmt.Errorf("the call would make %s, over the bound of %d on one call to a builtin in guardrails", what, limit)
}

// OPA keeps one table of builtin implementations per process, and a
// query's own functions cannot replace a builtin's (topdown looks the
// table up first), so the bounds wrap the table's entries. kiln's
// guardrails are the only Rego this process runs.
func init() {
	bound("numbers.range", func(ops []*ast.Term) error { return rangeBound(ops, big.NewInt(1)) })
	bound("numbers.range_step", func(ops []*ast.Term) error {
		step, ok := bigInt(ops, 2)
		if !ok || step.Sign() <= 0 {
			return nil // the builtin itself refuses it
		}
		return rangeBound(ops, step)
	})
	bound("net.cidr_expand", cidrBound)
	bound("concat", concatBound)
	bound("array.concat", func(ops []*ast.Term) error {
		n := 0
		for _, op := range ops {
			if a, ok := op.Value.(*ast.Array); ok {
				n += a.Len()
			}
		}
		if n > MaxGenerated {
			return errBound(fmt.Sprintf("an array of %d elements", n), MaxGenerated)
		}
		return nil
	})
	bound("replace", replaceBound)
	bound("strings.replace_n", replaceNBound)
	bound("sprintf", sprintfBound)
}

// bound wraps the builtin called name with check, which sees its operands
// before it runs and refuses a call whose result would exceed a bound.
func bound(name string, check func([]*ast.Term) error) {
	f := topdown.GetBuiltin(name)
	if f == nil {
		panic("guard: OPA has no builtin " + name) // caught by the tests on an OPA upgrade
	}
	topdown.RegisterBuiltinFunc(name, func(bctx topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
		if err := check(ops); err != nil {
			return err
		}
		return f(bctx, ops, iter)
	})
}

func bigInt(ops []*ast.Term, i int) (*big.Int, bool) {
	if i >= len(ops) {
		return nil, false
	}
	n, ok := ops[i].Value.(ast.Number)
	if !ok {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok || !r.IsInt() {
		return nil, false
	}
	return r.Num(), true
}

// rangeBound refuses a range of more than MaxGenerated numbers from
// ops[0] to ops[1] by step.
func rangeBound(ops []*ast.Term, step *big.Int) error {
	x, ok1 := bigInt(ops, 0)
	y, ok2 := bigInt(ops, 1)
	if !ok1 || !ok2 {
		return nil // the builtin itself reports the type error
	}
	n := new(big.Int).Abs(new(big.Int).Sub(y, x))
	n.Quo(n, step)
	n.Add(n, big.NewInt(1))
	if n.Cmp(big.NewInt(MaxGenerated)) > 0 {
		return errBound(n.String()+" numbers", MaxGenerated)
	}
	return nil
}

func cidrBound(ops []*ast.Term) error {
	s, ok := ops[0].Value.(ast.String)
	if !ok {
		return nil
	}
	_, network, err := net.ParseCIDR(string(s))
	if err != nil {
		return nil // the builtin itself reports it
	}
	ones, bits := network.Mask.Size()
	if bits-ones > 20 { // 2^20 = 1,048,576 > MaxGenerated
		return errBound(fmt.Sprintf("2^%d addresses", bits-ones), MaxGenerated)
	}
	if n := 1 << (bits - ones); n > MaxGenerated {
		return errBound(fmt.Sprintf("%d addresses", n), MaxGenerated)
	}
	return nil
}

func concatBound(ops []*ast.Term) error {
	sep, ok := ops[0].Value.(ast.String)
	if !ok {
		return nil
	}
	n, count := 0, 0
	add := func(t *ast.Term) {
		if s, ok := t.Value.(ast.String); ok {
			n += len(s)
		}
		count++
	}
	switch c := ops[1].Value.(type) {
	case *ast.Array:
		c.Foreach(add)
	case ast.Set:
		c.Foreach(add)
	}
	if count > 1 {
		n += (count - 1) * len(sep)
	}
	if n > MaxString {
		return errBound(fmt.Sprintf("a string of %d bytes", n), MaxString)
	}
	return nil
}

// replaceBound bounds replace(s, old, new): every old becomes new.
func replaceBound(ops []*ast.Term) error {
	s, ok1 := ops[0].Value.(ast.String)
	old, ok2 := ops[1].Value.(ast.String)
	repl, ok3 := ops[2].Value.(ast.String)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	return replacedLen(string(s), map[string]string{string(old): string(repl)})
}

// replaceNBound bounds strings.replace_n(patterns, s).
func replaceNBound(ops []*ast.Term) error {
	patterns, ok1 := ops[0].Value.(ast.Object)
	s, ok2 := ops[1].Value.(ast.String)
	if !ok1 || !ok2 {
		return nil
	}
	m := map[string]string{}
	patterns.Foreach(func(k, v *ast.Term) {
		ks, ok1 := k.Value.(ast.String)
		vs, ok2 := v.Value.(ast.String)
		if ok1 && ok2 {
			m[string(ks)] = string(vs)
		}
	})
	return replacedLen(string(s), m)
}

// replacedLen refuses a replacement whose result, at worst, is longer
// than MaxString: each pattern counted as if it alone were replaced.
func replacedLen(s string, m map[string]string) error {
	n := len(s)
	for old, repl := range m {
		if len(repl) <= len(old) {
			continue
		}
		count := len(s) + 1 // an empty old matches between every byte
		if old != "" {
			count = strings.Count(s, old)
		}
		n += count * (len(repl) - len(old))
		if n > MaxString || n < 0 {
			return errBound("a string over "+fmt.Sprint(MaxString)+" bytes", MaxString)
		}
	}
	return nil
}

// sprintfBound bounds sprintf: its string operands are each bounded
// already, so a verb's width or precision is the one way to grow it past
// them (%099999999d); an object operand prints no larger than the
// documents and data it came from, which are bounded by their size.
func sprintfBound(ops []*ast.Term) error {
	f, ok := ops[0].Value.(ast.String)
	if !ok {
		return nil
	}
	if hugeWidth(string(f)) {
		return errBound("a string padded over "+fmt.Sprint(MaxString)+" bytes", MaxString)
	}
	n := len(f)
	if a, ok := ops[1].Value.(*ast.Array); ok {
		a.Foreach(func(t *ast.Term) {
			if s, ok := t.Value.(ast.String); ok {
				n += len(s)
			}
		})
	}
	if n > MaxString {
		return errBound(fmt.Sprintf("a string of about %d bytes", n), MaxString)
	}
	return nil
}

// hugeWidth reports whether a format has a verb whose width or precision
// (%99999999d, %.99999999f) exceeds MaxString.
func hugeWidth(f string) bool {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && strings.IndexByte("+-# 0", f[i]) >= 0 {
			i++
		}
		for _, part := range []bool{true, false} { // the width, then the precision
			if !part {
				if i >= len(f) || f[i] != '.' {
					break
				}
				i++
			}
			n := 0
			for ; i < len(f) && f[i] >= '0' && f[i] <= '9'; i++ {
				if n = n*10 + int(f[i]-'0'); n > MaxString {
					return true
				}
			}
		}
	}
	return false
}

// stopped is an evaluation that OPA cancelled: past its time bound, or
// abandoned by the caller's context.
func stopped(ctx context.Context, d time.Duration) *EvalError {
	if errors.Is(context.Cause(ctx), errOverMemory) {
		return &EvalError{Code: codeMemory, Message: "the guardrails grew kiln's memory past their budget (policyMemory in .kiln/config.yaml, --policy-memory): a rule builds too large a value"}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &EvalError{Code: codeTimeout, Message: fmt.Sprintf("the guardrails did not finish within %s, the bound on one evaluation (policyTimeout in .kiln/config.yaml): a rule iterates over too much", d)}
	}
	return &EvalError{Code: codeCancelled, Message: "the guardrails' evaluation was cancelled"}
}

// cancelled reports whether err is OPA's answer to a cancelled context.
func cancelled(err error) bool {
	var te *topdown.Error
	return errors.As(err, &te) && te.Code == topdown.CancelErr
}
