package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/lernejo/lernejo/i18n"
)

// templateMessages are the messages the templates pass to t, th and n as
// string literals, with where each is used.
func templateMessages(t *testing.T) map[string]string {
	t.Helper()
	ps, err := newPageSet()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(name string, n parse.Node)
	cmd := func(name string, c *parse.CommandNode) {
		if len(c.Args) == 0 {
			return
		}
		id, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok {
			return
		}
		lits := 0
		switch id.Ident {
		case "t", "th":
			lits = 1
		case "n": // n COUNT "one" "other"
			for _, a := range c.Args[2:min(len(c.Args), 4)] {
				if s, ok := a.(*parse.StringNode); ok {
					out[s.Text] = name
				}
			}
		}
		for _, a := range c.Args[1:min(len(c.Args), 1+lits)] {
			if s, ok := a.(*parse.StringNode); ok {
				out[s.Text] = name
			}
		}
	}
	walk = func(name string, n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, x := range n.Nodes {
					walk(name, x)
				}
			}
		case *parse.ActionNode:
			walk(name, n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					cmd(name, c)
					for _, a := range c.Args {
						walk(name, a)
					}
				}
			}
		case *parse.IfNode:
			walk(name, n.Pipe)
			walk(name, n.List)
			walk(name, n.ElseList)
		case *parse.RangeNode:
			walk(name, n.Pipe)
			walk(name, n.List)
			walk(name, n.ElseList)
		case *parse.WithNode:
			walk(name, n.Pipe)
			walk(name, n.List)
			walk(name, n.ElseList)
		case *parse.TemplateNode:
			walk(name, n.Pipe)
		}
	}
	for _, tm := range ps.base.Templates() {
		if tm.Tree != nil {
			walk(tm.Name(), tm.Tree.Root)
		}
	}
	return out
}

// goMessages are the messages web's Go code, and the services' (the
// mails they write), pass to a printer's T or N as string literals.
func goMessages(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	mails, err := filepath.Glob("../service/*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, mails...)
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "N") {
				return true
			}
			args := call.Args
			if sel.Sel.Name == "N" && len(args) > 0 {
				args = args[1:min(len(args), 3)]
			} else if len(args) > 0 {
				args = args[:1]
			}
			for _, a := range args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						out[s] = fset.Position(lit.Pos()).String()
					}
				}
			}
			return true
		})
	}
	return out
}

// errorMessages are the messages of the errors the repository's Go code
// makes (domain.Errorf with a literal format, domain.Error literals with a
// literal Message, fiber.NewError with a literal message) and the
// domain.Phrase literals their arguments name: the error page, the forms
// and the flashes write them in the reader's language.
func errorMessages(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "node_modules", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		af, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inDomain := af.Name.Name == "domain"
		ast.Inspect(af, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var name string
				switch f := n.Fun.(type) {
				case *ast.SelectorExpr:
					if x, ok := f.X.(*ast.Ident); ok {
						name = x.Name + "." + f.Sel.Name
					}
				case *ast.Ident:
					if inDomain {
						name = "domain." + f.Name
					}
				}
				switch {
				case (name == "domain.Errorf" || name == "fiber.NewError") && len(n.Args) >= 2:
					if s, ok := lit(n.Args[1]); ok {
						out[s] = fset.Position(n.Pos()).String()
					}
				case name == "domain.Phrase" && len(n.Args) == 1:
					if s, ok := lit(n.Args[0]); ok {
						out[s] = fset.Position(n.Pos()).String()
					}
				}
			case *ast.CompositeLit:
				var name string
				switch ty := n.Type.(type) {
				case *ast.SelectorExpr:
					if x, ok := ty.X.(*ast.Ident); ok {
						name = x.Name + "." + ty.Sel.Name
					}
				case *ast.Ident:
					if inDomain {
						name = "domain." + ty.Name
					}
				}
				if name != "domain.Error" {
					return true
				}
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" {
							if s, ok := lit(kv.Value); ok {
								out[s] = fset.Position(n.Pos()).String()
							}
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryMessageTranslated: every message the templates and web's Go
// code write, every error message the repository's code makes and the
// default kinds' words (web/kinds.go) are in each language's catalogue,
// and the catalogue holds no message nothing writes (a stale one would
// hide that a page changed).
func TestEveryMessageTranslated(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{}
	for k, v := range templateMessages(t) {
		used[k] = v
	}
	for k, v := range goMessages(t) {
		used[k] = v
	}
	errs := errorMessages(t)
	if len(errs) < 150 {
		t.Fatalf("found only %d error messages: the scan is broken", len(errs))
	}
	for k, v := range errs {
		used[k] = v
	}
	for _, k := range kindMessages() {
		used[k] = "kinds.go (a default kind)"
	}
	if len(used) < 20 {
		t.Fatalf("found only %d messages: the scan is broken", len(used))
	}
	for _, l := range i18n.Languages {
		if l.Lang == i18n.English {
			continue
		}
		msgs := cat.Messages(l.Lang)
		var missing []string
		for k, where := range used {
			if _, ok := msgs[k]; !ok {
				missing = append(missing, where+": "+strconv.Quote(k))
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s: no translation of %s", l.Name, m)
		}
		for k := range msgs {
			if _, ok := used[k]; !ok {
				t.Errorf("%s: %q is translated but nothing writes it", l.Name, k)
			}
		}
	}
}

// kindMessages are the English forms of the default kinds, the keys of
// their translations.
func kindMessages() []string {
	var out []string
	for _, f := range defaultKinds {
		out = append(out, f.Word, f.Words, f.AWord, f.Heading)
		if f.Label != "" {
			out = append(out, f.Label)
		}
	}
	return out
}
