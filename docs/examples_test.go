package docs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// elided is the one elision an example may make: a string value "…"
// stands for whatever value the golden document has under that key (key
// material, made afresh on each run, which the golden files mask).
const elided = "…"

// goldenDirs are the folders whose files the golden tests of service,
// federation and web make and check; an example names one of their files.
var goldenDirs = []string{"service/testdata/golden/", "federation/testdata/golden/", "web/testdata/golden/"}

// marker is the comment that precedes an example, naming the golden file
// (relative to the repository root) the example shows.
var marker = regexp.MustCompile(`^<!-- example: (\S+) -->$`)

// example is one fenced block of FEDERATION.md with JSON in it.
type example struct {
	line   int    // of the opening fence, 1-based
	golden string // what its marker names, "" when it has none
	body   []byte // the JSON: the whole block, or an HTTP message's body
}

// examples reads the fenced blocks of a Markdown text: every ```json block,
// and every ```http block that has a body (after its first empty line).
// A marker applies to the block that opens on the next line; a marker
// followed by anything else is an error.
func examples(md []byte) ([]example, error) {
	var out []example
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(nil, 1<<20)
	n, golden, markerLine := 0, "", 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if m := marker.FindStringSubmatch(line); m != nil {
			if golden != "" {
				return nil, fmt.Errorf("line %d: marker of line %d is followed by no example", n, markerLine)
			}
			golden, markerLine = m[1], n
			continue
		}
		lang, fence := strings.CutPrefix(line, "```")
		if !fence {
			if golden != "" {
				return nil, fmt.Errorf("line %d: marker of line %d is followed by no example", n, markerLine)
			}
			continue
		}
		start := n
		var block []string
		closed := false
		for sc.Scan() {
			n++
			if sc.Text() == "```" {
				closed = true
				break
			}
			block = append(block, sc.Text())
		}
		if !closed {
			return nil, fmt.Errorf("line %d: the block is not closed", start)
		}
		ex := example{line: start, golden: golden}
		golden = ""
		switch lang {
		case "json":
			ex.body = []byte(strings.Join(block, "\n"))
		case "http":
			i := slices.Index(block, "")
			if i < 0 {
				if ex.golden != "" {
					return nil, fmt.Errorf("line %d: an HTTP example without a body has a marker", start)
				}
				continue
			}
			ex.body = []byte(strings.Join(block[i+1:], "\n"))
		default:
			if ex.golden != "" {
				return nil, fmt.Errorf("line %d: a ```%s block has a marker", start, lang)
			}
			continue
		}
		out = append(out, ex)
	}
	if golden != "" {
		return nil, fmt.Errorf("marker of line %d is followed by no example", markerLine)
	}
	return out, sc.Err()
}

