// Package store is the Badger implementation of domain.Store.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// Options configure Open.
type Options struct {
	// Dir is the data directory; "" opens an in-memory store (tests).
	Dir    string
	Logger *slog.Logger
	// GCInterval is how often the value-log GC runs; 0 means 5 minutes.
	GCInterval time.Duration
	// MinFree is the free disk space under which the node takes no new
	// work, and under half of which the store writes nothing (see
	// space.go); 0 means DefaultMinFree.
	MinFree int64
	// Reserve is the size of the reserve file kept in Dir for when the disk
	// fills up; 0 means DefaultReserve, negative none.
	Reserve int64
}

// Store is a Badger-backed domain.Store.
type Store struct {
	// mu is held for reading by every use of db, and for writing only to
	// swap a read-only db for a writable one (reopen).
	mu        sync.RWMutex
	db        *badger.DB
	dir       string
	space     *spaceGuard // nil in memory
	log       *slog.Logger
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	// unmigrated is set when Open could not build the indexes of an older
	// schema for lack of disk space; the loop builds them later.
	unmigrated atomic.Bool

	// queue is the delivery queue's counts (see queueCounts).
	queue queueCounts

	// blocks is the committed domain block list, for DomainBlocked.
	blocks   atomic.Pointer[map[string]bool]
	blocksMu sync.Mutex
}

var _ domain.Store = (*Store)(nil)

