package architecture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A rule is one arrow DESIGN.md §5 does not draw: the packages pkgs (but
// not except) must not reach any package of forbid (unless it is also in
// allow). A pattern starting with "./" names packages of this module
// ("./..." is all of them); any other names an import path. A pattern
// ending in "/..." covers the package and everything under it, as for the
// go command.
type rule struct {
	pkgs   string
	except []string
	check  check
	forbid []string
	allow  []string
	why    string // what DESIGN.md §5 says
}

// check is what of a package a rule looks at. Test files never count:
// tests may reach anything.
type check int

const (
	// imports are the packages a package's non-test files import.
	imports check = iota
	// deps are every package its non-test build depends on, however
	// indirectly: for the libraries that must not be reached at all.
	deps
	// mentions are the qualified names its non-test files use; forbid
	// holds "./PKG.Name".
	mentions
)

func (c check) String() string { return [...]string{"imports", "depends on", "mentions"}[c] }

const (
	ours   = "./..."
	badger = "github.com/dgraph-io/badger/..."
	fiber  = "github.com/gofiber/fiber/..."
)

// rules are the arrows of DESIGN.md §5 ("cmd → node → web/inbox → service →
// outbox/federation → domain ← domain/store"), one line each.
var rules = []rule{
	{pkgs: "./domain/...", except: []string{"./domain/store"}, check: imports, forbid: []string{ours}, allow: []string{"./domain/..."},
		why: "domain imports nothing of ours"},
	{pkgs: "./domain/store", check: imports, forbid: []string{ours}, allow: []string{"./domain"},
		why: "domain ← domain/store: the Badger implementation of domain's store interfaces"},
	{pkgs: "./federation/...", check: imports, forbid: []string{ours}, allow: []string{"./domain/...", "./federation/..."},
		why: "federation → domain: protocol code over domain types"},
	{pkgs: "./federation/...", check: deps, forbid: []string{fiber, badger},
		why: "federation imports neither Fiber nor Badger"},
	{pkgs: "./i18n/...", check: imports, forbid: []string{ours},
		why: "i18n, the catalogue of the pages' and mails' words, imports nothing of ours"},
	{pkgs: "./priority/...", check: imports, forbid: []string{ours},
		why: "priority, which shares the processors between pages and federation work, imports nothing of ours"},
	{pkgs: "./service/...", check: imports, forbid: []string{"./web/...", "./inbox/...", "./outbox/...", "./mail/...", "./node/...", "./cmd/...", "./domain/store"},
		why: "service queues outgoing activities through an interface it defines; only node and cmd wire concrete types"},
	{pkgs: "./service/...", check: deps, forbid: []string{fiber, badger},
		why: "only web is the Fiber app; only node and cmd wire the Badger store"},
	{pkgs: "./outbox/...", check: imports, forbid: []string{"./service/...", "./web/...", "./inbox/..."},
		why: "outbox is delivery only"},
	{pkgs: "./mail/...", check: imports, forbid: []string{"./service/...", "./web/...", "./inbox/...", "./outbox/..."},
		why: "mail is delivery only, a sibling of outbox: service queues mail in the store and wakes it through an interface"},
	{pkgs: "./inbox/...", check: imports, forbid: []string{"./outbox/...", "./service/...", "./web/...", "./domain/store"},
		why: "inbox reaches services through an interface it defines and never imports outbox"},
	{pkgs: "./inbox/...", check: deps, forbid: []string{fiber, badger},
		why: "only web is the Fiber app; only node and cmd wire the Badger store"},
	{pkgs: "./web/...", check: imports, forbid: []string{"./domain/store", "./outbox/..."},
		why: "web never imports the store, and reaches outbox only through service"},
	{pkgs: "./web/...", check: deps, forbid: []string{badger},
		why: "web never imports the store, not even through another package"},
	{pkgs: "./web/...", check: mentions, forbid: []string{"./domain.Tx"},
		why: "web never opens a transaction"},
	{pkgs: ours, except: []string{"./node/...", "./cmd/..."}, check: imports, forbid: []string{"./domain/store"},
		why: "only node and cmd wire concrete types"},
}

// TestDependencyArrows lists the module's packages with the go command and
// holds every rule.
func TestDependencyArrows(t *testing.T) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs, err := decodePackages(out)
	if err != nil {
		t.Fatal(err)
	}
	module := mainModule(pkgs)
	if module == "" {
		t.Fatal("go list named no package of the main module")
	}
	for _, v := range violations(module, root, pkgs, rules) {
		t.Error(v)
	}
}

