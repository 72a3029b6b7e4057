package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

const adminUsage = `Usage: lernejo admin [--data DIR] COMMAND [ARGS]

Commands:
  create-user HANDLE [--admin] [--name NAME] [--password-stdin]
                        create a local account; prints a generated password
                        once, or reads it from the first line of stdin
  reset-password HANDLE [--password-stdin]
                        set a new password (generated and printed once, or
                        read from stdin) and log the person out everywhere
  block DOMAIN [--reason TEXT]
                        defederate a domain and its subdomains, removing what
                        the node holds of them
  unblock DOMAIN        lift a domain block
  reports [--json]      list the moderation reports, newest first
  users                 list the accounts: handle, name, operator, suspended, created
  suspend HANDLE        suspend an account: it cannot log in, its sessions end,
                        its posts are hidden and other servers are told
  unsuspend HANDLE      lift a suspension
  school create HANDLE --name NAME --organisers A,B [--summary TEXT]
                        create a school, naming its organisers (people here)
  school edit HANDLE [--name NAME] [--summary TEXT] [--organisers A,B]
                        change a school's profile or its organisers
  school retire HANDLE  retire a school: it keeps its page and the badges it
                        issued, declines the courses waiting and takes no more
  school list           list the schools: handle, name, organisers, retired

While the node runs, the commands go through its admin socket
(DATA_DIR/admin.sock); while it is stopped, they open the data directory.

Flags (before or after the command):
  --data DIR            data directory (default $LERNEJO_DATA or ./data)
`

// defaultDataDir is serve's default data directory.
func defaultDataDir() string {
	if v := os.Getenv("LERNEJO_DATA"); v != "" {
		return v
	}
	return "./data"
}

// parseArgs parses fs's flags wherever they appear among the positional
// arguments ("create-user bea --admin"); after "--" everything is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// adminClient talks to a running node over its admin socket.
type adminClient struct {
	http *http.Client
}

// dialAdmin returns a client for the node serving dir, or nil when no node
// answers on dir's admin socket.
func dialAdmin(dir string) *adminClient {
	sock := filepath.Join(dir, node.AdminSocketName)
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return nil
	}
	c := &adminClient{http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives: true,
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://lernejo/v1/ping", nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return c
}

// call POSTs in (or GETs when in is nil) and decodes the answer into out.
func (c *adminClient) call(path string, in, out any) error {
	method, body := "GET", io.Reader(nil)
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		method, body = "POST", bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://lernejo"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin socket: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e node.AdminError
		if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("admin socket: %s", resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("admin socket: bad answer: %v", err)
	}
	return nil
}

// errInUse is what the CLI says when the directory is held but nobody
// answers on the socket.
func errInUse(dir string) error {
	return fmt.Errorf("data directory %s is in use by another lernejo process, and its admin socket does not answer", dir)
}

// openOffline opens a stopped node's data directory; it must exist.
func openOffline(dir string) (*node.Admin, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("data directory %s does not exist (pass --data, or start the node once)", dir)
	}
	a, err := node.OpenAdmin(dir, os.Getenv("LERNEJO_URL"))
	if errors.Is(err, node.ErrDataDirInUse) {
		return nil, errInUse(dir)
	}
	return a, err
}

// readPassword returns the first line of r, or a new generated password
// (generated is then true).
func readPassword(fromStdin bool, r io.Reader) (pw string, generated bool, err error) {
	if !fromStdin {
		pw, err := password.Generate()
		return pw, true, err
	}
	line, err := bufio.NewReader(io.LimitReader(r, password.MaxLen+3)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read the password from stdin: %v", err)
	}
	pw = strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", false, errors.New("no password on stdin")
	}
	return pw, false, nil
}

