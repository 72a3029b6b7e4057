package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/node"
)

const backupUsage = `Usage: lernejo backup [--data DIR] FILE

Writes a full backup of the node's data (a Badger backup stream) to FILE.
While the node runs, it asks the node over its admin socket, and the node
keeps serving; while it is stopped, it opens the data directory. The file
holds every actor's private key: keep it as safe as the data directory.
FILE is written as FILE.tmp first and renamed when complete.

Flags:
  --data DIR   data directory (default $LERNEJO_DATA or ./data)
`

const restoreUsage = `Usage: lernejo restore [--data DIR] FILE

Loads a backup made by "lernejo backup" into DIR, which must be empty or
not exist yet; then "lernejo serve --data DIR" serves the same actors with
the same keys and resumes the pending deliveries. A directory in use by a
node is never empty, so restore cannot overwrite a running node.

Flags:
  --data DIR   data directory (default $LERNEJO_DATA or ./data)
`

// parseFileCommand parses "[--data DIR] FILE" for backup and restore.
func parseFileCommand(name, usage string, args []string, stderr io.Writer) (data, file string, code int) {
	data = defaultDataDir()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&data, "data", data, "data directory")
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return "", "", 0
	}
	if err != nil {
		return "", "", 2
	}
	switch {
	case len(pos) == 0:
		fmt.Fprintf(stderr, "lernejo: %s needs FILE\n\n%s", name, usage)
		return "", "", 2
	case len(pos) > 1:
		fmt.Fprintf(stderr, "lernejo: unexpected argument %q\n", pos[1])
		return "", "", 2
	}
	return data, pos[0], -1
}

func backup(args []string, stdout, stderr io.Writer) int {
	data, file, code := parseFileCommand("backup", backupUsage, args, stderr)
	if code >= 0 {
		return code
	}
	size, err := writeBackup(data, file)
	if err != nil {
		fmt.Fprintf(stderr, "lernejo: backup: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes).\n", data, file, size)
	return 0
}

// writeBackup writes FILE.tmp (online through the socket, or offline),
// checks that it is a complete backup stream, and renames it to FILE.
func writeBackup(data, file string) (int64, error) {
	var source func(io.Writer) error
	if c := dialAdmin(data); c != nil {
		source = c.backup
	} else {
		if _, err := os.Stat(filepath.Join(data, "MANIFEST")); err != nil {
			if fi, err := os.Stat(data); err != nil || !fi.IsDir() {
				return 0, fmt.Errorf("data directory %s does not exist", data)
			}
			return 0, fmt.Errorf("%s is not a lernejo data directory (it has no MANIFEST)", data)
		}
		a, err := openOffline(data)
		if err != nil {
			return 0, err
		}
		defer a.Close()
		source = a.Backup
	}
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600) // it holds private keys
	if err != nil {
		return 0, err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := source(w); err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	done = true
	size, err := checkBackupFile(tmp)
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("the backup written is damaged: %v", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	syncDir(filepath.Dir(file))
	return size, nil
}

// backup streams a backup from the running node; it fails unless the node
// ends the stream with an "ok" trailer.
func (c *adminClient) backup(w io.Writer) error {
	req, err := http.NewRequestWithContext(context.Background(), "GET", "http://lernejo/v1/backup", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin socket: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin socket: %s", resp.Status)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("the node's backup stream broke off: %v", err)
	}
	switch st := resp.Trailer.Get(node.BackupTrailer); st {
	case "ok":
		return nil
	case "":
		return errors.New("the node's backup stream ended without its status; the node may have stopped")
	default:
		return fmt.Errorf("the node %s", st)
	}
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// maxBackupFrame bounds one record of a backup stream (Badger flushes its
// batches at 100 MiB).
const maxBackupFrame = 1 << 30

// checkBackupFile reads a Badger backup's framing (a little-endian uint64
// length, then that many bytes, repeated to the end) and returns the file's
// size. It catches a truncated or foreign file before Load would try to
// allocate a length read from garbage.
func checkBackupFile(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.IsDir() {
		return 0, fmt.Errorf("%s is a directory", path)
	}
	if fi.Size() == 0 {
		return 0, fmt.Errorf("%s is empty", path)
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var off int64
	for off < fi.Size() {
		var sz uint64
		if err := binary.Read(r, binary.LittleEndian, &sz); err != nil {
			return 0, fmt.Errorf("%s is not a lernejo backup, or is cut short", path)
		}
		off += 8
		if sz == 0 || sz > maxBackupFrame || int64(sz) > fi.Size()-off {
			return 0, fmt.Errorf("%s is not a lernejo backup, or is cut short", path)
		}
		if _, err := r.Discard(int(sz)); err != nil {
			return 0, fmt.Errorf("%s is not a lernejo backup, or is cut short", path)
		}
		off += int64(sz)
	}
	return fi.Size(), nil
}

func restore(args []string, stdout, stderr io.Writer) int {
	data, file, code := parseFileCommand("restore", restoreUsage, args, stderr)
	if code >= 0 {
		return code
	}
	keys, err := restoreBackup(data, file)
	if err != nil {
		fmt.Fprintf(stderr, "lernejo: restore: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	fmt.Fprintf(stdout, "Restored %s into %s (%d keys). Start the node with --data %s.\n", file, data, keys, data)
	return 0
}

// restoreBackup loads file into the empty or missing directory data and
// returns the number of keys restored. On failure it removes what it wrote.
func restoreBackup(data, file string) (int, error) {
	if _, err := checkBackupFile(file); err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(data)
	created := errors.Is(err, os.ErrNotExist)
	switch {
	case created:
		if err := os.MkdirAll(data, 0o700); err != nil {
			return 0, fmt.Errorf("data directory %s cannot be created: %v", data, unwrapPath(err))
		}
	case err != nil:
		return 0, fmt.Errorf("data directory %s: %v", data, unwrapPath(err))
	case len(entries) > 0:
		return 0, fmt.Errorf("data directory %s is not empty; restore only into an empty or new directory", data)
	}
	cleanup := func() {
		if created {
			os.RemoveAll(data)
			return
		}
		// It was empty: everything in it is ours.
		if es, err := os.ReadDir(data); err == nil {
			for _, e := range es {
				os.RemoveAll(filepath.Join(data, e.Name()))
			}
		}
	}
	n, err := load(data, file)
	if err != nil {
		cleanup()
		return 0, err
	}
	return n, nil
}

func load(data, file string) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := store.Open(store.Options{Dir: data})
	if err != nil {
		return 0, err
	}
	closed := false
	defer func() {
		if !closed {
			st.Close()
		}
	}()
	// 256 pending writes: Badger's own restore tool's default.
	if err := st.DB().Load(f, 256); err != nil {
		return 0, fmt.Errorf("load %s: %v", file, err)
	}
	n := 0
	isLernejo := false
	err = st.View(context.Background(), func(tx domain.Tx) error {
		var err error
		_, isLernejo, err = domain.Found(tx.InstanceActor())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read restored %s: %w", file, err)
	}
	if !isLernejo {
		return 0, fmt.Errorf("%s is a Badger backup but not of a lernejo node (it has no node actor)", file)
	}
	txn := st.DB().NewTransaction(false)
	it := txn.NewIterator(badgerKeysOnly)
	for it.Rewind(); it.Valid(); it.Next() {
		n++
	}
	it.Close()
	txn.Discard()
	closed = true
	if err := st.Close(); err != nil {
		return 0, fmt.Errorf("close data directory: %v", err)
	}
	return n, nil
}

// badgerKeysOnly iterates keys without reading values.
var badgerKeysOnly = badger.IteratorOptions{}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
