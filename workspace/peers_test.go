package workspace

import "testing"

func TestNamesAppFindsTheNameFieldOnly(t *testing.T) {
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
		if got := namesApp([]byte(c.text), "app-12"); got != c.want {
			t.Errorf("namesApp(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
