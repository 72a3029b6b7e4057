package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// inboxRecorder is a remote inbox that records the activity types POSTed to it.
type inboxRecorder struct {
	*httptest.Server
	mu  sync.Mutex
	got []string
}

func newInboxRecorder(t *testing.T) *inboxRecorder {
	r := &inboxRecorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req.Method+" "+req.URL.Path+" "+string(b))
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *inboxRecorder) posts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// kv is one Badger entry as a backup must keep it.
type kv struct {
	value     string
	userMeta  byte
	expiresAt uint64
}

// dump reads every live key of a data directory.
func dump(t *testing.T, dir string) map[string]kv {
	t.Helper()
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := map[string]kv{}
	err = s.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(item.KeyCopy(nil))] = kv{string(v), item.UserMeta(), item.ExpiresAt()}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// populate fills dir as a node that has been used: the demo content, a
// second person enrolled in the study group, a remote follower of the group,
// a post whose delivery to that follower is pending (due in an hour), a
// domain block and a report.
func populate(t *testing.T, dir, url, remote string) {
	t.Helper()
	ctx := context.Background()
	n, err := node.New(node.Config{Listen: "127.0.0.1:0", URL: url, DataDir: dir, Demo: true,
		AllowPrivateNetworks: true, DemoOutput: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close(ctx)
	hash, _ := password.Hash("bea-password")
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "bea", node.DemoCourse, "To learn Python."); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		if err := tx.PutFollower(&domain.Follower{Local: node.DemoCourse, Actor: remote + "/users/zoe", ActivityID: remote + "/follows/1",
			State: domain.FollowAccepted, Inbox: remote + "/inbox", Created: now}); err != nil {
			return err
		}
		if err := tx.PutDomainBlock(&domain.DomainBlock{Domain: "spam.example", Reason: "spam", Created: now}); err != nil {
			return err
		}
		return tx.PutReport(&domain.Report{ID: "01JREPORT", Reporter: remote + "/actor", Objects: []string{url + "/users/bea"},
			Content: "test report", Received: now})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: node.DemoCourse, Course: node.DemoCourse, Text: "Week 1: hello #python"}); err != nil {
		t.Fatal(err)
	}
	// The node never started, so the delivery is still queued; put it an
	// hour ahead so the node serving dir leaves it alone.
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		ds, err := tx.Deliveries()
		if err != nil {
			return err
		}
		if len(ds) != 1 || ds[0].Inbox != remote+"/inbox" {
			t.Errorf("deliveries after the post: %+v", ds)
		}
		for _, d := range ds {
			if err := tx.DeleteDelivery(d); err != nil {
				return err
			}
			d.NextAt = now.Add(time.Hour)
			if err := tx.PutDelivery(d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestBackupRestoreRoundTrip backs up a populated node while it runs (in a
// child process, through its admin socket), restores into a new directory,
// and checks that the copy is the same store (HOSTILE B6), and that a node
// started on it has the same actors and keys and delivers what was pending.
func TestBackupRestoreRoundTrip(t *testing.T) {
	remote := newInboxRecorder(t)
	dir := t.TempDir()
	addr := freePort(t)
	url := "http://" + addr
	populate(t, dir, url, remote.URL)

	srv, _, srvLog := child(t, "serve", "--listen", addr, "--url", url, "--data", dir, "--log-format", "json")
	waitHealthy(t, addr)

	bak := filepath.Join(t.TempDir(), "node.backup")
	var out, errb bytes.Buffer
	if code := run([]string{"backup", "--data", dir, bak}, &out, &errb); code != 0 {
		t.Fatalf("online backup: exit %d, %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "Backed up "+dir+" to "+bak) {
		t.Errorf("backup said %q", out.String())
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srvLog.String(), "admin: backup taken") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // the child logs after answering; the pipe may lag
	}
	if !strings.Contains(srvLog.String(), "admin: backup taken") {
		t.Errorf("the backup did not go through the running node; its log:\n%s", srvLog)
	}
	if fi, err := os.Stat(bak); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v %v", fi, err)
	}
	if _, err := os.Stat(bak + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
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
	if remote.posts() != nil {
		t.Fatalf("the pending delivery was attempted before its time: %v", remote.posts())
	}

	// Restore into a new directory, refusing a non-empty one.
	out.Reset()
	errb.Reset()
	if code := run([]string{"restore", "--data", dir, bak}, &out, &errb); code != 1 ||
		errb.String() != "lernejo: restore: data directory "+dir+" is not empty; restore only into an empty or new directory\n" {
		t.Errorf("restore into the live directory: exit %d, %q", code, errb.String())
	}
	restored := filepath.Join(t.TempDir(), "restored")
	out.Reset()
	errb.Reset()
	if code := run([]string{"restore", "--data", restored, bak}, &out, &errb); code != 0 {
		t.Fatalf("restore: exit %d, %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "Restored "+bak+" into "+restored) {
		t.Errorf("restore said %q", out.String())
	}

	// Every key and value is the same.
	a, b := dump(t, dir), dump(t, restored)
	if len(a) < 20 {
		t.Fatalf("only %d keys in the populated node", len(a))
	}
	for k, v := range a {
		if w, ok := b[k]; !ok {
			t.Errorf("key %q missing from the restored store", k)
		} else if w != v {
			t.Errorf("key %q differs:\n%+v\n%+v", k, v, w)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("key %q only in the restored store", k)
		}
	}

	// A node on the copy, its clock two hours on, has the same actors and
	// keys, the enrolment and post, and delivers the pending post.
	ctx := context.Background()
	type actor struct{ pub, priv string }
	actors := func(s *store.Store) map[string]actor {
		m := map[string]actor{}
		err := s.View(ctx, func(tx domain.Tx) error {
			for _, h := range []string{node.DemoOrganiser, "bea", node.DemoSchool, node.DemoCourse, domain.InstanceActorName} {
				priv, err := tx.PrivateKey(h)
				if err != nil {
					return err
				}
				m[h] = actor{priv: priv}
			}
			for _, h := range []string{node.DemoOrganiser, "bea"} {
				p, err := tx.Person(h)
				if err != nil {
					return err
				}
				m[h] = actor{pub: p.PublicKeyPEM, priv: m[h].priv}
			}
			c, err := tx.Course(node.DemoCourse)
			if err != nil {
				return err
			}
			m[node.DemoCourse] = actor{pub: c.PublicKeyPEM, priv: m[node.DemoCourse].priv}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	orig, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := actors(orig)
	orig.Close()

	n, err := node.New(node.Config{Listen: "127.0.0.1:0", URL: url, DataDir: restored, AllowPrivateNetworks: true,
		Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close(ctx)
	got := actors(n.Store)
	for h, w := range want {
		if got[h] != w || w.priv == "" {
			t.Errorf("actor %s: keys differ after restore", h)
		}
	}
	if err := n.Store.View(ctx, func(tx domain.Tx) error {
		f, err := tx.Follower(node.DemoCourse, n.URLs.Actor(domain.ActorPerson, "bea"))
		if err != nil || f.Answers != "To learn Python." {
			t.Errorf("enrolment: %+v %v", f, err)
		}
		ps, err := tx.AllPosts()
		week1 := slices.IndexFunc(ps, func(p *domain.Post) bool { return strings.Contains(p.Content, "Week 1") })
		if err != nil || len(ps) != 4 || week1 < 0 { // and the demo's three task posts
			t.Errorf("posts: %v %v", ps, err)
		}
		ds, err := tx.Deliveries()
		if err != nil || len(ds) != 1 {
			t.Errorf("pending deliveries: %v %v", ds, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n.Start()
	deadline := time.Now().Add(30 * time.Second)
	for len(remote.posts()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if p := remote.posts(); len(p) != 1 || !strings.HasPrefix(p[0], "POST /inbox ") || !strings.Contains(p[0], `"Create"`) {
		t.Fatalf("the restored node did not resume the pending delivery: %v", p)
	}
}

// TestBackupOfflineAndBadFiles backs up a stopped node and refuses broken
// backups without leaving anything behind.
func TestBackupOfflineAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"admin", "--data", dir, "create-user", "ada"}, &out, &errb); code != 0 {
		t.Fatalf("create-user: %d %s", code, errb.String())
	}
	bak := filepath.Join(t.TempDir(), "b")
	if code := run([]string{"backup", bak, "--data", dir}, &out, &errb); code != 0 {
		t.Fatalf("offline backup: %d %s", code, errb.String())
	}
	restored := t.TempDir() // exists, empty
	if code := run([]string{"restore", "--data", restored, bak}, &out, &errb); code != 0 {
		t.Fatalf("restore into an empty directory: %d %s", code, errb.String())
	}
	if a, b := dump(t, dir), dump(t, restored); len(a) != len(b) || len(a) == 0 {
		t.Errorf("offline round trip: %d keys, then %d", len(a), len(b))
	}

	data, _ := os.ReadFile(bak)
	cut := filepath.Join(t.TempDir(), "cut")
	os.WriteFile(cut, data[:len(data)-3], 0o600)
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("this is not a backup at all, but it is long enough"), 0o600)
	for _, tc := range []struct{ name, file, want string }{
		{"truncated", cut, "lernejo: restore: " + cut + " is not a lernejo backup, or is cut short\n"},
		{"junk", junk, "lernejo: restore: " + junk + " is not a lernejo backup, or is cut short\n"},
		{"missing", filepath.Join(t.TempDir(), "nope"), "lernejo: restore: open "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "new")
			var out, errb bytes.Buffer
			if code := run([]string{"restore", "--data", target, tc.file}, &out, &errb); code != 1 || !strings.HasPrefix(errb.String(), tc.want) {
				t.Errorf("exit %d, %q, want %q", code, errb.String(), tc.want)
			}
			if _, err := os.Stat(target); !os.IsNotExist(err) {
				t.Errorf("restore left %s behind", target)
			}
		})
	}

	errb.Reset()
	if code := run([]string{"backup", "--data", filepath.Join(dir, "nope"), bak}, &out, &errb); code != 1 ||
		errb.String() != "lernejo: backup: data directory "+filepath.Join(dir, "nope")+" does not exist\n" {
		t.Errorf("backup of a missing directory: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"backup", "--data", dir}, &out, &errb); code != 2 || !strings.HasPrefix(errb.String(), "lernejo: backup needs FILE") {
		t.Errorf("backup without FILE: %d %q", code, errb.String())
	}
}
