package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

func revKey(course, task string, rev int) []byte {
	return binary.BigEndian.AppendUint32(append(key(pTaskRev, course, task), 0), uint32(rev))
}

func (t *tx) PutTaskRevision(r *domain.TaskRevision) error {
	return t.put(revKey(r.Course, r.Task, r.Rev), r)
}

func (t *tx) TaskRevisions(course, task string) ([]*domain.TaskRevision, error) {
	return list[domain.TaskRevision](t, prefixOf(pTaskRev, course, task))
}

func (t *tx) Completion(course, task, learner string) (*domain.Completion, error) {
	return getAs[domain.Completion](t, key(pCompletion, course, task, learner), "Completion")
}

func (t *tx) CompletionByID(id string) (*domain.Completion, error) {
	item, err := t.txn.Get(key(pCompletionID, id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Completion not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: get completion: %w", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read completion: %w", err)
	}
	return getAs[domain.Completion](t, append([]byte{pCompletion}, v...), "Completion")
}

func (t *tx) PutCompletion(c *domain.Completion) error {
	existed, err := t.exists(key(pCompletion, c.Course, c.Task, c.Learner))
	if err != nil {
		return err
	}
	if err := t.put(key(pCompletion, c.Course, c.Task, c.Learner), c); err != nil {
		return err
	}
	if !existed {
		if err := t.addCounter(completionsCount(c.Course, c.Task), +1); err != nil {
			return err
		}
	}
	if err := t.txn.Set(key(pCompletionID, c.ID), key(0, c.Course, c.Task, c.Learner)[1:]); err != nil {
		return err
	}
	return t.txn.Set(key(pCompletionBy, c.Course, c.Learner, c.Task), nil)
}

func (t *tx) DeleteCompletion(c *domain.Completion) error {
	existed, err := t.exists(key(pCompletion, c.Course, c.Task, c.Learner))
	if err != nil {
		return err
	}
	if existed {
		if err := t.addCounter(completionsCount(c.Course, c.Task), -1); err != nil {
			return err
		}
	}
	if err := t.txn.Delete(key(pCompletion, c.Course, c.Task, c.Learner)); err != nil {
		return err
	}
	if err := t.txn.Delete(key(pCompletionID, c.ID)); err != nil {
		return err
	}
	return t.txn.Delete(key(pCompletionBy, c.Course, c.Learner, c.Task))
}

func (t *tx) CompletionsOf(course, learner string) ([]*domain.Completion, error) {
	var out []*domain.Completion
	err := t.keys(prefixOf(pCompletionBy, course, learner), func(task []byte) error {
		c, err := t.Completion(course, string(task), learner)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

func (t *tx) TaskCompletions(course, task string) ([]*domain.Completion, error) {
	return list[domain.Completion](t, prefixOf(pCompletion, course, task))
}

func (t *tx) AddVote(badge, learner, voter string) (int, error) {
	if err := t.txn.Set(key(pVote, badge, learner, voter), nil); err != nil {
		return 0, err
	}
	return t.count(prefixOf(pVote, badge, learner))
}

func (t *tx) Voted(badge, learner, voter string) (bool, error) {
	_, err := t.txn.Get(key(pVote, badge, learner, voter))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: get vote: %w", err)
	}
	return true, nil
}

func (t *tx) Award(id string) (*domain.Award, error) {
	return getAs[domain.Award](t, key(pAward, id), "Award")
}

func (t *tx) AwardOf(badge, learner string) (*domain.Award, error) {
	item, err := t.txn.Get(key(pAwardOf, badge, learner))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Award not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: get award: %w", err)
	}
	id, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read award: %w", err)
	}
	return t.Award(string(id))
}

func (t *tx) PutAward(a *domain.Award) error {
	if err := t.put(key(pAward, a.ID), a); err != nil {
		return err
	}
	if err := t.txn.Set(key(pAwardOf, a.Badge, a.Learner), []byte(a.ID)); err != nil {
		return err
	}
	return t.txn.Set(key(pAwardBy, a.Learner, a.ID), nil)
}

func (t *tx) AwardsOf(learner string) ([]*domain.Award, error) {
	var out []*domain.Award
	err := t.keys(prefixOf(pAwardBy, learner), func(id []byte) error {
		a, err := t.Award(string(id))
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

func (t *tx) PutReceivedBadge(r *domain.ReceivedBadge) error {
	if err := t.put(key(pReceived, r.Learner, r.NoteURI), r); err != nil {
		return err
	}
	return t.txn.Set(key(pReceivedNote, r.NoteURI), []byte(r.Learner))
}

func (t *tx) ReceivedBadges(learner string) ([]*domain.ReceivedBadge, error) {
	return list[domain.ReceivedBadge](t, prefixOf(pReceived, learner))
}

func (t *tx) ReceivedBadgeByNote(noteURI string) (*domain.ReceivedBadge, error) {
	item, err := t.txn.Get(key(pReceivedNote, noteURI))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Badge not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: get received badge: %w", err)
	}
	learner, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read received badge: %w", err)
	}
	return getAs[domain.ReceivedBadge](t, key(pReceived, string(learner), noteURI), "Badge")
}

func (t *tx) AllReceivedBadges() ([]*domain.ReceivedBadge, error) {
	return list[domain.ReceivedBadge](t, prefixOf(pReceived))
}

func (t *tx) DeleteReceivedBadge(r *domain.ReceivedBadge) error {
	if err := t.txn.Delete(key(pReceived, r.Learner, r.NoteURI)); err != nil {
		return err
	}
	return t.txn.Delete(key(pReceivedNote, r.NoteURI))
}

func (t *tx) AllRemoteTasks() ([]*domain.RemoteTask, error) {
	return list[domain.RemoteTask](t, prefixOf(pRemoteTask))
}

func (t *tx) DeleteRemoteTask(course, id string) error {
	return t.txn.Delete(key(pRemoteTask, course, id))
}

func (t *tx) PutRemoteTask(r *domain.RemoteTask) error {
	return t.put(key(pRemoteTask, r.Course, r.ID), r)
}

func (t *tx) RemoteTasks(course string) ([]*domain.RemoteTask, error) {
	ts, err := list[domain.RemoteTask](t, prefixOf(pRemoteTask, course))
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Position < ts[j].Position })
	return ts, err
}

func (t *tx) PutEvidenceComment(c *domain.EvidenceComment) error {
	return t.put(key(pComment, c.Course, c.Task, c.Learner, c.ID), c)
}

func (t *tx) EvidenceComments(course, task, learner string) ([]*domain.EvidenceComment, error) {
	return list[domain.EvidenceComment](t, prefixOf(pComment, course, task, learner))
}

func (t *tx) PutReview(r *domain.Review) error {
	return t.put(key(pReview, r.Course, r.Task, r.Learner, r.Reviewer), r)
}

func (t *tx) Review(course, task, learner, reviewer string) (*domain.Review, error) {
	return getAs[domain.Review](t, key(pReview, course, task, learner, reviewer), "Review")
}

func (t *tx) Reviews(course, task, learner string) ([]*domain.Review, error) {
	return list[domain.Review](t, prefixOf(pReview, course, task, learner))
}
