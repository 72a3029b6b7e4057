package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Courses is the domain service for creating and changing courses where
// the change federates: followers hear of an edited course through
// Update{Group}, and a school's followers hear of its new open courses
// from the school.
type Courses struct {
	Service *domain.Service
	Posts   *Posts
}

// Create creates a course for creator; if it opens at once, its school
// announces it.
func (s *Courses) Create(ctx context.Context, creator string, c *domain.Course) error {
	if err := s.Service.CreateCourse(ctx, creator, c); err != nil {
		return err
	}
	if c.Status != domain.StatusOpen || c.School == "" {
		return nil
	}
	err := s.Service.Store.Update(ctx, func(tx domain.Tx) error { return s.announce(tx, c) })
	if err == nil {
		s.Posts.Outbox.Wake()
	}
	return err
}

// Update saves an organiser's changes. A course that federates sends its
// followers Update{Group} with its new actor document; a draft that opens
// is announced by its school.
func (s *Courses) Update(ctx context.Context, editor string, c *domain.Course) error {
	err := s.Service.Store.Update(ctx, func(tx domain.Tx) error {
		old, err := s.Service.UpdateCourse(tx, editor, c)
		if err != nil {
			return err
		}
		if old.Status == domain.StatusDraft && c.Status == domain.StatusOpen && c.School != "" {
			if err := s.announce(tx, c); err != nil {
				return err
			}
		}
		if !c.Federates() {
			return nil
		}
		doc, err := s.Posts.Docs.Course(c)
		if err != nil {
			return err
		}
		var actor map[string]any
		if err := json.Unmarshal(doc, &actor); err != nil {
			return err
		}
		delete(actor, "@context")
		urls := s.Posts.Docs.URLs
		courseID := urls.Actor(domain.ActorCourse, c.Handle)
		id := urls.NewActivityID(s.Posts.NewID())
		upd := federation.Wrap("Update", id, courseID, actor,
			federation.NoteAddress{To: []string{federation.Public}, CC: []string{courseID + "/followers"}}, s.Posts.Now())
		inboxes, err := tx.FollowerInboxes(c.Handle)
		if err != nil {
			return err
		}
		return s.Posts.Outbox.Queue(tx, c.Handle, id, upd, inboxes)
	})
	if err == nil {
		s.Posts.Outbox.Wake()
	}
	return err
}

// announce makes the course's school post a public note about it to the
// school's followers: a link and the course's handle to follow.
func (s *Courses) announce(tx domain.Tx, c *domain.Course) error {
	school, err := tx.School(c.School)
	if err != nil {
		return err
	}
	urls := s.Posts.Docs.URLs
	courseID := urls.Actor(domain.ActorCourse, c.Handle)
	text := fmt.Sprintf("New in %s: %s, a %s. Follow @%s@%s to join!",
		school.Name, c.Title, strings.ToLower(c.Kind), c.Handle, urls.Host())
	mention := []federation.Mention{{ID: courseID, Name: "@" + c.Handle + "@" + urls.Host()}}
	inboxes, err := tx.FollowerInboxes(school.Handle)
	if err != nil {
		return err
	}
	schoolID := urls.Actor(domain.ActorSchool, school.Handle)
	_, err = s.Posts.note(tx, school.Handle, text, mention,
		federation.PublicAddress(schoolID+"/followers", mention), inboxes)
	return err
}