func admin(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "lernejo: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return code
	}
	data := defaultDataDir()
	top := flag.NewFlagSet("admin", flag.ContinueOnError)
	top.SetOutput(stderr)
	top.StringVar(&data, "data", data, "data directory")
	top.Usage = func() { fmt.Fprint(stderr, adminUsage) }
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if top.NArg() == 0 {
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	cmd, rest := top.Arg(0), top.Args()[1:]
	if cmd == "help" {
		fmt.Fprint(stdout, adminUsage)
		return 0
	}

	fs := flag.NewFlagSet("admin "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&data, "data", data, "data directory (default $LERNEJO_DATA or ./data)")
	var isAdmin, fromStdin, asJSON bool
	var name, reason, summary, organisers string
	var want []string // names of the positional arguments
	sub := ""         // school's own command: create, edit, retire or list
	if cmd == "school" {
		if len(rest) > 0 {
			sub, rest = rest[0], rest[1:]
		}
		switch sub {
		case "create", "edit":
			want = []string{"HANDLE"}
			fs.StringVar(&name, "name", "", "the school's name")
			fs.StringVar(&summary, "summary", "", "what the school is about")
			fs.StringVar(&organisers, "organisers", "", "handles of its organisers, people on this node, separated by commas")
		case "retire":
			want = []string{"HANDLE"}
		case "list":
		default:
			fmt.Fprintf(stderr, "lernejo: admin school needs create, edit, retire or list\n\n%s", adminUsage)
			return 2
		}
		fs.Init("admin school "+sub, flag.ContinueOnError)
		cmd += " " + sub
	}
	switch cmd {
	case "create-user":
		want = []string{"HANDLE"}
		fs.BoolVar(&isAdmin, "admin", false, "make the person an operator of the node")
		fs.StringVar(&name, "name", "", "display name")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin instead of generating one")
	case "reset-password":
		want = []string{"HANDLE"}
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin instead of generating one")
	case "block":
		want = []string{"DOMAIN"}
		fs.StringVar(&reason, "reason", "", "the operator's note on why (kept with the block)")
	case "unblock":
		want = []string{"DOMAIN"}
	case "reports":
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	case "users":
	case "suspend", "unsuspend":
		want = []string{"HANDLE"}
	case "school create", "school edit", "school retire", "school list":
	default:
		fmt.Fprintf(stderr, "lernejo: unknown admin command %q\n\n%s", cmd, adminUsage)
		return 2
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lernejo admin [--data DIR] %s %s [flags]\n\nFlags:\n", cmd, strings.Join(want, " "))
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(pos) != len(want) {
		if len(pos) < len(want) {
			return fail(2, fmt.Errorf("admin %s needs %s", cmd, strings.Join(want, " ")))
		}
		return fail(2, fmt.Errorf("unexpected argument %q", pos[len(want)]))
	}

	var pw string
	var generated bool
	if cmd == "create-user" || cmd == "reset-password" {
		if pw, generated, err = readPassword(fromStdin, stdin); err != nil {
			return fail(1, err)
		}
	}

	// Online when a node answers on the socket; offline otherwise.
	var ops adminOps
	if c := dialAdmin(data); c != nil {
		ops = socketOps{c}
	} else {
		a, err := openOffline(data)
		if err != nil {
			return fail(1, err)
		}
		defer a.Close()
		ops = localOps{a}
	}

	switch cmd {
	case "create-user":
		handle, err := ops.createUser(node.AdminUserRequest{Handle: pos[0], Name: name, Admin: isAdmin, Password: pw})
		if err != nil {
			return fail(1, err)
		}
		kind := "user"
		if isAdmin {
			kind = "admin"
		}
		if generated {
			fmt.Fprintf(stdout, "Created %s %s, password: %s (shown only once)\n", kind, handle, pw)
		} else {
			fmt.Fprintf(stdout, "Created %s %s.\n", kind, handle)
		}
	case "reset-password":
		handle := domain.NormaliseHandle(pos[0])
		if err := ops.resetPassword(node.AdminUserRequest{Handle: handle, Password: pw}); err != nil {
			return fail(1, err)
		}
		if generated {
			fmt.Fprintf(stdout, "Reset the password of %s, new password: %s (shown only once); their sessions are logged out.\n", handle, pw)
		} else {
			fmt.Fprintf(stdout, "Password of %s changed; their sessions are logged out.\n", handle)
		}
	case "block":
		r, err := ops.block(node.AdminBlockRequest{Domain: pos[0], Reason: reason})
		if err != nil {
			return fail(1, err)
		}
		p := r.Purged
		fmt.Fprintf(stdout, "Blocked %s and its subdomains; removed %d followers, %d follows, %d queued deliveries, %d cached actors, %d posts, %d cached tasks, %d received badges.\n",
			r.Domain, p.Followers, p.Followings, p.Deliveries, p.Actors, p.Posts, p.Tasks, p.Badges)
	case "unblock":
		if err := ops.unblock(node.AdminBlockRequest{Domain: pos[0]}); err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "Unblocked %s.\n", pos[0])
	case "reports":
		rs, err := ops.reports()
		if err != nil {
			return fail(1, err)
		}
		if asJSON {
			if rs == nil {
				rs = []*domain.Report{}
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(rs)
			return 0
		}
		printReports(stdout, rs)
	case "users":
		var people []*domain.Person
		for cursor := ""; ; {
			page, err := ops.users(cursor)
			if err != nil {
				return fail(1, err)
			}
			people = append(people, page.People...)
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		printUsers(stdout, people)
	case "suspend", "unsuspend":
		handle := domain.NormaliseHandle(pos[0])
		if err := ops.suspend(node.AdminSuspendRequest{Handle: handle, Suspend: cmd == "suspend"}); err != nil {
			return fail(1, err)
		}
		if cmd == "suspend" {
			fmt.Fprintf(stdout, "Suspended %s; their sessions are logged out.\n", handle)
		} else {
			fmt.Fprintf(stdout, "Unsuspended %s.\n", handle)
		}
	case "school create":
		r := node.AdminSchoolRequest{Handle: pos[0], Name: name, Summary: summary, Organisers: handles(organisers)}
		sc, err := ops.createSchool(r)
		if err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "Created the school %s (%s), organised by %s.\n", sc.Handle, sc.Name, strings.Join(sc.Organisers, ", "))
	case "school edit":
		// What is not given stays as it is: the school's name and summary
		// are read first, its organisers are left out of the request.
		r := node.AdminSchoolRequest{Handle: domain.NormaliseHandle(pos[0]), Name: name, Summary: summary}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if set["organisers"] {
			r.Organisers = handles(organisers)
		}
		if !set["name"] || !set["summary"] {
			sc, err := findSchool(ops, r.Handle)
			if err != nil {
				return fail(1, err)
			}
			if !set["name"] {
				r.Name = sc.Name
			}
			if !set["summary"] {
				r.Summary = sc.Summary
			}
		}
		sc, err := ops.editSchool(r)
		if err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "Saved the school %s (%s), organised by %s.\n", sc.Handle, sc.Name, strings.Join(sc.Organisers, ", "))
	case "school retire":
		handle := domain.NormaliseHandle(pos[0])
		if err := ops.retireSchool(node.AdminSchoolRequest{Handle: handle}); err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "Retired the school %s; it takes no new courses.\n", handle)
	case "school list":
		all, err := ops.schools()
		if err != nil {
			return fail(1, err)
		}
		printSchools(stdout, all)
	}
	return 0
}

