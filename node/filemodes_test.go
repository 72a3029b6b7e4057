package node

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestDataFilesArePrivate: started under the common umask 022, a node
// creates its data directory 0700, every file in it (Badger's tables and
// logs hold private keys, password hashes and session ids) 0600 or
// stricter, and its admin socket 0600 from the moment it exists.
func TestDataFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "data")
	n := startNode(t, Config{DataDir: dir, Demo: true})
	if err := n.Services.Accounts.Register(context.Background(), &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		seen := 0
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			info, _ := d.Info()
			if perm := info.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s is %04o", path, perm)
			}
			if d.Name() == "admin.sock" && info.Mode().Perm() != 0o600 {
				t.Errorf("admin.sock is %04o, want 0600", info.Mode().Perm())
			}
			seen++
			return nil
		})
		if seen < 4 {
			t.Fatalf("only %d entries in the data directory", seen)
		}
	}
	check()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	check() // and the tables Badger wrote on closing
}

// TestSharedDataDirIsRefused: a data directory that holds a store and that
// others may read (chmod-ed 0755 by the operator, say) is refused with a
// message that says what to do; with AllowSharedDataDir the node starts,
// and the files in the directory, an old one left 0644 included, are made
// private all the same. An empty directory made 0755 (a plain mkdir under
// umask 022) is made private, and the node starts.
func TestSharedDataDirIsRefused(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "fresh")
	if err := os.Mkdir(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	first := startNode(t, Config{DataDir: fresh})
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o700 {
		t.Errorf("a fresh 0755 data directory is now %04o", fi.Mode().Perm())
	}
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := fresh // now holding a store
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "left-by-an-old-version")
	if err := os.WriteFile(old, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Listen: "127.0.0.1:0", DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) || !strings.Contains(err.Error(), "--allow-shared-data-dir") {
		t.Fatalf("a 0755 data directory: %v", err)
	}
	startNode(t, Config{DataDir: dir, AllowSharedDataDir: true})
	if fi, err := os.Stat(old); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the old file: %v %v", fi.Mode(), err)
	}
}
