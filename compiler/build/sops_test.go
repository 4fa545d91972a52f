package build

import (
	"strings"
	"testing"
)

func TestCheckSOPS(t *testing.T) {
	const enc = "ENC[AES256_GCM,data:Zm9v,iv:YmFy,tag:YmF6,type:str]"
	const sops = "sops:\n  mac: " + enc + "\n"
	for _, tc := range []struct{ name, doc, want string }{
		{"encrypted", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata:\n  k: " + enc + "\n" + sops, ""},
		{"no stanza", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata:\n  k: " + enc + "\n", "not encrypted with SOPS"},
		{"plain mac", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nsops:\n  mac: abc\n", "not encrypted with SOPS"},
		{"plain value", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata:\n  k: c2VjcmV0\n" + sops, "holds data.k in plaintext"},
		{"not a secret", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n" + sops, "not a Secret manifest"},
		{"no name", "apiVersion: v1\nkind: Secret\n" + sops, "not a Secret manifest"},
		{"not yaml", "- [", "not a YAML Secret manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, msg := checkSOPS("s.yaml", []byte(tc.doc))
			if tc.want == "" && (msg != "" || name != "a") {
				t.Errorf("name %q, message %q", name, msg)
			}
			if tc.want != "" && !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want %q", msg, tc.want)
			}
		})
	}
}