// pkg is what the rules need of a package of `go list -json`.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string // non-test files only
	Imports    []string // of GoFiles
	Deps       []string // of GoFiles, indirect ones too
	Module     *struct {
		Path string
		Main bool
	}
}

func (p *pkg) ours() bool { return p.Module != nil && p.Module.Main }

// decodePackages reads the stream of JSON objects `go list -json` prints.
func decodePackages(b []byte) ([]*pkg, error) {
	var pkgs []*pkg
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		p := new(pkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("decode go list: %w", err)
		}
		pkgs = append(pkgs, p)
	}
}

// mainModule is the path of the module the packages were listed in.
func mainModule(pkgs []*pkg) string {
	for _, p := range pkgs {
		if p.ours() {
			return p.Module.Path
		}
	}
	return ""
}

// violations checks the rules against the packages of module (rooted at
// root), and names each import, dependency or mention that breaks one. A
// rule that applies to no package is reported too: the table has gone
// stale.
func violations(module, root string, pkgs []*pkg, rules []rule) []string {
	byPath := map[string]*pkg{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var out []string
	for _, r := range rules {
		applied := false
		for _, p := range pkgs {
			if !p.ours() || !match(module, r.pkgs, p.ImportPath) || matchAny(module, r.except, p.ImportPath) {
				continue
			}
			applied = true
			rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
			if rel == "" {
				rel = "."
			}
			switch r.check {
			case imports:
				for _, imp := range p.Imports {
					if r.forbids(module, imp) {
						out = append(out, fmt.Sprintf("%s imports %s: %s (DESIGN.md §5)", rel, imp, r.why))
					}
				}
			case deps:
				for _, dep := range p.Deps {
					if r.forbids(module, dep) {
						out = append(out, fmt.Sprintf("%s depends on %s%s: %s (DESIGN.md §5)", rel, dep, through(byPath, p, dep), r.why))
					}
				}
			case mentions:
				for _, f := range r.forbid {
					found, err := mentionsOf(module, root, p, f)
					if err != nil {
						out = append(out, err.Error())
					}
					for _, at := range found {
						out = append(out, fmt.Sprintf("%s mentions %s: %s (DESIGN.md §5)", at, strings.TrimPrefix(f, "./"), r.why))
					}
				}
			}
		}
		if !applied {
			out = append(out, fmt.Sprintf("the rule %q (%s) applies to no package: update the table", r.why, r.pkgs))
		}
	}
	return out
}

// forbids reports whether the rule forbids reaching path.
func (r rule) forbids(module, path string) bool {
	return matchAny(module, r.forbid, path) && !matchAny(module, r.allow, path)
}

// through names the direct imports of p by which it depends on dep, when
// it does not import dep itself.
func through(byPath map[string]*pkg, p *pkg, dep string) string {
	if slices.Contains(p.Imports, dep) {
		return ""
	}
	var via []string
	for _, imp := range p.Imports {
		if q := byPath[imp]; q != nil && slices.Contains(q.Deps, dep) {
			via = append(via, imp)
		}
	}
	if len(via) == 0 {
		return ""
	}
	return " (through " + strings.Join(via, ", ") + ")"
}

// mentionsOf finds, in the non-test files of p, the uses of a qualified
// name "./PKG.Name": a selector Name on whatever name the file imports PKG
// under. It returns their positions, relative to root.
func mentionsOf(module, root string, p *pkg, qualified string) ([]string, error) {
	dot := strings.LastIndex(qualified, ".")
	if !strings.HasPrefix(qualified, "./") || dot < 2 {
		return nil, fmt.Errorf("the mention %q is not of the form ./PKG.Name", qualified)
	}
	path, name := module+"/"+qualified[2:dot], qualified[dot+1:]
	var found []string
	fset := token.NewFileSet()
	for _, file := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, file), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		local := ""
		for _, spec := range f.Imports {
			if imp, _ := strconv.Unquote(spec.Path.Value); imp == path {
				local = filepath.Base(path)
				if spec.Name != nil {
					local = spec.Name.Name
				}
			}
		}
		if local == "" || local == "_" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != name {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == local {
				pos := fset.Position(sel.Pos())
				if rel, err := filepath.Rel(root, pos.Filename); err == nil {
					pos.Filename = rel
				}
				found = append(found, fmt.Sprintf("%s:%d", pos.Filename, pos.Line))
			}
			return true
		})
	}
	return found, nil
}

