package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// schemaVersion is the version of the indexes and counters this code
// keeps. A store written before them (no schema key) gets them built once,
// at Open, from the records: the follower-at index and the follower
// counts, the discussion's root and pinned indexes and its counts, the
// course lists, and the task completion counts.
const schemaVersion = 1

// migrate builds what a store of an earlier schema lacks. It runs before
// the store serves anything; a crash halfway leaves the version unwritten,
// and the next Open builds it all again (every write is idempotent: index
// keys, and counters set to their totals).
func (s *Store) migrate() error {
	var version uint32
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key(pSchema))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if len(v) != 4 {
				return fmt.Errorf("schema key holds %d bytes", len(v))
			}
			version = binary.BigEndian.Uint32(v)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	if version >= schemaVersion {
		return nil
	}
	// A write batch commits as it fills: a big store's indexes do not fit
	// in one transaction (HOSTILE B5).
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	if err := s.db.View(func(txn *badger.Txn) error { return buildIndexes(&tx{txn: txn}, wb) }); err != nil {
		return fmt.Errorf("store: build indexes: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("store: write indexes: %w", err)
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(key(pSchema), binary.BigEndian.AppendUint32(nil, schemaVersion))
	})
}

// buildIndexes writes the indexes and counters of schema 1 for every record
// t reads.
func buildIndexes(t *tx, wb *badger.WriteBatch) error {
	counts := map[string]int{}
	set := func(k []byte) error { return wb.Set(k, nil) }

	if err := t.each(prefixOf(pFollower), func(_, v []byte) error {
		var f domain.Follower
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("decode follower: %w", err)
		}
		counts[string(followersCount(f.Local, f.State))]++
		return set(followerAtKey(&f))
	}); err != nil {
		return err
	}

	if err := t.each(prefixOf(pPost), func(_, v []byte) error {
		var p domain.Post
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode post: %w", err)
		}
		counts[string(countKey("posts", p.Course))]++
		counts[string(countKey("thread", p.Thread))]++
		if p.InReplyTo != "" {
			counts[string(countKey("replies", p.InReplyTo))]++
		}
		if p.Pinned && p.Local {
			if err := set(key(pPinned, p.Course, p.ID)); err != nil {
				return err
			}
		}
		root, err := t.isRoot(&p)
		if err != nil || !root {
			return err
		}
		return set(key(pRoot, p.Course, p.ID))
	}); err != nil {
		return err
	}

	if err := t.each(prefixOf(pCourse), func(_, v []byte) error {
		var c domain.Course
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode course: %w", err)
		}
		for _, l := range c.Lists() {
			if err := set(append(courseListPrefix(l), c.Handle...)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}

	if err := t.keys(prefixOf(pCompletion), func(rest []byte) error {
		parts := bytes.SplitN(rest, []byte{0}, 3)
		if len(parts) != 3 {
			return fmt.Errorf("completion key %q has %d parts", rest, len(parts))
		}
		counts[string(completionsCount(string(parts[0]), string(parts[1])))]++
		return nil
	}); err != nil {
		return err
	}

	for k, n := range counts {
		if err := wb.Set([]byte(k), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
			return err
		}
	}
	return nil
}
