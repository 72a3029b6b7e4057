package service

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// takesTx are the declarations of this package that may take a whole
// domain.Tx, and why. Every other function, method and function type takes
// the narrow store interfaces it uses.
var takesTx = map[string]string{
	// It opens the write transaction: Store.Update hands fn a domain.Tx.
	"env.update": "opens a transaction",
	// The inbox's entry points that need more than one of domain's store
	// interfaces. The inbox's interfaces (inbox/inbox.go) name the
	// parameter's type, and must match these methods exactly; the inbox
	// cannot name this package's composites, so these take what the inbox
	// holds, its transaction. Entry points that need one store interface
	// take it, and so do the inbox's interfaces.
	"Enrolment.Receive":        "inbox entry point",
	"Enrolment.Withdraw":       "inbox entry point",
	"Enrolment.Leave":          "inbox entry point",
	"Enrolment.Accepted":       "inbox entry point",
	"Enrolment.Rejected":       "inbox entry point",
	"Posts.Receive":            "inbox entry point",
	"Posts.Mirror":             "inbox entry point",
	"Tasks.RecordCompletion":   "inbox entry point",
	"Tasks.CompleteByReply":    "inbox entry point",
	"Tasks.ReceiveTask":        "inbox entry point",
	"Tasks.ReceiveFeedback":    "inbox entry point",
	"Badges.ReceiveAward":      "inbox entry point",
	"Badges.ReceiveVote":       "inbox entry point",
	"Moderation.BlockedBy":     "inbox entry point",
	"Moderation.ReceiveReport": "inbox entry point",
	"Schools.ReceiveOffer":     "inbox entry point",
	"Schools.OfferAnswered":    "inbox entry point",
	"Meetings.ReceiveAnswer":   "inbox entry point",
	"Meetings.ReceiveJoin":     "inbox entry point",
	"Meetings.ReceiveEvent":    "inbox entry point",
	"Reviews.ReceiveReview":    "inbox entry point",
	"Reviews.ReviewByReply":    "inbox entry point",
}

const domainPath = "github.com/lernejo/lernejo/domain"

// sources parses the package's files, tests left out.
func sources(t *testing.T) map[string]*ast.File {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	if len(files) == 0 {
		t.Fatal("no source files")
	}
	return files
}

// domainName is the name f imports the domain package under ("" if it
// does not).
func domainName(f *ast.File) string {
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == domainPath {
			if im.Name != nil {
				return im.Name.Name
			}
			return "domain"
		}
	}
	return ""
}

// isDomain reports whether e is the qualified identifier pkg.name.
func isDomain(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && pkg != "" && id.Name == pkg && (name == "" || sel.Sel.Name == name)
}

// declName names a top-level declaration as takesTx does: Type.Method,
// Func, or Type.
func declName(d ast.Decl) []string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			return []string{d.Name.Name}
		}
		typ := d.Recv.List[0].Type
		if st, ok := typ.(*ast.StarExpr); ok {
			typ = st.X
		}
		if ix, ok := typ.(*ast.IndexExpr); ok {
			typ = ix.X
		}
		return []string{typ.(*ast.Ident).Name + "." + d.Name.Name}
	case *ast.GenDecl:
		var out []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			}
		}
		return out
	}
	return nil
}

// TestOnlyTransactionsTakeTx: no function, method or function type of the
// package declares a parameter of type domain.Tx (nor one of a function
// type that does), except those takesTx names. A helper that runs inside a
// transaction takes the narrow store interfaces it uses, so its signature
// says what it reads and writes. The closures handed to Store.View and
// Store.Update are where a transaction opens, and take a domain.Tx.
func TestOnlyTransactionsTakeTx(t *testing.T) {
	found := map[string]string{}
	for name, f := range sources(t) {
		pkg := domainName(f)
		if pkg == "" {
			continue
		}
		mentionsTx := func(fl *ast.FieldList) bool {
			hit := false
			if fl == nil {
				return false
			}
			ast.Inspect(fl, func(n ast.Node) bool {
				if e, ok := n.(ast.Expr); ok && isDomain(e, pkg, "Tx") {
					hit = true
				}
				return !hit
			})
			return hit
		}
		for _, d := range f.Decls {
			names := declName(d)
			var visit func(n ast.Node) bool
			visit = func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					ast.Inspect(n.Body, visit)
					return false
				case *ast.FuncType:
					if mentionsTx(n.Params) {
						for _, dn := range names {
							found[dn] = name
						}
					}
				}
				return true
			}
			ast.Inspect(d, visit)
		}
	}
	for dn, file := range found {
		if _, ok := takesTx[dn]; !ok {
			t.Errorf("%s (%s) takes a domain.Tx: give it the narrow store interfaces it uses (domain's, or a composite declared next to it)", dn, file)
		}
	}
	for dn := range takesTx {
		if _, ok := found[dn]; !ok {
			t.Errorf("%s no longer takes a domain.Tx: take it out of takesTx", dn)
		}
	}
}

