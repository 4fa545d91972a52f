package schema

import (
	"strings"
	"testing"
	"time"
)

// A quantity is refused, quickly, before apimachinery parses it when its
// exponent or its length would make parsing take minutes.
func TestQuantityBounds(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want string // a part of the error; "" for none
	}{
		{"250m", ""},
		{"1Gi", ""},
		{"1E", ""}, // exa
		{"1e3", ""},
		{"5E-2", ""},
		{"1e99", ""},
		{"1e-0000099", ""},
		{"1e-999999999", "has the exponent e-999999999; kiln reads quantities with exponents from e-99 to e99"},
		{"1E+100", "has the exponent E+100"},
		{"1e99999999999999999999999999", "has the exponent"},
		{"0." + strings.Repeat("0", 100) + "1", "is 103 characters long; kiln reads quantities of at most 64"},
		{"1e", "is not a Kubernetes quantity"},
		{"-1", "must not be negative"},
	} {
		start := time.Now()
		err := quantity(tc.q)
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: took %s", tc.q, took)
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.q, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.q, err, tc.want)
		}
	}
}
