package store

import "github.com/lernejo/lernejo/domain"

// Past completions: the attempts learners set aside when they restarted a
// task or a course (domain.PastCompletion), one key per attempt, by course
// and learner in the order they were set aside (their ids are ULIDs).

func (t *tx) PutPastCompletion(p *domain.PastCompletion) error {
	return t.put(key(pPastAttempt, p.Course, p.Learner, p.ID), p)
}

func (t *tx) PastCompletions(course, learner string) ([]*domain.PastCompletion, error) {
	return list[domain.PastCompletion](t, prefixOf(pPastAttempt, course, learner))
}