// storeMethods maps each method of domain's store interfaces (domain/store.go:
// SettingsStore … ModerationStore, the interfaces Tx embeds) to its interface.
func storeMethods(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "domain", "store.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var tx *ast.InterfaceType
	ifaces := map[string]*ast.InterfaceType{}
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if it, ok := ts.Type.(*ast.InterfaceType); ok {
				ifaces[ts.Name.Name] = it
				if ts.Name.Name == "Tx" {
					tx = it
				}
			}
		}
		return true
	})
	if tx == nil {
		t.Fatal("domain/store.go declares no Tx")
	}
	owner := map[string]string{}
	for _, emb := range tx.Methods.List {
		id, ok := emb.Type.(*ast.Ident)
		if !ok || len(emb.Names) != 0 || ifaces[id.Name] == nil {
			t.Fatalf("domain.Tx should only embed store interfaces of domain/store.go; it has %T", emb.Type)
		}
		for _, m := range ifaces[id.Name].Methods.List {
			for _, n := range m.Names {
				if prev, dup := owner[n.Name]; dup {
					t.Fatalf("%s is a method of both %s and %s", n.Name, prev, id.Name)
				}
				owner[n.Name] = id.Name
			}
		}
	}
	return owner
}

// docLine is a line of the package doc's list of what each file uses of
// the store: a tab, the file, spaces, the interfaces.
var docLine = regexp.MustCompile(`^\t(\w+\.go)\s+(\w.*)$`)

// TestStoreUseDocumented: the package doc (service.go) lists, for each
// file, the store interfaces its code calls (through any transaction or
// narrow interface it holds, and through Queue), and the list is the code's.
func TestStoreUseDocumented(t *testing.T) {
	owner := storeMethods(t)
	files := sources(t)
	isStore := map[string]bool{"Tx": true}
	for _, i := range owner {
		isStore[i] = true
	}
	// The package's own composites of store interfaces, and what Queue's
	// transaction parameter is.
	composite := map[string]bool{}
	var queueTx []string
	for _, f := range files {
		pkg := domainName(f)
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				return true
			}
			if ts.Name.Name == "Queue" {
				for _, m := range it.Methods.List {
					if len(m.Names) == 1 && m.Names[0].Name == "Queue" {
						p := m.Type.(*ast.FuncType).Params.List[0].Type
						if sel, ok := p.(*ast.SelectorExpr); ok && isDomain(p, pkg, "") {
							queueTx = append(queueTx, sel.Sel.Name)
						}
					}
				}
			}
			embedsOnly := len(it.Methods.List) > 0
			for _, m := range it.Methods.List {
				if len(m.Names) != 0 {
					embedsOnly = false
				}
			}
			if embedsOnly {
				composite[ts.Name.Name] = true
			}
			return true
		})
	}
	if len(queueTx) != 1 || !isStore[queueTx[0]] {
		t.Fatalf("Queue.Queue should take one of domain's store interfaces; found %v", queueTx)
	}
	storeTyped := func(e ast.Expr, pkg string) bool {
		if sel, ok := e.(*ast.SelectorExpr); ok && isDomain(e, pkg, "") {
			return isStore[sel.Sel.Name]
		}
		id, ok := e.(*ast.Ident)
		return ok && composite[id.Name]
	}
	uses := map[string]map[string]bool{}
	for name, f := range files {
		pkg := domainName(f)
		use := map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			var ft *ast.FuncType
			var body *ast.BlockStmt
			switch n := n.(type) {
			case *ast.FuncDecl:
				ft, body = n.Type, n.Body
			case *ast.FuncLit:
				ft, body = n.Type, n.Body
			default:
				return true
			}
			if body == nil {
				return true
			}
			for _, p := range ft.Params.List {
				if !storeTyped(p.Type, pkg) {
					continue
				}
				for _, pn := range p.Names {
					ast.Inspect(body, func(n ast.Node) bool {
						switch n := n.(type) {
						case *ast.SelectorExpr:
							if id, ok := n.X.(*ast.Ident); ok && id.Name == pn.Name && owner[n.Sel.Name] != "" {
								use[owner[n.Sel.Name]] = true
							}
						case *ast.CallExpr:
							// e.Queue.Queue(tx, …): queued in tx.
							sel, ok := n.Fun.(*ast.SelectorExpr)
							if !ok || sel.Sel.Name != "Queue" {
								break
							}
							if q, ok := sel.X.(*ast.SelectorExpr); ok && q.Sel.Name == "Queue" && len(n.Args) > 0 {
								if id, ok := n.Args[0].(*ast.Ident); ok && id.Name == pn.Name {
									use[queueTx[0]] = true
								}
							}
						}
						return true
					})
				}
			}
			return true
		})
		if len(use) > 0 {
			uses[name] = use
		}
	}

	f := files["service.go"]
	if f == nil || f.Doc == nil {
		t.Fatal("service.go has no package doc")
	}
	documented := map[string]string{}
	for _, line := range strings.Split(f.Doc.Text(), "\n") {
		if m := docLine.FindStringSubmatch(line); m != nil {
			documented[m[1]] = strings.Join(strings.Fields(m[2]), " ")
		}
	}
	var want []string
	for name, use := range uses {
		var ifaces []string
		for i := range use {
			ifaces = append(ifaces, i)
		}
		sort.Strings(ifaces)
		got := strings.Join(ifaces, " ")
		want = append(want, "\t"+name+" "+got)
		if documented[name] != got {
			t.Errorf("package doc: %s uses %s; the doc says %q", name, got, documented[name])
		}
	}
	for name := range documented {
		if uses[name] == nil {
			t.Errorf("package doc lists %s, whose code uses no store interface", name)
		}
	}
	if t.Failed() {
		slices.Sort(want)
		t.Logf("the list as the code has it:\n%s", strings.Join(want, "\n"))
	}
}