// decode reads exactly one JSON value, numbers kept as written.
func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// differences lists where the example ex differs from the golden document
// want, as JSON values: the same keys, the same array lengths, the same
// values, but that a string "…" in ex stands for any value.
func differences(ex, want any, path string) []string {
	if s, ok := ex.(string); ok && s == elided {
		return nil
	}
	switch e := ex.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: the example has an object, the node %s", path, show(want))}
		}
		var out []string
		keys := map[string]bool{}
		for k := range e {
			keys[k] = true
		}
		for k := range w {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			ev, inEx := e[k]
			wv, inWant := w[k]
			switch {
			case !inWant:
				out = append(out, fmt.Sprintf("%s/%s: in the example, not in what the node sends", path, k))
			case !inEx:
				out = append(out, fmt.Sprintf("%s/%s: the node sends %s, the example leaves it out", path, k, show(wv)))
			default:
				out = append(out, differences(ev, wv, path+"/"+k)...)
			}
		}
		return out
	case []any:
		w, ok := want.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: the example has an array, the node %s", path, show(want))}
		}
		if len(e) != len(w) {
			return []string{fmt.Sprintf("%s: the example has %d items, the node sends %d: %s", path, len(e), len(w), show(want))}
		}
		var out []string
		for i := range e {
			out = append(out, differences(e[i], w[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	if !reflect.DeepEqual(ex, want) {
		return []string{fmt.Sprintf("%s: the example has %s, the node sends %s", path, show(ex), show(want))}
	}
	return nil
}

func show(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// TestFederationExamplesAreWhatTheNodeSends: every JSON example of
// FEDERATION.md (a ```json block, or the body of an ```http one) is
// preceded by a marker naming a golden document of service, federation or
// web, and equals it as a JSON value, but for the "…" elisions. The golden
// tests make those documents through the real use cases and handlers, so
// an example cannot drift from what the node sends.
func TestFederationExamplesAreWhatTheNodeSends(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", "FEDERATION.md"))
	if err != nil {
		t.Fatal(err)
	}
	exs, err := examples(md)
	if err != nil {
		t.Fatalf("FEDERATION.md: %v", err)
	}
	if len(exs) == 0 {
		t.Fatal("FEDERATION.md has no JSON examples")
	}
	for _, ex := range exs {
		t.Run(fmt.Sprintf("line %d", ex.line), func(t *testing.T) {
			if ex.golden == "" {
				t.Fatalf("FEDERATION.md:%d: the example has no <!-- example: FILE --> marker naming the golden document it shows", ex.line)
			}
			if !underGolden(ex.golden) {
				t.Fatalf("FEDERATION.md:%d: %s is not in %s", ex.line, ex.golden, strings.Join(goldenDirs, ", "))
			}
			b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(ex.golden)))
			if err != nil {
				t.Fatalf("FEDERATION.md:%d: %v", ex.line, err)
			}
			want, err := decode(b)
			if err != nil {
				t.Fatalf("%s: %v", ex.golden, err)
			}
			got, err := decode(ex.body)
			if err != nil {
				t.Fatalf("FEDERATION.md:%d: the example is not JSON: %v", ex.line, err)
			}
			for _, d := range differences(got, want, "") {
				t.Errorf("FEDERATION.md:%d (%s) %s", ex.line, ex.golden, d)
			}
		})
	}
}

// underGolden reports whether path is a JSON file directly in one of the
// golden folders.
func underGolden(path string) bool {
	for _, d := range goldenDirs {
		if rest, ok := strings.CutPrefix(path, d); ok && !strings.Contains(rest, "/") && strings.HasSuffix(rest, ".json") {
			return true
		}
	}
	return false
}

// TestExamplesCheckCanFail: the reader finds blocks without a marker and
// stray markers, and the comparison names each kind of difference while
// taking "…" for any value.
func TestExamplesCheckCanFail(t *testing.T) {
	md := "text\n<!-- example: service/testdata/golden/a.json -->\n```json\n{\"a\": 1}\n```\n\n```json\n[]\n```\n" +
		"```http\nGET / HTTP/1.1\n```\n<!-- example: web/testdata/golden/b.json -->\n```http\nPOST / HTTP/1.1\n\n{}\n```\n"
	exs, err := examples([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 3 || exs[0].golden != "service/testdata/golden/a.json" || exs[1].golden != "" || exs[2].golden != "web/testdata/golden/b.json" ||
		string(exs[2].body) != "{}" {
		t.Errorf("examples read as %+v", exs)
	}
	for _, bad := range []string{
		"<!-- example: service/testdata/golden/a.json -->\n\n```json\n{}\n```\n",
		"<!-- example: service/testdata/golden/a.json -->\n```go\nx\n```\n",
		"```json\n{}\n",
		"<!-- example: service/testdata/golden/a.json -->\n",
	} {
		if _, err := examples([]byte(bad)); err == nil {
			t.Errorf("%q read without error", bad)
		}
	}
	if underGolden("docs/a.json") || underGolden("service/testdata/golden/x/a.json") || !underGolden("federation/testdata/golden/a.json") {
		t.Error("underGolden accepts the wrong paths")
	}

	want, _ := decode([]byte(`{"id": "x", "key": "(masked)", "to": ["a", "b"], "n": 1, "o": {"p": true}}`))
	for ex, n := range map[string]int{
		`{"id": "x", "key": "…", "to": ["a", "b"], "n": 1, "o": {"p": true}}`:          0,
		`{"id": "x", "key": "…", "to": ["a", "b"], "n": 1, "o": "…"}`:                  0,
		`{"id": "y", "key": "…", "to": ["a", "b"], "n": 1, "o": {"p": true}}`:          1,
		`{"id": "x", "key": "…", "to": ["a"], "n": 1, "o": {"p": true}}`:               1,
		`{"id": "x", "key": "…", "to": ["a", "b"], "n": 1.0, "o": {"p": true}}`:        1,
		`{"id": "x", "key": "…", "to": ["a", "b"], "o": {"p": true}}`:                  1,
		`{"id": "x", "key": "…", "to": ["a", "b"], "n": 1, "o": {"p": true}, "m": 2}`:  1,
		`{"id": "x", "key": "(masked)", "to": "a", "n": 1, "o": {"p": false, "q": 1}}`: 3,
	} {
		got, err := decode([]byte(ex))
		if err != nil {
			t.Fatal(err)
		}
		if d := differences(got, want, ""); len(d) != n {
			t.Errorf("%s: %d differences, want %d: %v", ex, len(d), n, d)
		}
	}
	if _, err := decode([]byte(`{} {}`)); err == nil {
		t.Error("two values decode as one")
	}
}
