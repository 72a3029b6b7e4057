// Package golden records the golden documents the federation, service
// and web tests compare what the node makes against (their
// testdata/golden), when a test runs with -update:
//
//	go test ./service -run Golden -args -update
//
// The documents are written with their keys sorted and HTML unescaped,
// as people read them in FEDERATION.md's examples (docs/examples_test.go
// checks those against the same files). Read the diff before committing.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Update is set by -update: the tests rewrite their golden documents
// from what the code makes now instead of comparing.
var Update = flag.Bool("update", false, "rewrite testdata/golden from what the code makes")

// Write records doc as the golden document name in testdata/golden.
func Write(t testing.TB, name string, doc []byte) {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "golden", name+".json"), out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
