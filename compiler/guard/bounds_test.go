package guard

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostile is a repository policy whose deny rule evaluates body; the rule
// starts on line 11.
func hostile(body string) string {
	return `# METADATA
# title: T
# description: D.
# custom:
#   id: hostile
#   severity: error
#   remediation: R.
package kiln.rules.hostile

import rego.v1

deny contains msg if {
	` + body + `
	msg := "x"
}
`
}

func evalHostile(t *testing.T, body string, timeout time.Duration) (*EvalError, uint64) {
	t.Helper()
	b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"hostile.rego": hostile(body)}), NoBuiltin: true, Timeout: timeout})
	if ds != nil {
		t.Fatal(ds)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := b.Eval(context.Background(), Input{Environment: "prod"})
	runtime.ReadMemStats(&after)
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("%s: got %v, want an EvalError", body, err)
	}
	return ee, after.TotalAlloc - before.TotalAlloc
}

// TestBuiltinsThatGrowAValueAreBounded: each of these ran out of memory
// (or took minutes) before the bounds; now each is an error at the call's
// line, having allocated little.
func TestBuiltinsThatGrowAValueAreBounded(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`count(numbers.range(1, 2000000000)) > 0`, "numbers.range: the call would make 2000000000 numbers"},
		{`count(numbers.range(2000000000, 1)) > 0`, "numbers.range: the call would make 2000000000 numbers"},
		{`count(numbers.range_step(1, 2000000000, 2)) > 0`, "numbers.range_step: the call would make 1000000000 numbers"},
		{`count(net.cidr_expand("10.0.0.0/4")) > 0`, "net.cidr_expand: the call would make 2^28 addresses"},
		{`count(net.cidr_expand("::/64")) > 0`, "net.cidr_expand: the call would make 2^64 addresses"},
		{`s1 := concat("", ["xxxxxxxxxx" | some _ in numbers.range(1, 1000)])
	s2 := concat("", [s1 | some _ in numbers.range(1, 1000)])
	s3 := concat("", [s2 | some _ in numbers.range(1, 10)])
	s4 := concat("", [s3 | some _ in numbers.range(1, 10)])
	count(s4) > 0`, "concat: the call would make a string of 100000000 bytes"},
		{`s := concat("", ["x" | some _ in numbers.range(1, 1000000)])
	count(replace(s, "x", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) > 0`, "replace: the call would make a string over"},
		{`count(sprintf("%099999999d", [1])) > 0`, "sprintf: the call would make a string padded over"},
		{`a := numbers.range(1, 600000)
	count(array.concat(a, a)) > 0`, "array.concat: the call would make an array of 1200000 elements"},
	} {
		ee, alloc := evalHostile(t, c.body, time.Minute)
		if !strings.Contains(ee.Message, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.body, ee.Message, c.want)
		}
		if line, _ := ee.Pos.LineCol(); ee.Pos.File == nil || line < 13 {
			t.Errorf("%s: at line %d of %v, want the call's line in policy/hostile.rego", c.body, line, ee.Pos.File)
		}
		if alloc > 512<<20 {
			t.Errorf("%s: allocated %d MiB before refusing", c.body, alloc>>20)
		}
	}
}

// TestBoundsLetOrdinaryCallsThrough: a call under each bound answers as
// OPA does.
func TestBoundsLetOrdinaryCallsThrough(t *testing.T) {
	for _, body := range []string{
		`count(numbers.range(1, 1000000)) == 1000000`,
		`count(numbers.range_step(0, 10, 5)) == 3`,
		`count(net.cidr_expand("10.0.0.0/24")) == 256`,
		`concat(", ", ["a", "b"]) == "a, b"`,
		`replace("a.b", ".", "::") == "a::b"`,
		`strings.replace_n({"a": "bb"}, "aa") == "bbbb"`,
		`sprintf("%05d|%.2f|%s", [42, 3.14159, "x"]) == "00042|3.14|x"`,
		`count(array.concat([1], [2])) == 2`,
	} {
		b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"ok.rego": hostile(body)}), NoBuiltin: true})
		if ds != nil {
			t.Fatal(ds)
		}
		found, err := b.Eval(context.Background(), Input{Environment: "prod"})
		if err != nil || len(found) != 1 {
			t.Errorf("%s: got %v, %v; want one finding", body, found, err)
		}
	}
}

// TestAnEvaluationPastItsTimeIsInterrupted: a rule that iterates for ever
// within the bounds of every builtin is stopped by the time bound, with a
// code no cache keeps.
func TestAnEvaluationPastItsTimeIsInterrupted(t *testing.T) {
	start := time.Now()
	ee, _ := evalHostile(t, `r := numbers.range(1, 1000000)
	n := count([x | some x in r; some y in r; x == y + 1])
	n > 0`, 200*time.Millisecond)
	if ee.Code != codeTimeout || !Interrupted(ee.Diagnostic().Code) || !strings.Contains(ee.Message, "did not finish within 200ms") {
		t.Errorf("got %+v", ee)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the evaluation went on for %s after its bound", d)
	}
}

func TestNondeterministicBuiltinsAreRefused(t *testing.T) {
	for _, call := range []string{`rand.intn("x", 10)`, `uuid.rfc4122("x")`} {
		_, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"r.rego": hostile(fmt.Sprintf("%s != null", call))}), NoBuiltin: true})
		if ds == nil || !strings.Contains(ds[0].Message, "is not available to guardrails") {
			t.Errorf("%s: got %v", call, ds)
		}
	}
}

// TestMemoryBudget: a comprehension that grows a value step by step, no
// one builtin call over its bound, is stopped by the memory watch.
func TestMemoryBudget(t *testing.T) {
	body := `xs := [sprintf("%d-%d", [i, j]) | some i in numbers.range(1, 1000000); some j in numbers.range(1, 100)]
	count(xs) > 0`
	b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"hostile.rego": hostile(body)}), NoBuiltin: true, Timeout: time.Minute, Memory: 128 << 20})
	if ds != nil {
		t.Fatal(ds)
	}
	start := time.Now()
	_, err := b.Eval(context.Background(), Input{Environment: "prod"})
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Code != "policy/memory" || !Interrupted(ee.Code) {
		t.Fatalf("got %v, want policy/memory", err)
	}
	t.Logf("stopped after %v: %s", time.Since(start).Round(time.Millisecond), ee.Message)
}
