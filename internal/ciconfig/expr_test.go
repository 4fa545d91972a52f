package ciconfig

import (
	"fmt"
	"slices"
	"testing"
)

func TestReferences(t *testing.T) {
	got := References(`${{ always() && inputs.sarif == 'true' && steps.check.outputs.sarif != '' && 'inputs.quoted' != x }}`)
	want := []string{"inputs.sarif", "steps.check.outputs.sarif"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := References("inputs.plain"); got != nil {
		t.Errorf("a reference outside ${{ }} is text: got %q", got)
	}
}

func TestExpand(t *testing.T) {
	lookup := func(ref string) (string, error) {
		if ref == "inputs.missing" {
			return "", fmt.Errorf("no %s", ref)
		}
		return "<" + ref + ">", nil
	}
	got, err := Expand("a ${{ inputs.fail-on }} b ${{steps.base.outputs.ref}}", lookup)
	if err != nil || got != "a <inputs.fail-on> b <steps.base.outputs.ref>" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"${{ inputs.a == 'b' }}", "${{ format('x', inputs.a) }}", "${{ 'lit' }}", "${{ inputs.missing }}"} {
		if _, err := Expand(bad, lookup); err == nil {
			t.Errorf("Expand(%q) succeeded", bad)
		}
	}
}
