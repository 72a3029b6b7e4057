package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// Badger writes everything through mmap (badger/v4 options.go: "Badger does
// all writes via mmap"), into files it sizes with ftruncate, which reserves
// no blocks: on a full disk the write is a page fault the kernel cannot
// serve, and the process dies of SIGBUS — in the middle of a flood, and
// again in the replay of its logs at the next start (the hardening issue
// measured both on a 64 MiB tmpfs). No Badger option turns that into an
// error, so the node must never let the disk fill up under Badger:
//
//   - Below the watermark (MinFree) it takes no new work: inboxes and forms
//     answer 503, /healthz says why. What it acknowledged it still finishes.
//   - Below half the watermark the store refuses every write (ErrNoSpace)
//     and the inbox processor and the delivery workers wait.
//   - It keeps a reserve: a file of Reserve bytes of real blocks in the data
//     directory, deleted the moment space goes critical (something else may
//     be filling the disk), so Badger has room to flush and compact what it
//     holds, and to replay its logs when the node starts on a full disk.
//     It is written again once space is back.
//
// Everything resumes by itself when space is freed.

// Defaults of Options.MinFree and Options.Reserve.
const (
	DefaultMinFree = 512 << 20
	DefaultReserve = 64 << 20
)

// reserveName is the reserve file in the data directory. Deleting it by hand
// is safe: the node writes it again when there is room.
const reserveName = "disk-reserve"

// openNeeds is the space Badger needs to open a directory for writing: the
// replay of its memtables (two of 16 MiB, see badgerOptions) is flushed to
// new tables at once, and a new memtable log is mapped.
const openNeeds = 64 << 20

// spaceRefresh is how old a reading may be before the next use refreshes it.
// A write burst can outrun it by what the node writes in this time, far less
// than the watermark.
const spaceRefresh = 100 * time.Millisecond

// spaceGuard watches the free space of the data directory's disk.
type spaceGuard struct {
	dir              string
	minFree, reserve int64
	log              *slog.Logger
	statfs           func(dir string) (int64, error)

	checked  atomic.Int64 // UnixNano of the last reading
	free     atomic.Int64
	known    atomic.Bool
	readOnly atomic.Bool

	mu  sync.Mutex // one refresh at a time; owns low and the reserve file
	low bool       // what was last logged
}

func newSpaceGuard(dir string, minFree, reserve int64, log *slog.Logger) *spaceGuard {
	if minFree <= 0 {
		minFree = DefaultMinFree
	}
	if reserve < 0 {
		reserve = 0
	} else if reserve == 0 {
		reserve = DefaultReserve
	}
	os.Remove(filepath.Join(dir, reserveName+".tmp")) // a write the process did not finish
	return &spaceGuard{dir: dir, minFree: minFree, reserve: reserve, log: log, statfs: freeBytes}
}

// space returns the reading, refreshing it when it is stale. A caller that
// finds another refreshing takes the last reading rather than wait.
func (g *spaceGuard) space() domain.DiskSpace {
	if g == nil {
		return domain.DiskSpace{}
	}
	if time.Since(time.Unix(0, g.checked.Load())) > spaceRefresh && g.mu.TryLock() {
		g.refreshLocked(false)
		g.mu.Unlock()
	}
	return g.reading()
}

func (g *spaceGuard) reading() domain.DiskSpace {
	return domain.DiskSpace{Known: g.known.Load(), Free: g.free.Load(), MinFree: g.minFree, ReadOnly: g.readOnly.Load()}
}

// refresh reads the free space now and gives up the reserve when space is
// critical; with mayWrite it also writes the reserve again when there is
// room (the store's loop, every second; Open only reads, not to start late).
func (g *spaceGuard) refresh(mayWrite bool) domain.DiskSpace {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refreshLocked(mayWrite)
	return g.reading()
}

// refreshLocked takes a reading. Any reading that finds space critical
// deletes the reserve at once; writing it again (tens of MiB) is left to
// refresh, so that a request never waits for it.
func (g *spaceGuard) refreshLocked(mayWrite bool) {
	free, err := g.read()
	if err != nil {
		return
	}
	reservePath := filepath.Join(g.dir, reserveName)
	_, statErr := os.Stat(reservePath)
	haveReserve := statErr == nil
	switch {
	case free < g.minFree/2 && haveReserve:
		if err := os.Remove(reservePath); err != nil {
			g.log.Error("disk nearly full, and the reserve cannot be deleted", slog.String("file", reservePath), slog.Any("err", err))
			break
		}
		g.log.Warn("disk nearly full: deleted the reserve file so the store has room to finish its writes",
			slog.String("free", domain.Bytes(free)), slog.String("reserve", domain.Bytes(g.reserve)))
		free, _ = g.read()
	case mayWrite && !haveReserve && errors.Is(statErr, fs.ErrNotExist) && free >= g.minFree+g.reserve && g.reserve > 0:
		if err := writeReserve(reservePath, g.reserve); err != nil {
			g.log.Warn("write the disk reserve file", slog.String("file", reservePath), slog.Any("err", err))
		}
		free, _ = g.read()
	}
	low := g.readOnly.Load() || free < g.minFree
	if low != g.low {
		g.low = low
		if low {
			g.log.Warn("disk space low: inboxes and forms answer 503 until space is freed",
				slog.String("free", domain.Bytes(free)), slog.String("min_free", domain.Bytes(g.minFree)), slog.String("dir", g.dir))
		} else {
			g.log.Info("disk space is back: taking new work again", slog.String("free", domain.Bytes(free)))
		}
	}
}

// read takes one reading of the free space and records it.
func (g *spaceGuard) read() (int64, error) {
	free, err := g.statfs(g.dir)
	g.checked.Store(time.Now().UnixNano())
	if err != nil {
		if g.known.Swap(false) {
			g.log.Warn("cannot read the free disk space; the disk-space guard is off", slog.Any("err", err))
		}
		return 0, err
	}
	g.free.Store(free)
	g.known.Store(true)
	return free, nil
}

// writeReserve writes size bytes of zeros, synced, so the blocks are really
// taken (a sparse file would free nothing when deleted). A reserve that
// cannot be written whole is removed.
func writeReserve(path string, size int64) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	zeros := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(zeros)) {
		n := min(left, int64(len(zeros)))
		if _, err := f.Write(zeros[:n]); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
