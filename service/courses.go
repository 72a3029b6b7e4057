package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Courses is the use cases of creating and changing courses. Followers of
// a course hear of its changes through Update{Group}, and a school's
// followers hear of its new open courses from the school.
type Courses struct {
	*env
	posts *Posts
}

// Create creates a course with the node's kinds for creator, who must be
// one of its organisers; they must all be local people, and its school, if
// any, must exist and be one creator may place courses in. If the course
// opens at once, its school announces it, in the same transaction.
func (s *Courses) Create(ctx context.Context, creator string, c *domain.Course) error {
	if !c.IsOrganiser(creator) {
		return domain.Errorf(domain.EINVALID, "Whoever starts this %s organises it.", domain.KindName(c.Kind))
	}
	now := s.Now().UTC()
	c.Created, c.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	c.PublicKeyPEM, c.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.update(ctx, func(tx domain.Tx) error {
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		c.Normalise(st)
		if err := c.Validate(st); err != nil {
			return err
		}
		c.SummaryHTML = s.Docs.Sanitizer.RichMarkdown(c.Summary)
		if err := checkPeople(tx, c.Organisers); err != nil {
			return err
		}
		if c.School != "" {
			if err := placeInSchool(tx, c.School, creator); err != nil {
				return err
			}
		}
		if err := tx.CreateCourse(c, keys); err != nil {
			return err
		}
		if c.Status != domain.StatusOpen || c.School == "" {
			return nil
		}
		return s.announce(tx, c)
	})
}

// Update saves an organiser's changes, checking the editor, the status
// transition and the fields. A course that federates sends its followers
// Update{Group} with its new actor document; a draft that opens is
// announced by its school.
func (s *Courses) Update(ctx context.Context, editor string, c *domain.Course) error {
	return s.update(ctx, func(tx domain.Tx) error {
		old, err := s.save(tx, editor, c)
		if err != nil {
			return err
		}
		if old.Status == domain.StatusDraft && c.Status == domain.StatusOpen {
			if c.School != "" {
				if err := s.announce(tx, c); err != nil {
					return err
				}
			}
			// The previous run's followers are told once this run opens.
			if err := s.invite(tx, c); err != nil {
				return err
			}
			if err := tx.PutCourse(c); err != nil {
				return err
			}
		}
		return s.sendCourseActor(tx, c)
	})
}

// actorUpdateTx is what sendCourseActor and sendActorUpdate read and
// write: the followers' inboxes and the activity they queue.
type actorUpdateTx interface {
	domain.FollowStore
	domain.DeliveryStore
}

// sendCourseActor sends, inside tx, the followers of a course that
// federates Update{Group} with its actor document as it now is: after an
// organiser's edit, or when a deleted person leaves its organisers.
func (s *env) sendCourseActor(tx actorUpdateTx, c *domain.Course) error {
	if !c.Federates() {
		return nil
	}
	doc, err := s.Docs.Course(c)
	if err != nil {
		return err
	}
	_, err = s.sendActorUpdate(tx, domain.ActorCourse, c.Handle, doc)
	return err
}

// sendActorUpdate queues, inside tx, Update{actor} with doc, the local
// actor handle's new document, to its followers, as a public activity, and
// returns the activity's id.
func (s *env) sendActorUpdate(tx actorUpdateTx, typ domain.ActorType, handle string, doc []byte) (string, error) {
	var actor map[string]any
	if err := json.Unmarshal(doc, &actor); err != nil {
		return "", err
	}
	delete(actor, "@context")
	actorID := s.URLs.Actor(typ, handle)
	id := s.newActivityID()
	upd := federation.UpdateActor(id, actorID, actor,
		federation.NoteAddress{To: []string{federation.Public}, CC: []string{actorID + "/followers"}}, s.Now())
	inboxes, err := tx.FollowerInboxes(handle)
	if err != nil {
		return "", err
	}
	return id, s.Queue.Queue(tx, handle, id, upd, inboxes)
}

