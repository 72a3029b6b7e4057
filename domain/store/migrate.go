package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
)

// schemaVersion is the version of the indexes and counters this code
// keeps. A store written before them (no schema key) gets them built once,
// at Open, from the records: the follower-at index and the follower
// counts, the discussion's root and pinned indexes and its counts, the
// course lists, and the task completion counts; since schema 2, the
// outboxes; since schema 3, the index of posts by author; since schema 4,
// the course lists of each organiser; since schema 5, the inboxes of each
// local actor's accepted followers. Schema 6 moved the weekly meeting a
// course kept in its own record into a Meeting of the course.
const schemaVersion = 6

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
	// A store of schema 2 lacks only the index of posts by author: its
	// outboxes and counters stay as the writes kept them (the activities
	// that an outbox lists expire, so they could not be rebuilt).
	build := buildIndexes
	switch version {
	case 2:
		build = func(t *tx, wb *badger.WriteBatch) error {
			if err := buildPostsBy(t, wb); err != nil {
				return err
			}
			if err := buildCourseLists(t, wb); err != nil {
				return err
			}
			return buildSchema5(t, wb)
		}
	case 3:
		build = func(t *tx, wb *badger.WriteBatch) error {
			if err := buildCourseLists(t, wb); err != nil {
				return err
			}
			return buildSchema5(t, wb)
		}
	case 4:
		build = buildSchema5
	case 5:
		build = nil
	}
	now := time.Now().UTC()
	indexes := build
	build = func(t *tx, wb *badger.WriteBatch) error {
		if indexes != nil {
			if err := indexes(t, wb); err != nil {
				return err
			}
		}
		return buildSchema6(t, wb, now)
	}
	if err := s.db.View(func(txn *badger.Txn) error { return build(&tx{txn: txn}, wb) }); err != nil {
		return fmt.Errorf("store: build indexes: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("store: write indexes: %w", err)
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(key(pSchema), binary.BigEndian.AppendUint32(nil, schemaVersion))
	})
}

// buildIndexes writes the indexes and counters of every schema up to
// schemaVersion for every record t reads, for a store of schema 0 or 1:
// each write sets what the records say.
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
		if err := wb.Set(key(pPostBy, p.Author, p.ID), postRef(&p)); err != nil {
			return err
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

	if err := buildCourseLists(t, wb); err != nil {
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

	if err := t.each(prefixOf(pActivity), func(_, v []byte) error {
		var a domain.OutActivity
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("decode activity: %w", err)
		}
		object, err := t.listed(&a)
		if err != nil || object == "" {
			return err
		}
		k := outboxKey(a.Actor, a.Created, a.ID)
		counts[string(countKey("outbox", a.Actor))]++
		if err := wb.Set(k, []byte(object)); err != nil {
			return err
		}
		return wb.Set(key(pOutboxOf, object, a.ID), k)
	}); err != nil {
		return err
	}

	for k, n := range counts {
		if err := wb.Set([]byte(k), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
			return err
		}
	}
	return buildSchema5(t, wb)
}

// legacyMeeting is the weekly meeting a course kept in its own record
// before schema 6: a day ("monday".."sunday"), a time "HH:MM" in a zone
// ("" is UTC) and a place.
type legacyMeeting struct {
	Handle, Title                                          string
	MeetingDay, MeetingTime, MeetingPlace, MeetingTimezone string
	Created                                                time.Time
}

// legacyWeeks is how many sessions a course's weekly meeting becomes.
const legacyWeeks = 52

var legacyDays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// meeting is the Meeting that the course's weekly meeting becomes: weekly,
// legacyWeeks sessions, the first on its day and time at or after the
// course's creation, in its zone, with its place; false when the course
// had none, or one that does not make a meeting. Its id is a ULID of the
// course's creation with entropy from its handle, so that a migration
// that runs again (after a crash) writes the same meeting.
func (l *legacyMeeting) meeting(now time.Time) (*domain.Meeting, bool) {
	day, ok := legacyDays[strings.ToLower(strings.TrimSpace(l.MeetingDay))]
	if !ok {
		return nil, false
	}
	clock, err := time.Parse("15:04", strings.TrimSpace(l.MeetingTime))
	if err != nil {
		return nil, false
	}
	loc, err := domain.LoadZone(strings.TrimSpace(l.MeetingTimezone))
	if err != nil {
		return nil, false
	}
	created := l.Created
	if created.Before(time.Unix(0, 0)) {
		created = time.Unix(0, 0)
	}
	from := created.In(loc)
	start := time.Date(from.Year(), from.Month(), from.Day(), clock.Hour(), clock.Minute(), 0, 0, loc)
	for start.Weekday() != day || start.Before(created) {
		start = time.Date(start.Year(), start.Month(), start.Day()+1, clock.Hour(), clock.Minute(), 0, 0, loc)
	}
	sum := sha256.Sum256([]byte(l.Handle))
	id, err := ulid.New(ulid.Timestamp(created), bytes.NewReader(sum[:]))
	if err != nil {
		return nil, false
	}
	m := &domain.Meeting{ID: id.String(), Course: l.Handle, Title: domain.Truncate(l.Title, domain.MaxNameLen),
		Start: start, Timezone: loc.String(), Minutes: 60, Place: l.MeetingPlace, Repeat: domain.RepeatWeekly,
		Count: legacyWeeks, Created: now, Updated: now}
	m.Normalise()
	if m.Validate() != nil {
		return nil, false
	}
	return m, true
}

