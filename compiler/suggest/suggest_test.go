package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"port", "protocol", "image", "resources", "scaling"}
	for in, want := range map[string]string{
		"prot": "port", "Port": "port", "imgae": "image", "resource": "resources",
		"protocl": "protocol", "scalling": "scaling", "zzz": "", "environment": "",
	} {
		if got := Closest(in, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}
