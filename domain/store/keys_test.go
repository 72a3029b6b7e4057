package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestKeySchema: every key prefix constant of keys.go has its own byte, and
// the key table at the top of keys.go lists every prefix, in numeric order,
// once. The constants are read from the source with go/parser, so a prefix
// added without its line in the table fails here.
func TestKeySchema(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "keys.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	prefixes := keyPrefixes(t, fset, f)
	if len(prefixes) == 0 {
		t.Fatal("keys.go declares no key prefix constants")
	}
	byValue := map[uint64]string{}
	for name, v := range prefixes {
		if other, ok := byValue[v]; ok {
			t.Errorf("prefixes %s and %s are both %#02x", name, other, v)
		}
		byValue[v] = name
	}

	table, lines := keyTable(t, f)
	listed := map[uint64]bool{}
	for i, v := range table {
		if i > 0 && v <= table[i-1] {
			t.Errorf("the key table lists %#02x after %#02x: keep it in numeric order, each prefix once (%q)", v, table[i-1], lines[i])
		}
		listed[v] = true
		// A retired prefix stays in the table so that it is never reused;
		// any other entry names a prefix in use.
		if _, ok := byValue[v]; !ok && !strings.Contains(lines[i], "retired") {
			t.Errorf("the key table lists %#02x, which no constant has and which is not marked retired (%q)", v, lines[i])
		}
	}
	for v, name := range byValue {
		if !listed[v] {
			t.Errorf("%s (%#02x) is missing from the key table", name, v)
		}
	}
}

// keyPrefixes returns the byte constants of keys.go (the key prefixes) and
// their values.
func keyPrefixes(t *testing.T, fset *token.FileSet, f *ast.File) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "byte" {
				continue
			}
			if len(vs.Values) != len(vs.Names) {
				t.Fatalf("%s: a key prefix needs its own literal value", fset.Position(vs.Pos()))
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.INT {
					t.Fatalf("%s: %s is not an integer literal", fset.Position(vs.Pos()), name.Name)
				}
				v, err := strconv.ParseUint(lit.Value, 0, 8)
				if err != nil {
					t.Fatalf("%s: %s: %v", fset.Position(lit.Pos()), name.Name, err)
				}
				out[name.Name] = v
			}
		}
	}
	return out
}

// tableLine is one entry of the key table: a tab, the prefix in hex, its name.
var tableLine = regexp.MustCompile(`^\t(0x[0-9a-fA-F]{2}) `)

// keyTable returns the prefixes the key table lists, in its order, with
// their lines. The table is the comment that starts "Key schema".
func keyTable(t *testing.T, f *ast.File) ([]uint64, []string) {
	t.Helper()
	for _, cg := range f.Comments {
		text := cg.Text()
		if !strings.HasPrefix(text, "Key schema\n") {
			continue
		}
		var prefixes []uint64
		var lines []string
		for _, line := range strings.Split(text, "\n") {
			m := tableLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			v, err := strconv.ParseUint(m[1], 0, 8)
			if err != nil {
				t.Fatal(err)
			}
			prefixes = append(prefixes, v)
			lines = append(lines, strings.TrimSpace(line))
		}
		if len(prefixes) == 0 {
			t.Fatal("the key table in keys.go lists no prefixes")
		}
		return prefixes, lines
	}
	t.Fatal(`keys.go has no "Key schema" comment`)
	return nil, nil
}
