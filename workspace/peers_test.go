package workspace

import (
	"os"
	"path/filepath"
	"testing"
)

// writeIn returns what writes a file under dir, its directories first,
// and returns its path.
func writeIn(t *testing.T, dir string) func(name, content string) string {
	return func(name, content string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

func TestHasFieldFindsTheFieldOnly(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"metadata:\n  name: app-12\n", true},
		{"metadata: {name: app-12, owner: t}\n", true},
		{`{"metadata": {"name": "app-12"}}`, true},
		{"metadata:\n  name: 'app-12' # the app\n", true},
		{"metadata:\n  name: app-120\n", false},
		{"metadata:\n  name: xapp-12\n", false},
		{"spec:\n  image: r/app-12:1.0\n", false},
		{"spec:\n  dependsOn: [{app: app-12}]\n", false},
	} {
		if got := hasField([]byte(c.text), "name", "app-12"); got != c.want {
			t.Errorf("hasField(%q, name) = %v, want %v", c.text, got, c.want)
		}
	}
	for _, c := range []struct {
		text string
		want bool
	}{
		{"spec:\n  dependsOn: [{app: app-12, port: admin}]\n", true},
		{"spec:\n  dependsOn:\n    - app: app-12\n", true},
		{"metadata:\n  name: app-12\n", false},
	} {
		if got := hasField([]byte(c.text), "app", "app-12"); got != c.want {
			t.Errorf("hasField(%q, app) = %v, want %v", c.text, got, c.want)
		}
	}
}