// courseSaveTx is what save reads and writes: the course, the settings it
// is validated against, its organisers and the school it is placed in.
type courseSaveTx interface {
	domain.CourseStore
	domain.SettingsStore
	domain.PersonStore
	domain.SchoolStore
}

// save writes an organiser's changes to a course inside tx and returns the
// course as it was.
func (s *Courses) save(tx courseSaveTx, editor string, c *domain.Course) (*domain.Course, error) {
	old, err := tx.Course(c.Handle)
	if err != nil {
		return nil, err
	}
	if !old.IsOrganiser(editor) {
		return nil, domain.Errorf(domain.EFORBIDDEN, "Only the organisers can change this %s.", domain.KindName(old.Kind))
	}
	if !old.CanMoveTo(c.Status) {
		return nil, domain.Errorf(domain.EINVALID, "This %s cannot go from %s to %s.", domain.KindName(old.Kind), old.Status, c.Status).On("status")
	}
	st, err := tx.Settings()
	if err != nil {
		return nil, err
	}
	if c.Kind == old.Kind && !st.HasKind(old.Kind) {
		// The operator renamed the kinds since: the course keeps its word
		// until its organisers choose one of the new ones.
		st.Kinds = append(slices.Clone(st.Kinds), old.Kind)
	}
	c.Normalise(st)
	if err := c.Validate(st); err != nil {
		return nil, err
	}
	c.SummaryHTML = s.Docs.Sanitizer.RichMarkdown(c.Summary)
	if err := checkPeople(tx, c.Organisers); err != nil {
		return nil, err
	}
	if c.School != "" && c.School != old.School {
		if err := placeInSchool(tx, c.School, editor); err != nil {
			return nil, err
		}
	}
	c.PublicKeyPEM, c.AssertionKey, c.Created, c.Updated = old.PublicKeyPEM, old.AssertionKey, old.Created, s.Now().UTC()
	// The links between runs are RunAgain's to make, not a form's.
	c.Previous, c.Next, c.Invited = old.Previous, old.Next, old.Invited
	return old, tx.PutCourse(c)
}

// announceTx is what announce needs: the school, its followers' inboxes,
// and what note needs to send the school's note.
type announceTx interface {
	noteTx
	domain.SchoolStore
	domain.FollowStore
}

// announce makes the course's school post a public note about it to the
// school's followers: a link and the course's handle to follow.
func (s *Courses) announce(tx announceTx, c *domain.Course) error {
	school, err := tx.School(c.School)
	if err != nil {
		return err
	}
	urls := s.URLs
	courseID := urls.Actor(domain.ActorCourse, c.Handle)
	text := fmt.Sprintf("New in %s: %s, a %s. Follow @%s@%s to join!",
		school.Name, c.Title, strings.ToLower(c.Kind), c.Handle, urls.Host())
	mention := []federation.Mention{{ID: courseID, Name: "@" + c.Handle + "@" + urls.Host()}}
	inboxes, err := tx.FollowerInboxes(school.Handle)
	if err != nil {
		return err
	}
	schoolID := urls.Actor(domain.ActorSchool, school.Handle)
	_, err = s.posts.note(tx, school.Handle, text, mention,
		federation.PublicAddress(schoolID+"/followers", mention), inboxes)
	return err
}

// organisedBy loads, inside tx, a course that editor organises.
func organisedBy(tx domain.CourseStore, course, editor string) (*domain.Course, error) {
	c, err := tx.Course(course)
	if err != nil {
		return nil, err
	}
	if !c.IsOrganiser(editor) {
		return nil, domain.Errorf(domain.EFORBIDDEN, "Only the organisers can change this %s.", domain.KindName(c.Kind))
	}
	return c, nil
}

// Preview is the HTML a course summary's Markdown would show, for the
// course forms' preview: rendered as saving would, and saved nowhere.
func (s *Courses) Preview(src string) string { return s.Docs.Sanitizer.RichMarkdown(src) }
