package store

// Storage rows of ../shared/HOSTILE.md (section 8); the index is
// docs/hostile-coverage.md.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// TestB1SyncWritesOnDisk (HOSTILE B1): a store on disk syncs every commit,
// so acknowledged writes survive a hard reboot, not only a process crash
// (the SIGKILL side is node.TestKillLoop; power loss cannot be tested).
func TestB1SyncWritesOnDisk(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.DB().Opts().SyncWrites {
		t.Fatal("SyncWrites is off for a store on disk")
	}
}

// TestB9SmallMemoryOptions (HOSTILE B9): Badger's defaults take about 400 MB
// (five 64 MiB memtables, a 256 MiB block cache); the node's options are
// sized for a small VPS.
func TestB9SmallMemoryOptions(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := s.DB().Opts()
	budget := o.MemTableSize*int64(o.NumMemtables) + o.BlockCacheSize + o.IndexCacheSize
	if budget > 64<<20 {
		t.Fatalf("memtables %d×%d + block cache %d + index cache %d = %d MiB, want at most 64 MiB",
			o.NumMemtables, o.MemTableSize, o.BlockCacheSize, o.IndexCacheSize, budget>>20)
	}
	if o.BypassLockGuard {
		t.Fatal("BypassLockGuard is on (HOSTILE B3)")
	}
}

// TestB8UseAfterCloseIsAnError (HOSTILE B8): after Close (once or twice),
// View and Update return an error; nothing panics.
func TestB8UseAfterCloseIsAnError(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ctx := context.Background()
	if err := s.View(ctx, func(tx domain.Tx) error { _, err := tx.Tombstone("x"); return err }); !errors.Is(err, badger.ErrDBClosed) {
		t.Fatalf("View after Close: %v, want ErrDBClosed", err)
	}
	if err := s.Update(ctx, func(tx domain.Tx) error { return tx.PutTombstone(&domain.Tombstone{ID: "x"}) }); !errors.Is(err, badger.ErrDBClosed) {
		t.Fatalf("Update after Close: %v, want ErrDBClosed", err)
	}
}

// copyDir copies the files of a Badger directory (the store is open: this is
// what a crash leaves on disk, before any clean close).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		src, err := os.Open(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestB2TornTailRecovers (HOSTILE B2): a crash leaves the last write half on
// disk. Copy an open store's directory, cut the newest memtable log in the
// middle of its last entry, and reopen: a read-only open refuses
// (ErrTruncateNeeded), a normal open succeeds, every write committed before
// the torn one is there, and the torn one is either gone or whole.
func TestB2TornTailRecovers(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 50
	for i := 0; i < n; i++ {
		if err := s.Update(ctx, func(tx domain.Tx) error {
			return tx.PutTombstone(&domain.Tombstone{ID: fmt.Sprintf("https://a.test/notes/%d", i), Deleted: time.Unix(int64(i), 0).UTC()})
		}); err != nil {
			t.Fatal(err)
		}
	}
	marker := "https://a.test/notes/torn-" + strings.Repeat("x", 200)
	if err := s.Update(ctx, func(tx domain.Tx) error {
		return tx.PutTombstone(&domain.Tombstone{ID: marker, Deleted: time.Unix(1000, 0).UTC()})
	}); err != nil {
		t.Fatal(err)
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	s.Close()

	mems, _ := filepath.Glob(filepath.Join(crashed, "*.mem"))
	if len(mems) == 0 {
		t.Fatal("no memtable log in the data directory (has Badger's layout changed?)")
	}
	sort.Strings(mems)
	newest := mems[len(mems)-1]
	b, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.LastIndex(b, []byte(marker))
	if at < 0 {
		t.Fatalf("the last write is not in %s", filepath.Base(newest))
	}
	if err := os.Truncate(newest, int64(at+len(marker)/2)); err != nil {
		t.Fatal(err)
	}

	if ro, err := badger.Open(badger.DefaultOptions(crashed).WithReadOnly(true).WithLogger(nil)); err == nil {
		ro.Close()
		t.Error("a read-only open of a directory with a torn tail succeeded, want ErrTruncateNeeded")
	} else if !errors.Is(err, badger.ErrTruncateNeeded) && !strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error()) {
		t.Errorf("read-only open: %v, want ErrTruncateNeeded", err) // Badger wraps it without %w
	}

	s2, err := Open(Options{Dir: crashed})
	if err != nil {
		t.Fatalf("open after a torn tail: %v", err)
	}
	defer s2.Close()
	if err := s2.View(ctx, func(tx domain.Tx) error {
		for i := 0; i < n; i++ {
			ts, err := tx.Tombstone(fmt.Sprintf("https://a.test/notes/%d", i))
			if err != nil || !ts.Deleted.Equal(time.Unix(int64(i), 0).UTC()) {
				t.Errorf("committed write %d after recovery: %+v %v", i, ts, err)
			}
		}
		if ts, err := tx.Tombstone(marker); err == nil && !ts.Deleted.Equal(time.Unix(1000, 0).UTC()) {
			t.Errorf("the torn write came back damaged: %+v", ts)
		} else if err != nil && !domain.IsNotFound(err) {
			t.Errorf("the torn write: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The recovered store takes writes again.
	if err := s2.Update(ctx, func(tx domain.Tx) error { return tx.PutTombstone(&domain.Tombstone{ID: "https://a.test/after"}) }); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
}

// TestB4RewritesKeepDiskBounded (HOSTILE B4): rewriting a large value (a
// 200 KiB journal item, as the inbox writes and deletes them) many times
// does not grow the data directory: the space of the old versions comes
// back. With values of this size in the value log it grew by 64 MiB every
// few hundred rewrites, with the value-log GC running.
func TestB4RewritesKeepDiskBounded(t *testing.T) {
	dir := t.TempDir()
	// No reserve file: its 64 MiB, written a second after Open, are not
	// Badger's growth.
	s, err := Open(Options{Dir: dir, Reserve: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	size := func() int64 {
		var n int64
		filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				n += fi.Size()
			}
			return nil
		})
		return n
	}
	raw := make([]byte, 200<<10)
	ctx := context.Background()
	var after100 int64
	for i := 1; i <= 600; i++ {
		raw[0] = byte(i)
		if err := s.Update(ctx, func(tx domain.Tx) error {
			return tx.PutInboxItem(&domain.InboxItem{ID: "01JB4", ActivityID: "https://a.test/1", Host: "a.test", Raw: raw})
		}); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			for s.DB().RunValueLogGC(0.5) == nil {
			}
		}
		if i == 100 {
			after100 = size()
		}
	}
	if grown := size() - after100; grown > 32<<20 {
		t.Fatalf("the data directory grew by %d MiB over 500 rewrites of one 200 KiB value", grown>>20)
	}
}