// match reports whether an import path is one of a pattern's packages.
func match(module, pattern, path string) bool {
	if rel, ok := strings.CutPrefix(pattern, "./"); ok {
		pattern = module + "/" + rel
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

func matchAny(module string, patterns []string, path string) bool {
	for _, pattern := range patterns {
		if match(module, pattern, path) {
			return true
		}
	}
	return false
}

// TestRulesCanFail: the checker names what breaks a rule, and only that,
// in a made-up module where each kind of rule is broken once.
func TestRulesCanFail(t *testing.T) {
	const m = "example.test/m"
	root := t.TempDir()
	web := filepath.Join(root, "web")
	if err := os.Mkdir(web, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"pages.go":   "package web\n\nimport \"example.test/m/domain\"\n\nfunc page(tx domain.Tx) {}\n\nvar _ domain.Store\n",
		"aliased.go": "package web\n\nimport d \"example.test/m/domain\"\n\nvar f func(d.Tx)\n",
		"other.go":   "package web\n\nimport \"example.test/m/service\"\n\nvar _ service.Tx\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(web, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	main := func(path, dir string, files, imports, deps []string) *pkg {
		p := &pkg{ImportPath: path, Dir: dir, GoFiles: files, Imports: imports, Deps: deps}
		p.Module = &struct {
			Path string
			Main bool
		}{m, true}
		return p
	}
	const badgerPkg = "github.com/dgraph-io/badger/v4"
	pkgs := []*pkg{
		main(m+"/domain", "", nil, []string{"strings", m + "/web"}, nil),
		main(m+"/domain/store", "", nil, []string{m + "/domain", badgerPkg}, []string{m + "/domain", badgerPkg}),
		main(m+"/service", "", nil, []string{m + "/domain"}, []string{m + "/domain"}),
		main(m+"/web", web, []string{"aliased.go", "other.go", "pages.go"}, []string{m + "/domain", m + "/service", m + "/inbox"},
			[]string{m + "/domain", m + "/service", m + "/inbox", m + "/domain/store", badgerPkg}),
		main(m+"/inbox", "", nil, []string{m + "/domain/store"}, []string{m + "/domain/store", m + "/domain", badgerPkg}),
		main(m+"/node", "", nil, []string{m + "/domain/store", m + "/web"}, []string{m + "/domain/store", badgerPkg}),
		{ImportPath: badgerPkg},
	}
	table := []rule{
		{pkgs: "./domain/...", except: []string{"./domain/store"}, check: imports, forbid: []string{ours}, allow: []string{"./domain/..."}, why: "domain imports nothing of ours"},
		{pkgs: "./service/...", check: imports, forbid: []string{"./web/..."}, why: "service does not import web"},
		{pkgs: "./web/...", check: deps, forbid: []string{badger}, why: "web never imports the store"},
		{pkgs: "./web/...", check: mentions, forbid: []string{"./domain.Tx"}, why: "web never opens a transaction"},
		{pkgs: ours, except: []string{"./node/..."}, check: imports, forbid: []string{"./domain/store"}, why: "only node wires"},
		{pkgs: "./federation/...", check: imports, forbid: []string{ours}, why: "federation is gone"},
	}
	got := violations(m, root, pkgs, table)
	want := []string{
		"domain imports example.test/m/web: domain imports nothing of ours (DESIGN.md §5)",
		"web depends on github.com/dgraph-io/badger/v4 (through example.test/m/inbox): web never imports the store (DESIGN.md §5)",
		"web/aliased.go:5 mentions domain.Tx: web never opens a transaction (DESIGN.md §5)",
		"web/pages.go:5 mentions domain.Tx: web never opens a transaction (DESIGN.md §5)",
		"inbox imports example.test/m/domain/store: only node wires (DESIGN.md §5)",
		`the rule "federation is gone" (./federation/...) applies to no package: update the table`,
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