// handles splits a list of handles separated by commas or spaces; none
// is an empty list, not nil (nil would leave the organisers unchanged).
func handles(s string) []string {
	out := []string{}
	for _, h := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.TrimPrefix(h, "@"))
	}
	return out
}

// findSchool is the school handle among the node's schools.
func findSchool(ops adminOps, handle string) (*domain.School, error) {
	all, err := ops.schools()
	if err != nil {
		return nil, err
	}
	for _, sc := range all {
		if sc.Handle == handle {
			return sc, nil
		}
	}
	return nil, fmt.Errorf("There is no school %q on this node.", handle)
}

func printSchools(w io.Writer, all []*domain.School) {
	if len(all) == 0 {
		fmt.Fprintln(w, "No schools.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HANDLE\tNAME\tORGANISERS\tRETIRED\tCREATED")
	for _, sc := range all {
		retired := "no"
		if sc.IsRetired() {
			retired = sc.Retired.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sc.Handle, sc.Name, strings.Join(sc.Organisers, ","), retired, sc.Created.UTC().Format(time.RFC3339))
	}
	tw.Flush()
}

func printUsers(w io.Writer, people []*domain.Person) {
	if len(people) == 0 {
		fmt.Fprintln(w, "No accounts.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HANDLE\tNAME\tADMIN\tSUSPENDED\tCREATED")
	yes := map[bool]string{true: "yes", false: "no"}
	for _, p := range people {
		suspended := "no"
		if p.IsSuspended() {
			suspended = p.Suspended.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Handle, p.DisplayName, yes[p.Admin], suspended, p.Created.UTC().Format(time.RFC3339))
	}
	tw.Flush()
}

func printReports(w io.Writer, rs []*domain.Report) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "No reports.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tSTATE\tREPORTER\tOBJECTS\tCOMMENT")
	for _, r := range rs {
		state := "open"
		if r.Resolved {
			state = "resolved"
		}
		comment := strings.Join(strings.Fields(r.Content), " ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Received.UTC().Format(time.RFC3339), state, r.Reporter,
			strings.Join(r.Objects, " "), domain.Truncate(comment, 80))
	}
	tw.Flush()
}

// adminOps are the admin commands, over the socket or on the directory.
type adminOps interface {
	createUser(node.AdminUserRequest) (string, error)
	resetPassword(node.AdminUserRequest) error
	block(node.AdminBlockRequest) (node.AdminBlockResponse, error)
	unblock(node.AdminBlockRequest) error
	reports() ([]*domain.Report, error)
	users(cursor string) (*service.UsersPage, error)
	suspend(node.AdminSuspendRequest) error
	createSchool(node.AdminSchoolRequest) (*domain.School, error)
	editSchool(node.AdminSchoolRequest) (*domain.School, error)
	retireSchool(node.AdminSchoolRequest) error
	schools() ([]*domain.School, error)
}

