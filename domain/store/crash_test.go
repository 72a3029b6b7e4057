package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestB1EmptyFileFromAKillOpens (HOSTILE B1): Badger creates a memtable log
// or value log file and then sizes it; a SIGKILL between the two leaves an
// empty file, on which Badger's Open fails ("Create a new file", badger
// #2207). node.TestKillLoop met it. The store opens such a directory, with
// every committed write, and takes writes again.
func TestB1EmptyFileFromAKillOpens(t *testing.T) {
	for _, exts := range [][]string{{".mem"}, {".vlog"}, {".mem", ".vlog"}} {
		t.Run(strings.Join(exts, "+"), func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			const n = 20
			for i := range n {
				if err := s.Update(ctx, func(tx domain.Tx) error {
					return tx.PutTombstone(&domain.Tombstone{ID: fmt.Sprintf("https://a.test/notes/%d", i), Deleted: time.Unix(int64(i), 0).UTC()})
				}); err != nil {
					t.Fatal(err)
				}
			}
			// A crashed directory: a copy of the open store, plus the next
			// file of the kind, created and not yet sized.
			crashed := t.TempDir()
			copyDir(t, dir, crashed)
			s.Close()
			var names []string
			for _, ext := range exts {
				files, _ := filepath.Glob(filepath.Join(crashed, "*"+ext))
				if len(files) == 0 {
					t.Fatalf("no %s file in the data directory (has Badger's layout changed?)", ext)
				}
				sort.Strings(files)
				var fid int
				if _, err := fmt.Sscanf(filepath.Base(files[len(files)-1]), "%d", &fid); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%05d%s", fid+1, ext)
				if ext == ".vlog" {
					name = fmt.Sprintf("%06d%s", fid+1, ext)
				}
				if err := os.WriteFile(filepath.Join(crashed, name), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				names = append(names, name)
			}

			s2, err := Open(Options{Dir: crashed})
			if err != nil {
				t.Fatalf("open with empty %v: %v", names, err)
			}
			defer s2.Close()
			if err := s2.View(ctx, func(tx domain.Tx) error {
				for i := range n {
					if _, err := tx.Tombstone(fmt.Sprintf("https://a.test/notes/%d", i)); err != nil {
						t.Errorf("committed write %d: %v", i, err)
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := s2.Update(ctx, func(tx domain.Tx) error { return tx.PutTombstone(&domain.Tombstone{ID: "https://a.test/after"}) }); err != nil {
				t.Fatalf("write after recovery: %v", err)
			}
		})
	}
}
