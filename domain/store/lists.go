package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/lernejo/lernejo/domain"
)

// The lists pages show, read a page at a time (the …Page methods of the
// domain store interfaces), and the indexes and counters the writes keep
// for them.

// orNil turns a missing record behind an index entry into a skipped entry.
func orNil[T any](x *T, err error) (*T, error) {
	if domain.IsNotFound(err) {
		return nil, nil
	}
	return x, err
}

// decodeJSON is the decode of a list whose values are the records.
func decodeJSON[T any](_, v []byte) (*T, error) {
	x := new(T)
	if err := json.Unmarshal(v, x); err != nil {
		return nil, fmt.Errorf("store: decode %T: %w", x, err)
	}
	return x, nil
}

// --- followers

func (t *tx) FollowersPage(local string, state domain.FollowState, cursor string, limit int) (domain.Page[*domain.Follower], error) {
	spec := pageSpec{prefix: prefixOf(pFollowerAt, local, string(state))}
	return readPage(t, spec, cursor, limit, func(rest, _ []byte) (*domain.Follower, error) {
		if len(rest) < 8 {
			return nil, fmt.Errorf("store: follower-at key of %s too short", local)
		}
		return orNil(t.Follower(local, string(rest[8:])))
	}, nil)
}

// --- discussions

// isRoot reports whether a post is top-level in its discussion: it answers
// nothing, or answers a post this node does not have.
func (t *tx) isRoot(p *domain.Post) (bool, error) {
	if p.InReplyTo == "" {
		return true, nil
	}
	parent, err := t.exists(key(pPostURI, p.InReplyTo))
	return !parent, err
}

// indexPost keeps the discussion's indexes and counts for a post being
// written; isNew is true when it was not stored before.
func (t *tx) indexPost(p *domain.Post, isNew bool) error {
	root, err := t.isRoot(p)
	if err != nil {
		return err
	}
	if err := t.setOrDelete(key(pRoot, p.Course, p.ID), root); err != nil {
		return err
	}
	if err := t.setOrDelete(key(pPinned, p.Course, p.ID), p.Pinned && p.Local); err != nil {
		return err
	}
	if !isNew {
		return nil
	}
	if err := t.addCounter(countKey("posts", p.Course), +1); err != nil {
		return err
	}
	if err := t.addCounter(countKey("thread", p.Thread), +1); err != nil {
		return err
	}
	if p.InReplyTo != "" {
		if err := t.addCounter(countKey("replies", p.InReplyTo), +1); err != nil {
			return err
		}
	}
	// Replies that arrived before it were top-level: now they show under it.
	return t.setRepliesRoot(p.URI, false)
}

// unindexPost undoes indexPost for a stored post being deleted.
func (t *tx) unindexPost(p *domain.Post) error {
	for _, k := range [][]byte{key(pRoot, p.Course, p.ID), key(pPinned, p.Course, p.ID)} {
		if err := t.txn.Delete(k); err != nil {
			return err
		}
	}
	if err := t.addCounter(countKey("posts", p.Course), -1); err != nil {
		return err
	}
	if err := t.addCounter(countKey("thread", p.Thread), -1); err != nil {
		return err
	}
	if p.InReplyTo != "" {
		if err := t.addCounter(countKey("replies", p.InReplyTo), -1); err != nil {
			return err
		}
	}
	// Its replies answer a post this node no longer has: top-level again.
	return t.setRepliesRoot(p.URI, true)
}

// setRepliesRoot marks the direct replies to uri top-level or not. Most
// posts have none when they are written or deleted: the reply count, one
// read, saves opening an iterator (which in a read-write transaction sorts
// all its pending writes).
func (t *tx) setRepliesRoot(uri string, root bool) error {
	if n, err := t.counter(countKey("replies", uri)); err != nil || n == 0 {
		return err
	}
	var refs [][]byte
	if _, err := t.walk(prefixOf(pReply, uri), nil, false, true, 16, func(_, ref []byte) (bool, error) {
		refs = append(refs, ref)
		return true, nil
	}); err != nil {
		return err
	}
	for _, ref := range refs { // written after the iterator is closed
		if err := t.setOrDelete(append([]byte{pRoot}, ref...), root); err != nil {
			return err
		}
	}
	return nil
}

// setOrDelete writes an index key (empty value) when on, removes it when not.
func (t *tx) setOrDelete(k []byte, on bool) error {
	if on {
		return t.txn.Set(k, nil)
	}
	return t.txn.Delete(k)
}

// postAt reads the post an index entry (COURSE 0 ULID) points at; nil
// when it is gone.
func (t *tx) postAt(_, ref []byte) (*domain.Post, error) { return orNil(t.postByRef(ref)) }

func (t *tx) DiscussionPage(course, cursor string, limit int) (domain.Page[*domain.Post], error) {
	spec := pageSpec{prefix: prefixOf(pRoot, course), desc: true}
	return readPage(t, spec, cursor, limit, func(id, _ []byte) (*domain.Post, error) {
		return orNil(getAs[domain.Post](t, key(pPost, course, string(id)), "Post"))
	}, nil)
}

func (t *tx) RepliesPage(uri, cursor string, limit int) (domain.Page[*domain.Post], error) {
	return readPage(t, pageSpec{prefix: prefixOf(pReply, uri), values: true}, cursor, limit, t.postAt, nil)
}

func (t *tx) ThreadPage(id, cursor string, limit int) (domain.Page[*domain.Post], error) {
	return readPage(t, pageSpec{prefix: prefixOf(pThread, id), values: true}, cursor, limit, t.postAt, nil)
}