// badgerOptions is a small-memory configuration. Badger's defaults take about
// 400 MB under write load (five 64 MiB memtables and a 256 MiB block cache);
// a community node runs on a small VPS.
//
// Every value under 1 MiB (all but the largest activities) lives in the LSM
// tree, not in the value log: compaction reclaims the space of deleted and
// rewritten values (the inbox journal deletes every item it processes), while
// the value log's GC only learns what is stale from compactions, which a
// store whose keys are few and whose values are big hardly has; with a 64 KiB
// threshold, rewriting one 200 KiB value grew the directory by 64 MiB every
// 300 writes, GC or not (HOSTILE B4, TestB4RewritesKeepDiskBounded). In
// memory there is no value log at all. Memtables of 16 MiB let a transaction
// hold 2.4 MiB: one activity of the largest size the inbox takes and more.
func badgerOptions(dir string, log *slog.Logger) badger.Options {
	o := badger.DefaultOptions(dir)
	if dir == "" {
		o = badger.DefaultOptions("").WithInMemory(true)
	}
	return o.
		WithValueThreshold(1 << 20). // Badger's largest
		WithMemTableSize(16 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBlockCacheSize(16 << 20).
		WithIndexCacheSize(8 << 20).
		WithValueLogFileSize(64 << 20).
		WithNumCompactors(2).
		// Acknowledged writes (inbox journal, deliveries, follows) must
		// survive a hard reboot, not just a process crash.
		WithSyncWrites(dir != "").
		WithLogger(badgerLogger{log})
}

// badgerNewFile is the text of the error (ristretto's z.NewFile) that
// Badger's Open fails with when it finds an empty memtable log or value log
// file, as a SIGKILL between creating and sizing one leaves (badger #2207).
// By then that Open has set the file up as a new one, under its directory
// lock, so opening again works. Badger wraps it with %+v, not %w: only the
// text is left to match.
const badgerNewFile = "Create a new file"

// Open opens (or creates) the store. A second process on the same directory
// fails at once with a clear error: Badger allows one process per directory.
func Open(opt Options) (*Store, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{dir: opt.Dir, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	readOnly := false
	if opt.Dir != "" {
		if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", opt.Dir, err)
		}
		if err := makePrivate(opt.Dir); err != nil {
			return nil, err
		}
		s.space = newSpaceGuard(opt.Dir, opt.MinFree, opt.Reserve, log)
		// Deletes the reserve if the disk is nearly full: room to replay.
		sp := s.space.refresh(false)
		readOnly = sp.Known && sp.Free < openNeeds
		if readOnly && needsReplay(opt.Dir) {
			// Badger opens read-only only what was closed cleanly, and even
			// reading its logs takes room on a tmpfs (a read of a hole
			// allocates there): say so rather than die of SIGBUS.
			return nil, fmt.Errorf("the disk holding %s is full (%s free), and the data, left by a crash, needs %s to replay its logs: free some space and start again",
				opt.Dir, domain.Bytes(sp.Free), domain.Bytes(openNeeds))
		}
	}
	db, err := openBadger(opt.Dir, log, readOnly)
	if err != nil {
		return nil, err
	}
	s.db = db
	if readOnly {
		s.space.readOnly.Store(true)
		log.Warn("disk full: the data directory is open read-only; pages are served, and the node takes new work once space is freed",
			slog.String("dir", opt.Dir), slog.String("free", domain.Bytes(s.space.reading().Free)))
	}
	if err := s.loadBlocks(); err != nil {
		db.Close()
		return nil, err
	}
	if sp := s.space.space(); sp.Critical() {
		// Building indexes writes, which a full disk cannot take: the loop
		// does it once there is room (pages miss what the indexes add).
		s.unmigrated.Store(true)
	} else if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.db.View(func(txn *badger.Txn) error {
		queued, retrying, err := (&tx{txn: txn}).countDeliveries()
		s.queue.queued.Store(int64(queued))
		s.queue.retrying.Store(int64(retrying))
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: count the delivery queue: %w", err)
	}
	interval := opt.GCInterval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	go s.loop(interval)
	return s, nil
}

// openBadger opens dir, for writing or read-only, with errors an operator
// can act on.
func openBadger(dir string, log *slog.Logger, readOnly bool) (*badger.DB, error) {
	var db *badger.DB
	var err error
	// An empty memtable log and an empty value log take one open each.
	for range 3 {
		db, err = badger.Open(badgerOptions(dir, log).WithReadOnly(readOnly))
		if err == nil || readOnly || !strings.Contains(err.Error(), badgerNewFile) {
			break
		}
		log.Warn("store: a file left empty by a crash was set up anew; opening again", slog.String("dir", dir), slog.Any("err", err))
	}
	switch {
	case err == nil:
		return db, nil
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return nil, fmt.Errorf("data directory %s is in use by another lernejo process", dir)
	case readOnly:
		return nil, fmt.Errorf("the disk holding %s is full, and its data cannot be opened read-only: free %s and start again (%w)",
			dir, domain.Bytes(openNeeds), err)
	}
	return nil, fmt.Errorf("open data directory %s: %w", dir, err)
}

// needsReplay reports whether dir holds memtable logs: Badger leaves them
// only when it was not closed cleanly (Close flushes and deletes them).
func needsReplay(dir string) bool {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	return len(logs) > 0
}

// loop runs until Close: every second it reads the free disk space (and
// reopens a read-only store for writing once there is room); every interval
// it runs Badger's value-log GC, which removes at most one file per call, so
// it loops until there is nothing to rewrite.
func (s *Store) loop(gcEvery time.Duration) {
	defer close(s.done)
	if s.space == nil {
		<-s.stop
		return
	}
	gc := time.NewTicker(gcEvery)
	defer gc.Stop()
	space := time.NewTicker(time.Second)
	defer space.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-space.C:
			sp := s.space.refresh(true)
			if sp.ReadOnly && sp.Free >= sp.MinFree {
				s.reopen()
				sp = s.space.space()
			}
			if !sp.Critical() && s.unmigrated.Load() {
				s.mu.RLock()
				err := s.migrate()
				s.mu.RUnlock()
				if err != nil {
					s.log.Error("build the store's indexes", slog.Any("err", err))
				} else {
					s.unmigrated.Store(false)
				}
			}
		case <-gc.C:
			if s.space.space().Critical() {
				continue // GC rewrites before it frees
			}
			for s.runGC() {
				select {
				case <-s.stop:
					return
				default:
				}
			}
		}
	}
}

func (s *Store) runGC() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.RunValueLogGC(0.5) == nil
}