// buildSchema6 turns each course's weekly meeting into a Meeting of the
// course, and writes the course again without it.
func buildSchema6(t *tx, wb *badger.WriteBatch, now time.Time) error {
	return t.each(prefixOf(pCourse), func(_, v []byte) error {
		var l legacyMeeting
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("decode course: %w", err)
		}
		if l.MeetingDay == "" && l.MeetingTime == "" && l.MeetingPlace == "" && l.MeetingTimezone == "" {
			return nil
		}
		if m, ok := l.meeting(now); ok {
			b, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("encode meeting: %w", err)
			}
			if err := wb.Set(key(pMeeting, m.Course, m.ID), b); err != nil {
				return err
			}
		}
		var c domain.Course
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode course: %w", err)
		}
		b, err := json.Marshal(&c)
		if err != nil {
			return fmt.Errorf("encode course: %w", err)
		}
		return wb.Set(key(pCourse, c.Handle), b)
	})
}

// buildSchema5 writes the follower-inbox index from every follower t
// reads.
func buildSchema5(t *tx, wb *badger.WriteBatch) error {
	counts := map[string]uint64{}
	if err := t.each(prefixOf(pFollower), func(_, v []byte) error {
		var f domain.Follower
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("decode follower: %w", err)
		}
		if k := followerInboxKey(&f); k != nil {
			counts[string(k)]++
		}
		return nil
	}); err != nil {
		return err
	}
	for k, n := range counts {
		if err := wb.Set([]byte(k), binary.BigEndian.AppendUint64(nil, n)); err != nil {
			return err
		}
	}
	return nil
}

// buildPostsBy writes the index of posts by author (schema 3) for every
// post t reads.
func buildPostsBy(t *tx, wb *badger.WriteBatch) error {
	return t.each(prefixOf(pPost), func(_, v []byte) error {
		var p domain.Post
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode post: %w", err)
		}
		return wb.Set(key(pPostBy, p.Author, p.ID), postRef(&p))
	})
}

// buildCourseLists writes every course's entries in the course lists
// (those of its organisers since schema 4) for every course t reads.
func buildCourseLists(t *tx, wb *badger.WriteBatch) error {
	return t.each(prefixOf(pCourse), func(_, v []byte) error {
		var c domain.Course
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode course: %w", err)
		}
		for _, l := range c.Lists() {
			if err := wb.Set(append(courseListPrefix(l), c.Handle...), nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// listed is the object an activity sent before schema 2 publishes in its
// actor's outbox, or "" when it is not listed there: the public Creates
// and Announces whose object is still there (an announced post that is
// still stored, a created object with no tombstone).
func (t *tx) listed(a *domain.OutActivity) (string, error) {
	var doc struct {
		Type   string          `json:"type"`
		To     []string        `json:"to"`
		CC     []string        `json:"cc"`
		Object json.RawMessage `json:"object"`
	}
	if json.Unmarshal(a.JSON, &doc) != nil || (doc.Type != "Create" && doc.Type != "Announce") {
		return "", nil
	}
	if !slices.Contains(doc.To, publicID) && !slices.Contains(doc.CC, publicID) {
		return "", nil
	}
	var object string
	if json.Unmarshal(doc.Object, &object) != nil {
		var embedded struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(doc.Object, &embedded) != nil {
			return "", nil
		}
		object = embedded.ID
	}
	if object == "" {
		return "", nil
	}
	if doc.Type == "Announce" {
		if stored, err := t.exists(key(pPostURI, object)); err != nil || !stored {
			return "", err
		}
		return object, nil
	}
	if deleted, err := t.exists(key(pTombstone, object)); err != nil || deleted {
		return "", err
	}
	return object, nil
}

// publicID is ActivityStreams' Public collection, as activities address it.
const publicID = "https://www.w3.org/ns/activitystreams#Public"