func (t *tx) CoursePostsPage(course, cursor string, limit int) (domain.Page[*domain.Post], error) {
	spec := pageSpec{prefix: prefixOf(pPost, course), desc: true, values: true}
	return readPage(t, spec, cursor, limit, decodeJSON[domain.Post], nil)
}

func (t *tx) PinnedPosts(course string, limit int) ([]*domain.Post, error) {
	spec := pageSpec{prefix: prefixOf(pPinned, course), desc: true}
	page, err := readPage(t, spec, "", limit, func(id, _ []byte) (*domain.Post, error) {
		return orNil(getAs[domain.Post](t, key(pPost, course, string(id)), "Post"))
	}, nil)
	return page.Items, err
}

func (t *tx) CountReplies(uri string) (int, error) { return t.counter(countKey("replies", uri)) }

func (t *tx) CountThread(id string) (int, error) { return t.counter(countKey("thread", id)) }

// --- courses and schools

func courseListPrefix(l domain.CourseList) []byte { return prefixOf(pCourseList, l.Kind, l.Value) }

// relistCourse moves a course between the course lists as it changes from
// old (nil when new) to c.
func (t *tx) relistCourse(old, c *domain.Course) error {
	now := c.Lists()
	if old != nil {
		for _, l := range old.Lists() {
			if !slices.Contains(now, l) {
				if err := t.txn.Delete(append(courseListPrefix(l), old.Handle...)); err != nil {
					return err
				}
			}
		}
	}
	for _, l := range now {
		if err := t.txn.Set(append(courseListPrefix(l), c.Handle...), nil); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) CoursesPage(list domain.CourseList, cursor string, limit int, keep func(*domain.Course) bool) (domain.Page[*domain.Course], error) {
	return readPage(t, pageSpec{prefix: courseListPrefix(list)}, cursor, limit, func(handle, _ []byte) (*domain.Course, error) {
		return orNil(t.Course(string(handle)))
	}, keep)
}

func (t *tx) CourseLanguages(limit int) ([]string, error) {
	prefix := prefixOf(pCourseList, domain.LanguageCourses("").Kind)
	var out []string
	from := []byte(nil)
	for len(out) < limit {
		var lang []byte
		if _, err := t.walk(prefix, from, false, false, 1, func(rest, _ []byte) (bool, error) {
			lang, _, _ = bytes.Cut(rest, []byte{0})
			return false, nil
		}); err != nil {
			return nil, err
		}
		if lang == nil {
			break
		}
		out = append(out, string(lang))
		// Past every key of this language: LANG 0 HANDLE < LANG 1.
		from = append(slices.Clone(lang), 1)
	}
	return out, nil
}

func (t *tx) PeoplePage(cursor string, limit int) (domain.Page[*domain.Person], error) {
	return readPage(t, pageSpec{prefix: prefixOf(pPerson), values: true}, cursor, limit, decodeJSON[domain.Person], nil)
}

func (t *tx) SchoolsPage(cursor string, limit int) (domain.Page[*domain.School], error) {
	return readPage(t, pageSpec{prefix: prefixOf(pSchool), values: true}, cursor, limit, decodeJSON[domain.School], nil)
}

// --- badges and completions

func (t *tx) AwardsPage(learner, cursor string, limit int, keep func(*domain.Award) bool) (domain.Page[*domain.Award], error) {
	return readPage(t, pageSpec{prefix: prefixOf(pAwardBy, learner)}, cursor, limit, func(id, _ []byte) (*domain.Award, error) {
		return orNil(t.Award(string(id)))
	}, keep)
}

func (t *tx) BadgeAwardsPage(badge, cursor string, limit int) (domain.Page[*domain.Award], error) {
	spec := pageSpec{prefix: prefixOf(pAwardOf, badge), values: true}
	return readPage(t, spec, cursor, limit, func(_, id []byte) (*domain.Award, error) {
		return orNil(t.Award(string(id)))
	}, nil)
}

func (t *tx) ReceivedBadgesPage(learner, cursor string, limit int, keep func(*domain.ReceivedBadge) bool) (domain.Page[*domain.ReceivedBadge], error) {
	spec := pageSpec{prefix: prefixOf(pReceived, learner), values: true}
	return readPage(t, spec, cursor, limit, decodeJSON[domain.ReceivedBadge], keep)
}

func completionsCount(course, task string) []byte { return countKey("completions", course, task) }

func (t *tx) CountTaskCompletions(course, task string) (int, error) {
	return t.counter(completionsCount(course, task))
}

// --- moderation

func (t *tx) DomainBlocksPage(cursor string, limit int) (domain.Page[*domain.DomainBlock], error) {
	spec := pageSpec{prefix: prefixOf(pDomainBlock), values: true}
	return readPage(t, spec, cursor, limit, decodeJSON[domain.DomainBlock], nil)
}

// ReportsPage reads reports in reverse key order: their ids are ULIDs made
// as they arrive.
func (t *tx) ReportsPage(cursor string, limit int) (domain.Page[*domain.Report], error) {
	spec := pageSpec{prefix: prefixOf(pReport), desc: true, values: true}
	return readPage(t, spec, cursor, limit, decodeJSON[domain.Report], nil)
}

// CourseReportsPage reads a course's index of local reports, newest
// first: their ids are ULIDs too.
func (t *tx) CourseReportsPage(course, cursor string, limit int) (domain.Page[*domain.Report], error) {
	spec := pageSpec{prefix: prefixOf(pReportOf, course), desc: true}
	return readPage(t, spec, cursor, limit, func(id, _ []byte) (*domain.Report, error) {
		return orNil(t.Report(string(id)))
	}, nil)
}