// reopen swaps the read-only db for a writable one, once nothing uses it.
func (s *Store) reopen() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		s.log.Error("close the read-only store", slog.Any("err", err))
	}
	db, err := openBadger(s.dir, s.log, false)
	if err != nil {
		s.log.Error("reopen the store for writing", slog.Any("err", err))
		if db, err = openBadger(s.dir, s.log, true); err != nil {
			// Nothing is open now: every use fails until a restart.
			s.log.Error("reopen the store read-only", slog.Any("err", err))
		}
		s.db = db
		return
	}
	s.db = db
	s.space.readOnly.Store(false)
	s.log.Info("disk space is back: the store is open for writing again", slog.String("dir", s.dir))
}

// Space is the last reading of the disk's free space (refreshed if stale).
func (s *Store) Space() domain.DiskSpace { return s.space.space() }

// Close stops the GC loop and closes Badger exactly once; later calls return
// the first result (Badger panics on a double close).
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.db != nil {
			s.closeErr = s.db.Close()
		}
	})
	return s.closeErr
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(domain.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return errClosed
	}
	return s.db.View(func(txn *badger.Txn) error { return fn(&tx{txn: txn, queue: &s.queue}) })
}

var errClosed = errors.New("store: not open (see the log)")

// maxConflictRetries bounds the retries of a transaction that lost a write
// conflict to a concurrent one.
const maxConflictRetries = 50

// Update runs fn in a read-write transaction, retrying on ErrConflict. While
// the disk is critically full it writes nothing and returns ErrNoSpace.
func (s *Store) Update(ctx context.Context, fn func(domain.Tx) error) error {
	if s.space.space().Critical() {
		return domain.ErrNoSpace
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return errClosed
	}
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := new(tx)
		err := s.db.Update(func(txn *badger.Txn) error {
			*t = tx{txn: txn, queue: &s.queue} // the transaction may run again
			return fn(t)
		})
		if err == nil {
			s.queue.queued.Add(int64(t.queued))
			s.queue.retrying.Add(int64(t.retrying))
		}
		if err == nil && t.blocksChanged {
			err = s.loadBlocks()
		}
		if errors.Is(err, badger.ErrConflict) && i < maxConflictRetries {
			// A short random pause lets the winner's neighbours spread out.
			time.Sleep(time.Duration(rand.IntN(500*(i+1))) * time.Microsecond)
			continue
		}
		return err
	}
}

// DomainBlocked reports whether host is covered by a committed domain block.
func (s *Store) DomainBlocked(host string) bool {
	return domain.IsBlockedIn(*s.blocks.Load(), host)
}

// loadBlocks reads the block list into memory; Open and every Update that
// changed it call it, one at a time.
func (s *Store) loadBlocks() error {
	s.blocksMu.Lock()
	defer s.blocksMu.Unlock()
	m := map[string]bool{}
	if err := s.db.View(func(txn *badger.Txn) error {
		bs, err := (&tx{txn: txn}).DomainBlocks()
		for _, b := range bs {
			m[b.Domain] = true
		}
		return err
	}); err != nil {
		return fmt.Errorf("store: load domain blocks: %w", err)
	}
	s.blocks.Store(&m)
	return nil
}

// DB exposes the Badger handle to offline tools (restore, verify), which
// are its only user; a running node uses Backup and Size.
func (s *Store) DB() *badger.DB { return s.db }

// Backup writes a full backup of the store to w (Badger's stream format).
func (s *Store) Backup(w io.Writer) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return errClosed
	}
	_, err := s.db.Backup(w, 0)
	return err
}

// Size is the size of the LSM tree and of the value log, in bytes.
func (s *Store) Size() (lsm, vlog int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return 0, 0
	}
	return s.db.Size()
}

// badgerLogger routes Badger's logs to slog; its info chatter goes to debug.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any) {
	l.log.Error(strings.TrimSpace(fmt.Sprintf(f, a...)), slog.String("component", "badger"))
}
func (l badgerLogger) Warningf(f string, a ...any) {
	l.log.Warn(strings.TrimSpace(fmt.Sprintf(f, a...)), slog.String("component", "badger"))
}
func (l badgerLogger) Infof(f string, a ...any) {
	l.log.Debug(strings.TrimSpace(fmt.Sprintf(f, a...)), slog.String("component", "badger"))
}
func (l badgerLogger) Debugf(f string, a ...any) {}
