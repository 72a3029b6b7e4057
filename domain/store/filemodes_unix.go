//go:build unix

package store

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// makePrivate keeps the data directory's files to their owner: they hold
// private keys, password hashes and session ids. Badger creates its files
// 0666 and its directories 0755 less the umask, so the process's umask is
// narrowed to take at least 077 away, before Badger creates anything: every
// file a node creates afterwards is its owner's alone, whatever umask it was
// started with. Files an earlier version left readable by others are made
// 0600, directories within 0700.
func makePrivate(dir string) error {
	// Never looser than before, not even for an instant: set 077 first,
	// then add back whatever stricter bits the old mask had.
	if old := syscall.Umask(0o077); old|0o077 != 0o077 {
		syscall.Umask(old | 0o077)
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil // the directory itself is the operator's (see node.checkDataDir)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 == 0 || info.Mode()&fs.ModeSymlink != 0 {
			return nil
		}
		mode := fs.FileMode(0o600)
		if d.IsDir() {
			mode = 0o700
		}
		if err := os.Chmod(path, mode); err != nil {
			return fmt.Errorf("make %s private: %w", path, err)
		}
		return nil
	})
}
