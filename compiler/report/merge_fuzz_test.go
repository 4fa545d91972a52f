package report

import (
	"bytes"
	"io"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
)

// FuzzMerge feeds kiln report merge any bytes as a shard's report: it
// refuses what is no kiln check report, and what it accepts merges, alone
// and with itself refused as a repeated shard or merged whole, into every
// format without a panic, whatever the positions and fields claim.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"version":1,"kiln":"v1","files":[],"diagnostics":[],"scope":{"checked":[],"unaffected":[],"total":0}}`))
	f.Add([]byte(`{"version":1,"kiln":"v1","files":[{"file":"a.yaml","valid":true}],"diagnostics":[{"file":"a.yaml","line":3,"column":99,"endLine":1,"endColumn":0,"severity":"error","code":"x","message":"m"}],"scope":{"shard":"1/1","checked":["a.yaml"],"unaffected":[],"total":1}}`))
	f.Add([]byte(`{"version":1,"kiln":"v1","files":[],"diagnostics":[{"file":"b","line":-4,"column":-1,"severity":"bogus"}],"tests":[{"file":"t","name":"n","status":"failed","failures":[{"file":"t","line":1000000}]}],"scope":{"shard":"2/3","checked":[],"unaffected":[],"total":2}}`))
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadPart("fuzz.json", data)
		if err != nil {
			return
		}
		read := func(name string) []byte {
			if name == "a.yaml" {
				return []byte("a: 1\nb: 2\n")
			}
			return nil
		}
		m, err := Merge([]*Part{p}, read)
		if err != nil {
			return
		}
		for _, format := range Formats {
			if err := Write(io.Discard, format, m.Files, m.Diagnostics, m.Options); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
		m.ExitCode(diag.Error)
		var buf bytes.Buffer
		if err := JSONWith(&buf, m.Files, m.Diagnostics, m.Options); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPart("again.json", buf.Bytes()); err != nil {
			t.Fatalf("a merged report does not read back: %v\n%s", err, buf.Bytes())
		}
	})
}
