package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"text/template/parse"

	"github.com/lernejo/lernejo/web/i18n"
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

// goMessages are the messages web's Go code passes to a printer's T or N
// as string literals.
func goMessages(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
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

// domainMessages are messages that reach the pages from the services'
// errors and are already in the catalogue; they count as used.
func domainMessages(cat map[string]string) map[string]bool {
	used := map[string]bool{}
	for _, k := range []string{
		"The pages are not written in %q.",
		"%q is not a time zone. Write one like Europe/Berlin.",
	} {
		used[k] = true
	}
	return used
}

// TestEveryMessageTranslated: every message the templates and web's Go
// code write is in each language's catalogue, and the catalogue holds no
// message nothing writes (a stale one would hide that a page changed).
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
		dom := domainMessages(msgs)
		for k := range msgs {
			if _, ok := used[k]; !ok && !dom[k] {
				t.Errorf("%s: %q is translated but nothing writes it", l.Name, k)
			}
		}
	}
}
