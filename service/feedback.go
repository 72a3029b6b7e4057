package service

import (
	"fmt"
	"net/url"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// ReceiveFeedback keeps, inside the inbox's transaction, what a course on
// another Lernejo node tells a local learner about their work: a direct
// note from the course (an organiser's comment, a fellow learner's review)
// in reply to the completion record this node sent for them (inReplyTo).
// It is kept as a comment on that work, shown with the task on the
// course's page here, and the learner is notified. It reports whether the
// note was such feedback; a note in reply to anything else, or from
// another actor than the completion's course, is not.
func (s *Tasks) ReceiveFeedback(tx domain.Tx, course, note, inReplyTo, content string, at time.Time) (bool, error) {
	done, found, err := domain.Found(tx.CompletionByID(inReplyTo))
	if err != nil {
		return false, fmt.Errorf("service: feedback: %w", err)
	}
	if !found || done.Course != course {
		return false, nil
	}
	if _, _, local := s.URLs.LocalActor(done.Learner); !local {
		return false, nil
	}
	had, err := tx.EvidenceComments(course, done.Task, done.Learner)
	if err != nil {
		return false, err
	}
	for _, cm := range had {
		if cm.NoteURI == note {
			return true, nil // delivered again
		}
	}
	cm := &domain.EvidenceComment{ID: s.NewID(), Course: course, Task: done.Task, Learner: done.Learner, Completion: done.ID,
		Author: course, Content: content, NoteURI: note, At: at}
	if err := tx.PutEvidenceComment(cm); err != nil {
		return false, err
	}
	ts, err := tx.RemoteTasks(course)
	if err != nil {
		return false, err
	}
	title := done.Task
	for _, t := range ts {
		if t.ID == done.Task {
			title = t.Title
		}
	}
	return true, s.notify(tx, done.Learner, domain.Notification{Kind: domain.NotifyReview, Actor: course, Subject: title,
		URL: "/remote?id=" + url.QueryEscape(course)})
}
