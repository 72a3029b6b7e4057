package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/node"
)

var shownPassword = regexp.MustCompile(`password: (\S+) \(shown only once\)`)

// adminRun runs `lernejo admin ARGS…` in this process with stdin.
func adminRun(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = admin(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func person(t *testing.T, dir, handle string) *domain.Person {
	t.Helper()
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var p *domain.Person
	if err := s.View(context.Background(), func(tx domain.Tx) error {
		var err error
		p, err = tx.Person(handle)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAdminOffline(t *testing.T) {
	dir := t.TempDir()
	code, out, errb := adminRun("", "--data", dir, "create-user", "Bea", "--admin", "--name", "Bea Smith")
	m := shownPassword.FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.HasPrefix(out, "Created admin bea, password: ") {
		t.Fatalf("create-user: %d %q %q", code, out, errb)
	}
	p := person(t, dir, "bea")
	if !p.Admin || p.DisplayName != "Bea Smith" || password.Check(p.PasswordHash, m[1]) != nil || p.PublicKeyPEM == "" {
		t.Errorf("bea: %+v", p)
	}

	code, out, errb = adminRun("a-new-password\n", "reset-password", "bea", "--password-stdin", "--data", dir)
	if code != 0 || out != "Password of bea changed; their sessions are logged out.\n" {
		t.Fatalf("reset-password: %d %q %q", code, out, errb)
	}
	p = person(t, dir, "bea")
	if password.Check(p.PasswordHash, "a-new-password") != nil || password.Check(p.PasswordHash, m[1]) == nil {
		t.Error("the password did not change")
	}

	code, out, _ = adminRun("", "--data", dir, "block", "Spam.Example.", "--reason", "spam waves")
	if code != 0 || !strings.HasPrefix(out, "Blocked spam.example and its subdomains; removed 0 followers") {
		t.Fatalf("block: %d %q", code, out)
	}
	blocks := func() []*domain.DomainBlock {
		s, err := store.Open(store.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var bs []*domain.DomainBlock
		s.View(context.Background(), func(tx domain.Tx) error {
			bs, err = tx.DomainBlocks()
			return err
		})
		return bs
	}
	if bs := blocks(); len(bs) != 1 || bs[0].Domain != "spam.example" || bs[0].Reason != "spam waves" {
		t.Errorf("blocks: %+v", bs)
	}
	if code, out, _ = adminRun("", "--data", dir, "unblock", "spam.example"); code != 0 || out != "Unblocked spam.example.\n" {
		t.Errorf("unblock: %d %q", code, out)
	}
	if bs := blocks(); len(bs) != 0 {
		t.Errorf("blocks after unblock: %+v", bs)
	}

	if code, out, _ = adminRun("", "--data", dir, "reports"); code != 0 || out != "No reports.\n" {
		t.Errorf("reports: %d %q", code, out)
	}
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Update(context.Background(), func(tx domain.Tx) error {
		return tx.PutReport(&domain.Report{ID: "01JREPORTID", Reporter: "https://elsewhere.example/actor",
			Objects: []string{"https://learn.example/users/bea"}, Content: "rude\nreplies"})
	})
	s.Close()
	code, out, _ = adminRun("", "--data", dir, "reports")
	if code != 0 || !strings.Contains(out, "01JREPORTID") || !strings.Contains(out, "rude replies") || !strings.Contains(out, "open") {
		t.Errorf("reports: %d %q", code, out)
	}
	if code, out, _ = adminRun("", "--data", dir, "reports", "--json"); code != 0 || !strings.Contains(out, `"ID": "01JREPORTID"`) {
		t.Errorf("reports --json: %d %q", code, out)
	}

	// Errors: one line on stderr, non-zero exit.
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		want        string
	}{
		{"taken", "", []string{"--data", dir, "create-user", "bea"}, 1, "lernejo: The handle bea is already taken.\n"},
		{"short password", "short\n", []string{"--data", dir, "create-user", "cem", "--password-stdin"}, 1, "lernejo: A password needs at least 8 characters.\n"},
		{"no password", "", []string{"--data", dir, "create-user", "cem", "--password-stdin"}, 1, "lernejo: no password on stdin\n"},
		{"bad handle", "", []string{"--data", dir, "create-user", "no spaces"}, 1, "lernejo: "},
		{"unknown person", "", []string{"--data", dir, "reset-password", "zed"}, 1, "lernejo: There is no person \"zed\" on this node.\n"},
		{"not blocked", "", []string{"--data", dir, "unblock", "nowhere.example"}, 1, "lernejo: "},
		{"bad domain", "", []string{"--data", dir, "block", "not a domain"}, 1, "lernejo: \"not a domain\" is not a valid domain.\n"},
		{"missing dir", "", []string{"--data", filepath.Join(dir, "nope"), "reports"}, 1, "lernejo: data directory " + filepath.Join(dir, "nope") + " does not exist (pass --data, or start the node once)\n"},
		{"no handle", "", []string{"--data", dir, "create-user"}, 2, "lernejo: admin create-user needs HANDLE\n"},
		{"extra argument", "", []string{"--data", dir, "unblock", "a.example", "b.example"}, 2, "lernejo: unexpected argument \"b.example\"\n"},
		{"unknown command", "", []string{"--data", dir, "destroy"}, 2, "lernejo: unknown admin command \"destroy\""},
		{"unknown flag", "", []string{"--data", dir, "reports", "--colour"}, 2, "flag provided but not defined: -colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errb := adminRun(tc.stdin, tc.args...)
			first, _, _ := strings.Cut(errb, "\n")
			if code != tc.code || !strings.HasPrefix(errb, tc.want) || (tc.code == 1 && first+"\n" != errb) {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, errb, tc.code, tc.want)
			}
		})
	}

	// Help.
	var o, e bytes.Buffer
	if code := run([]string{"admin", "--help"}, &o, &e); code != 0 || !strings.Contains(e.String(), "create-user HANDLE") {
		t.Errorf("admin --help: %d %q", code, e.String())
	}
	e.Reset()
	if code := run([]string{"admin", "create-user", "--help"}, &o, &e); code != 0 || !strings.Contains(e.String(), "-password-stdin") {
		t.Errorf("admin create-user --help: %d %q", code, e.String())
	}
	for _, cmd := range []string{"backup", "restore"} {
		e.Reset()
		if code := run([]string{cmd, "--help"}, &o, &e); code != 0 || !strings.Contains(e.String(), "Usage: lernejo "+cmd) {
			t.Errorf("%s --help: %d %q", cmd, code, e.String())
		}
	}
}

// TestAdminInUseWithoutSocket: the directory is held by another process (here
// a store open in this one; Badger's lock is per open file) and no socket
// answers, not even a stale one left by a crash.
// TestAdminUsersSuspendUnsuspend: on a stopped node's directory, users
// lists the accounts with their state, suspend marks one suspended and
// unsuspend lifts it; an unknown handle is an error.
func TestAdminUsersSuspendUnsuspend(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"create-user", "bea", "--admin", "--name", "Bea Smith"}, {"create-user", "cy"}} {
		if code, out, errb := adminRun("", append([]string{"--data", dir}, args...)...); code != 0 {
			t.Fatalf("%v: %d %q %q", args, code, out, errb)
		}
	}
	code, out, errb := adminRun("", "--data", dir, "users")
	if code != 0 || !strings.HasPrefix(out, "HANDLE") || !regexp.MustCompile(`(?m)^bea +Bea Smith +yes +no +\d{4}-`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^cy +no +no +\d{4}-`).MatchString(out) {
		t.Fatalf("users: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "suspend", "Cy"); code != 0 || out != "Suspended cy; their sessions are logged out.\n" {
		t.Fatalf("suspend: %d %q %q", code, out, errb)
	}
	if !person(t, dir, "cy").IsSuspended() {
		t.Error("cy is not suspended")
	}
	if _, out, _ = adminRun("", "--data", dir, "users"); !regexp.MustCompile(`(?m)^cy +no +\d{4}-\S+ +\d{4}-`).MatchString(out) {
		t.Errorf("users after suspend: %q", out)
	}
	if code, out, errb = adminRun("", "--data", dir, "unsuspend", "cy"); code != 0 || out != "Unsuspended cy.\n" || person(t, dir, "cy").IsSuspended() {
		t.Errorf("unsuspend: %d %q %q", code, out, errb)
	}
	if code, _, errb = adminRun("", "--data", dir, "suspend", "nobody"); code != 1 || errb != "lernejo: There is no person \"nobody\" on this node.\n" {
		t.Errorf("suspend an unknown handle: %d %q", code, errb)
	}
	if code, _, _ = adminRun("", "--data", dir, "suspend"); code != 2 {
		t.Errorf("suspend without a handle: %d", code)
	}
}

// TestAdminSchools: on a stopped node's directory, school create names
// the organisers (people here), edit changes only what it is given, list
// shows each school and whether it is retired, retire retires it.
func TestAdminSchools(t *testing.T) {
	dir := t.TempDir()
	for _, h := range []string{"ada", "bea"} {
		if code, out, errb := adminRun("", "--data", dir, "create-user", h); code != 0 {
			t.Fatalf("create-user %s: %d %q %q", h, code, out, errb)
		}
	}
	run := func(args ...string) (int, string, string) {
		return adminRun("", append([]string{"--data", dir, "school"}, args...)...)
	}
	if code, out, errb := run("list"); code != 0 || out != "No schools.\n" {
		t.Fatalf("list of none: %d %q %q", code, out, errb)
	}
	if code, _, errb := run("create", "arts", "--name", "Arts", "--organisers", "nobody"); code != 1 || !strings.Contains(errb, "nobody") {
		t.Errorf("an unknown organiser: %d %q", code, errb)
	}
	code, out, errb := run("create", "Webcraft", "--name", "School of Webcraft", "--summary", "The web.", "--organisers", "ada")
	if code != 0 || out != "Created the school webcraft (School of Webcraft), organised by ada.\n" {
		t.Fatalf("create: %d %q %q", code, out, errb)
	}
	if code, _, errb := run("create", "webcraft", "--name", "Again", "--organisers", "ada"); code != 1 || errb == "" {
		t.Errorf("create twice: %d %q", code, errb)
	}
	code, out, errb = run("edit", "webcraft", "--organisers", "ada, @bea")
	if code != 0 || out != "Saved the school webcraft (School of Webcraft), organised by ada, bea.\n" {
		t.Fatalf("edit organisers: %d %q %q", code, out, errb)
	}
	if code, out, errb = run("edit", "webcraft", "--name", "Webcraft"); code != 0 || out != "Saved the school webcraft (Webcraft), organised by ada, bea.\n" {
		t.Fatalf("edit the name: %d %q %q", code, out, errb)
	}
	if code, _, errb = run("edit", "nowhere", "--name", "X"); code != 1 || errb != "lernejo: There is no school \"nowhere\" on this node.\n" {
		t.Errorf("edit an unknown school: %d %q", code, errb)
	}
	if _, out, _ = run("list"); !regexp.MustCompile(`(?m)^webcraft +Webcraft +ada,bea +no +\d{4}-`).MatchString(out) {
		t.Errorf("list: %q", out)
	}
	if code, out, errb = run("retire", "webcraft"); code != 0 || out != "Retired the school webcraft; it takes no new courses.\n" {
		t.Fatalf("retire: %d %q %q", code, out, errb)
	}
	if _, out, _ = run("list"); !regexp.MustCompile(`(?m)^webcraft +Webcraft +ada,bea +\d{4}-\S+ +\d{4}-`).MatchString(out) {
		t.Errorf("list after retiring: %q", out)
	}
	if code, _, _ = run(); code != 2 {
		t.Errorf("school without a command: %d", code)
	}
	if code, _, _ = run("retire"); code != 2 {
		t.Errorf("retire without a handle: %d", code)
	}
}

func TestAdminInUseWithoutSocket(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("unix", filepath.Join(dir, node.AdminSocketName))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // a stale socket: nobody listens

	want := "data directory " + dir + " is in use by another lernejo process, and its admin socket does not answer\n"
	if code, _, errb := adminRun("", "--data", dir, "reports"); code != 1 || errb != "lernejo: "+want {
		t.Errorf("admin: %d %q", code, errb)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"backup", "--data", dir, filepath.Join(t.TempDir(), "b")}, &out, &errb); code != 1 || errb.String() != "lernejo: backup: "+want {
		t.Errorf("backup: %d %q", code, errb.String())
	}
}

// TestAdminOverSocket runs the commands against a running node in a child
// process: they go through its admin socket.
func TestAdminOverSocket(t *testing.T) {
	dir := t.TempDir()
	// A socket file left by a crash is replaced at start.
	ln, err := net.Listen("unix", filepath.Join(dir, node.AdminSocketName))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()

	addr := freePort(t)
	srv, _, srvLog := child(t, "serve", "--listen", addr, "--url", "http://"+addr, "--data", dir, "--demo", "--log-format", "json")
	waitHealthy(t, addr)
	if fi, err := os.Stat(filepath.Join(dir, node.AdminSocketName)); err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("admin socket: %v %v", fi, err)
	}

	code, out, errb := adminRun("", "--data", dir, "create-user", "dan", "--admin")
	m := shownPassword.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("create-user over the socket: %d %q %q", code, out, errb)
	}
	// The child logs after answering, and its output reaches us through a
	// pipe: give the line a moment to arrive.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srvLog.String(), `"admin: user created"`) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(srvLog.String(), `"admin: user created"`) {
		t.Errorf("not done by the running node; its log:\n%s", srvLog)
	}
	if code, _, errb = adminRun("", "--data", dir, "create-user", "dan"); code != 1 || errb != "lernejo: The handle dan is already taken.\n" {
		t.Errorf("duplicate over the socket: %d %q", code, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "block", "spam.example"); code != 0 || !strings.HasPrefix(out, "Blocked spam.example") {
		t.Errorf("block over the socket: %d %q %q", code, out, errb)
	}
	if code, _, errb = adminRun("", "--data", dir, "block", addr); code != 1 || errb != "lernejo: 127.0.0.1 is this node's own domain.\n" {
		t.Errorf("blocking itself: %d %q", code, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "reports"); code != 0 || out != "No reports.\n" {
		t.Errorf("reports over the socket: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "users"); code != 0 || !regexp.MustCompile(`(?m)^dan +yes +no +`).MatchString(out) {
		t.Errorf("users over the socket: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "suspend", "dan"); code != 0 || out != "Suspended dan; their sessions are logged out.\n" {
		t.Errorf("suspend over the socket: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "school", "create", "guild", "--name", "Guild", "--organisers", "ada"); code != 0 {
		t.Errorf("school create over the socket: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "school", "edit", "guild", "--summary", "Makers."); code != 0 {
		t.Errorf("school edit over the socket: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "school", "retire", "guild"); code != 0 {
		t.Errorf("school retire over the socket: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "school", "list"); code != 0 || !regexp.MustCompile(`(?m)^guild +Guild +ada +\d{4}-`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^webcraft +School of Webcraft +`).MatchString(out) {
		t.Errorf("school list over the socket: %d %q %q", code, out, errb)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srvLog.String(), `"admin: school retired"`) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(srvLog.String(), `"admin: school created"`) {
		t.Errorf("the school was not created by the running node; its log:\n%s", srvLog)
	}
	code, out, errb = adminRun("", "--data", dir, "reset-password", "ada")
	newPw := shownPassword.FindStringSubmatch(out)
	if code != 0 || newPw == nil {
		t.Fatalf("reset-password over the socket: %d %q %q", code, out, errb)
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, srvLog)
	}
	if _, err := os.Stat(filepath.Join(dir, node.AdminSocketName)); !os.IsNotExist(err) {
		t.Errorf("admin socket not removed on shutdown: %v", err)
	}
	if p := person(t, dir, "dan"); !p.Admin || password.Check(p.PasswordHash, m[1]) != nil || !p.IsSuspended() {
		t.Errorf("dan: %+v", p)
	}
	if p := person(t, dir, "ada"); password.Check(p.PasswordHash, newPw[1]) != nil {
		t.Error("ada's password was not reset")
	}
	// Stopped: the same commands work on the directory.
	if code, out, errb = adminRun("", "--data", dir, "unblock", "spam.example"); code != 0 {
		t.Errorf("offline unblock: %d %q %q", code, out, errb)
	}
	if code, out, errb = adminRun("", "--data", dir, "unsuspend", "dan"); code != 0 || person(t, dir, "dan").IsSuspended() {
		t.Errorf("offline unsuspend: %d %q %q", code, out, errb)
	}
}
