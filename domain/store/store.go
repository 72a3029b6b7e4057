// Package store is the Badger implementation of domain.Store.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
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
}

// Store is a Badger-backed domain.Store.
type Store struct {
	db        *badger.DB
	log       *slog.Logger
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

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
	var db *badger.DB
	var err error
	// An empty memtable log and an empty value log take one open each.
	for range 3 {
		db, err = badger.Open(badgerOptions(opt.Dir, log))
		if err == nil || !strings.Contains(err.Error(), badgerNewFile) {
			break
		}
		log.Warn("store: a file left empty by a crash was set up anew; opening again", slog.String("dir", opt.Dir), slog.Any("err", err))
	}
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("data directory %s is in use by another lernejo process", opt.Dir)
		}
		return nil, fmt.Errorf("open data directory %s: %w", opt.Dir, err)
	}
	s := &Store{db: db, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.loadBlocks(); err != nil {
		db.Close()
		return nil, err
	}
	interval := opt.GCInterval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	go s.gcLoop(interval, opt.Dir == "")
	return s, nil
}

// gcLoop runs Badger's value-log GC until Close. RunValueLogGC removes at most
// one file per call, so it loops until there is nothing to rewrite.
func (s *Store) gcLoop(every time.Duration, inMemory bool) {
	defer close(s.done)
	if inMemory {
		<-s.stop
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for s.db.RunValueLogGC(0.5) == nil {
				select {
				case <-s.stop:
					return
				default:
				}
			}
		}
	}
}

// Close stops the GC loop and closes Badger exactly once; later calls return
// the first result (Badger panics on a double close).
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(domain.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(txn *badger.Txn) error { return fn(&tx{txn: txn}) })
}

// maxConflictRetries bounds the retries of a transaction that lost a write
// conflict to a concurrent one.
const maxConflictRetries = 50

// Update runs fn in a read-write transaction, retrying on ErrConflict.
func (s *Store) Update(ctx context.Context, fn func(domain.Tx) error) error {
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := new(tx)
		err := s.db.Update(func(txn *badger.Txn) error {
			*t = tx{txn: txn} // the transaction may run again
			return fn(t)
		})
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

// DB exposes the Badger handle for backups and size metrics.
func (s *Store) DB() *badger.DB { return s.db }

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
