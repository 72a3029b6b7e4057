package store

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// Paged reads
//
// A page is read by seeking an iterator to the cursor's key and reading at
// most limit entries from there (keyset pagination): a page costs what it
// shows, however long the list. A cursor is a direction and the rest of a
// key after the list's prefix, base64url-encoded: "after this key" (the
// next page) or "before this key" (the previous one), in the list's order.

const (
	afterKey  = 'a'
	beforeKey = 'b'
	// maxCursorLen bounds a cursor from a link: keys are short, and a long
	// query string must not cost a long decode.
	maxCursorLen = 2048
)

// errBadCursor is what a cursor the store did not make gets: a link the
// person can be told is broken, not a server error.
var errBadCursor = domain.Errorf(domain.EINVALID, "This page link is not valid: go back to the first page.")

func encodeCursor(dir byte, rest []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{dir}, rest...))
}

func decodeCursor(c string) (dir byte, rest []byte, err error) {
	if c == "" {
		return 0, nil, nil
	}
	if len(c) > maxCursorLen {
		return 0, nil, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || (b[0] != afterKey && b[0] != beforeKey) {
		return 0, nil, errBadCursor
	}
	if len(b) == 1 {
		return b[0], nil, nil // from either end
	}
	return b[0], b[1:], nil
}

// pageSpec is a list: the keys under prefix, newest first (reverse key
// order) when desc. values says whether decoding needs the keys' values.
type pageSpec struct {
	prefix []byte
	desc   bool
	values bool
}

// upperBound is a key after every key under prefix, where a reverse
// iteration starts. Keys never hold 0xff bytes in a row (handles, ids and
// URIs are UTF-8, times are big-endian nanoseconds of this era).
func upperBound(prefix []byte) []byte {
	return append(slices.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
}

// walk iterates the keys under prefix from just past `from` (exclusive;
// nil for the start), forwards in key order or backwards (reverse). fn
// gets the rest of each key after the prefix (a copy) and its value, and
// returns false to stop; walk then reports whether another key follows.
// It opens one iterator and closes it before returning: a read-write
// transaction may have only one open at a time.
func (t *tx) walk(prefix, from []byte, reverse, values bool, prefetch int, fn func(rest, v []byte) (bool, error)) (more bool, err error) {
	opt := badger.IteratorOptions{Prefix: prefix, Reverse: reverse, PrefetchValues: values, PrefetchSize: max(1, min(prefetch, 64))}
	it := t.txn.NewIterator(opt)
	defer it.Close()
	var start []byte
	switch {
	case from != nil:
		start = append(slices.Clone(prefix), from...)
	case reverse:
		start = upperBound(prefix)
	default:
		start = prefix
	}
	it.Seek(start)
	if from != nil && it.Valid() && bytes.Equal(it.Item().Key(), start) {
		it.Next()
	}
	for ; it.Valid(); it.Next() {
		item := it.Item()
		rest := item.KeyCopy(nil)[len(prefix):]
		var v []byte
		if values {
			if v, err = item.ValueCopy(nil); err != nil {
				return false, fmt.Errorf("store: read %x: %w", item.Key(), err)
			}
		}
		goOn, err := fn(rest, v)
		if err != nil {
			return false, err
		}
		if !goOn {
			it.Next()
			return it.Valid(), nil
		}
	}
	return false, nil
}

// beyond reports whether a key under prefix lies past `from` (exclusive)
// in the given direction.
func (t *tx) beyond(prefix, from []byte, reverse bool) (bool, error) {
	found := false
	_, err := t.walk(prefix, from, reverse, false, 1, func([]byte, []byte) (bool, error) {
		found = true
		return false, nil
	})
	return found, err
}

// readPage reads one page of the list spec from the position cursor names.
// decode turns a key (its rest after the prefix) and value into an item,
// or nil to skip an index entry whose record is gone; keep, when not nil,
// filters items, and then at most limit*domain.MaxPageScan entries are
// examined, so a filtered page may be short, with a next cursor where the
// read stopped. A cursor past either end (its entries were deleted) gives
// the last or the first page instead of an empty one.
func readPage[T any](t *tx, spec pageSpec, cursor string, limit int, decode func(rest, v []byte) (*T, error), keep func(*T) bool) (domain.Page[*T], error) {
	var page domain.Page[*T]
	if limit < 1 || limit > domain.MaxPageSize {
		return page, fmt.Errorf("store: page limit %d out of range", limit)
	}
	dir, pos, err := decodeCursor(cursor)
	if err != nil {
		return page, err
	}
	scan := limit
	if keep != nil {
		scan = limit * domain.MaxPageScan
	}
	backwards := dir == beforeKey
	// The list's order is key order, or its reverse when desc; a page
	// before the cursor is read against the list's order.
	reverse := spec.desc != backwards
	var first, last []byte // examined entries at either end, in iteration order
	examined := 0
	more, err := t.walk(spec.prefix, pos, reverse, spec.values, scan, func(rest, v []byte) (bool, error) {
		if first == nil {
			first = rest
		}
		last = rest
		examined++
		x, err := decode(rest, v)
		if err != nil {
			return false, err
		}
		if x != nil && (keep == nil || keep(x)) {
			page.Items = append(page.Items, x)
		}
		return len(page.Items) < limit && examined < scan, nil
	})
	if err != nil {
		return page, err
	}
	if examined == 0 {
		switch {
		case dir == afterKey:
			// Past the end: the last page.
			return readPage(t, spec, encodeCursor(beforeKey, nil), limit, decode, keep)
		case dir == beforeKey && pos != nil:
			return readPage(t, spec, "", limit, decode, keep)
		}
		return page, nil
	}
	// Whether entries lie beyond the page on the side it was read from:
	// none before the first page, and before the cursor's entry only if
	// it or an earlier one is still there.
	var behind bool
	switch {
	case dir == 0 || (backwards && pos == nil):
		behind = false
	default:
		if behind, err = t.beyond(spec.prefix, first, !reverse); err != nil {
			return page, err
		}
	}
	if backwards {
		slices.Reverse(page.Items)
		first, last = last, first
		more, behind = behind, more
	}
	if behind {
		page.Prev = encodeCursor(beforeKey, first)
	}
	if more {
		page.Next = encodeCursor(afterKey, last)
	}
	return page, nil
}

// --- counters

// A counter is a count a page shows ("1,234 members"), kept by the writes
// that change it, so showing it costs one read (see migrate for stores
// written before the counters).

func countKey(parts ...string) []byte { return key(pCount, parts...) }

// counter reads a count; a missing counter is 0.
func (t *tx) counter(k []byte) (int, error) {
	item, err := t.txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: read counter: %w", err)
	}
	var n int64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("store: counter %x holds %d bytes", k, len(v))
		}
		n = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return int(n), err
}

// setCounter writes a count; 0 removes the counter.
func (t *tx) setCounter(k []byte, n int) error {
	if n <= 0 {
		return t.txn.Delete(k)
	}
	return t.txn.Set(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// addCounter adds delta to a count (never below 0).
func (t *tx) addCounter(k []byte, delta int) error {
	n, err := t.counter(k)
	if err != nil {
		return err
	}
	return t.setCounter(k, n+delta)
}