type socketOps struct{ c *adminClient }

func (s socketOps) createUser(r node.AdminUserRequest) (string, error) {
	var out struct{ Handle string }
	err := s.c.call("/v1/users", r, &out)
	return out.Handle, err
}

func (s socketOps) resetPassword(r node.AdminUserRequest) error {
	return s.c.call("/v1/password", r, nil)
}

func (s socketOps) block(r node.AdminBlockRequest) (node.AdminBlockResponse, error) {
	var out node.AdminBlockResponse
	err := s.c.call("/v1/block", r, &out)
	return out, err
}

func (s socketOps) unblock(r node.AdminBlockRequest) error {
	return s.c.call("/v1/unblock", r, nil)
}

func (s socketOps) reports() ([]*domain.Report, error) {
	var out []*domain.Report
	err := s.c.call("/v1/reports", nil, &out)
	return out, err
}

func (s socketOps) users(cursor string) (*service.UsersPage, error) {
	var out service.UsersPage
	err := s.c.call("/v1/users?cursor="+url.QueryEscape(cursor), nil, &out)
	return &out, err
}

func (s socketOps) suspend(r node.AdminSuspendRequest) error {
	return s.c.call("/v1/suspend", r, nil)
}

func (s socketOps) createSchool(r node.AdminSchoolRequest) (*domain.School, error) {
	var out domain.School
	err := s.c.call("/v1/schools", r, &out)
	return &out, err
}

func (s socketOps) editSchool(r node.AdminSchoolRequest) (*domain.School, error) {
	var out domain.School
	err := s.c.call("/v1/schools/edit", r, &out)
	return &out, err
}

func (s socketOps) retireSchool(r node.AdminSchoolRequest) error {
	return s.c.call("/v1/schools/retire", r, nil)
}

func (s socketOps) schools() ([]*domain.School, error) {
	var out []*domain.School
	err := s.c.call("/v1/schools", nil, &out)
	return out, err
}

type localOps struct{ a *node.Admin }

// msg gives an offline error the words the socket would have used.
func msg(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(node.AdminErrorMessage(err))
}

func (l localOps) createUser(r node.AdminUserRequest) (string, error) {
	p, err := l.a.Services.Accounts.Create(context.Background(), r.Handle, r.Name, r.Admin, r.Password)
	if err != nil {
		return "", msg(err)
	}
	return p.Handle, nil
}

func (l localOps) resetPassword(r node.AdminUserRequest) error {
	return msg(l.a.Services.Accounts.ResetPassword(context.Background(), r.Handle, r.Password))
}

func (l localOps) block(r node.AdminBlockRequest) (node.AdminBlockResponse, error) {
	b, purged, err := l.a.Services.Moderation.BlockDomain(context.Background(), r.Domain, r.Reason)
	if err != nil {
		return node.AdminBlockResponse{}, msg(err)
	}
	return node.AdminBlockResponse{Domain: b.Domain, Purged: purged}, nil
}

func (l localOps) unblock(r node.AdminBlockRequest) error {
	return msg(l.a.Services.Moderation.UnblockDomain(context.Background(), r.Domain))
}

func (l localOps) reports() ([]*domain.Report, error) {
	rs, err := l.a.Services.Moderation.Reports(context.Background())
	return rs, msg(err)
}

func (l localOps) users(cursor string) (*service.UsersPage, error) {
	page, err := l.a.Services.Accounts.Users(context.Background(), cursor)
	return page, msg(err)
}

func (l localOps) suspend(r node.AdminSuspendRequest) error {
	if r.Suspend {
		return msg(l.a.Services.Accounts.Suspend(context.Background(), "", r.Handle))
	}
	return msg(l.a.Services.Accounts.Unsuspend(context.Background(), r.Handle))
}

func (l localOps) createSchool(r node.AdminSchoolRequest) (*domain.School, error) {
	sc, err := node.CreateSchool(context.Background(), l.a, r)
	return sc, msg(err)
}

func (l localOps) editSchool(r node.AdminSchoolRequest) (*domain.School, error) {
	sc, err := node.EditSchool(context.Background(), l.a, r)
	return sc, msg(err)
}

func (l localOps) retireSchool(r node.AdminSchoolRequest) error {
	return msg(l.a.Services.Schools.Retire(context.Background(), service.ByOperator, r.Handle))
}

func (l localOps) schools() ([]*domain.School, error) {
	all, err := l.a.Services.Schools.List(context.Background())
	return all, msg(err)
}
