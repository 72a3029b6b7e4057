package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/federation"
)

// Accounts is the use cases of local accounts: the node's own Application
// actor and the people who sign up, are suspended by an operator, or
// delete their account.
type Accounts struct {
	*env
	posts *Posts // a deleted account's posts are deleted as their author deletes one
}

// EnsureInstanceActor creates the node's Application actor and its key the
// first time the node starts; later calls change nothing.
func (s *Accounts) EnsureInstanceActor(ctx context.Context) error {
	var exists bool
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		_, exists, err = domain.Found(tx.InstanceActor())
		return err
	}); err != nil || exists {
		return err
	}
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		// Created meanwhile by another start: keep its key, which peers
		// have cached. A failed read must not replace it either.
		if _, exists, err := domain.Found(tx.InstanceActor()); err != nil || exists {
			return err
		}
		return tx.CreateInstanceActor(&domain.InstanceActor{Created: s.Now().UTC()}, keys)
	})
}

// Register creates a local account. PasswordHash must already be set.
func (s *Accounts) Register(ctx context.Context, p *domain.Person) error {
	p.Normalise()
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.Now().UTC()
	p.Created, p.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	p.PublicKeyPEM, p.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.Store.Update(ctx, func(tx domain.Tx) error { return tx.CreatePerson(p, keys) })
}

// checkPeople checks, inside tx, that every handle is a local person.
func checkPeople(tx domain.PersonStore, handles []string) error {
	for _, h := range handles {
		if _, err := tx.Person(h); err != nil {
			if domain.IsNotFound(err) {
				return domain.Errorf(domain.EINVALID, "There is no person %q on this node.", h)
			}
			return err
		}
	}
	return nil
}

// Suspend suspends the local person handle, as an operator does from the
// users page (by is the operator's handle) or with lernejo admin suspend
// (by is ""). Their sessions end, they cannot log in, their posts are
// hidden, and their actor is served as Mastodon serves a suspended local
// account: with suspended set and nothing else about them. Mastodon's
// SuspendAccountService then sends Update{Person} to the followers, so
// their servers stop showing the profile; so does this, to the followers
// and to the courses and people the person follows. Everything they did
// is kept, to come back on Unsuspend. A course whose only organiser is
// suspended stays as it is, with nobody to manage it, until then.
// Suspending a suspended account changes nothing.
func (s *Accounts) Suspend(ctx context.Context, by, handle string) error {
	h := domain.NormaliseHandle(handle)
	if by != "" && h == by {
		return domain.Errorf(domain.EINVALID, "You cannot suspend your own account.")
	}
	return s.update(ctx, func(tx domain.Tx) error {
		p, err := person(tx, h)
		if err != nil || p.IsSuspended() {
			return err
		}
		p.Suspended, p.Updated = s.Now().UTC(), s.Now().UTC()
		if err := tx.PutPerson(p); err != nil {
			return err
		}
		if err := tx.DeleteSessionsOf(h); err != nil {
			return err
		}
		return s.sendActor(tx, p)
	})
}

// Unsuspend lifts a suspension: the person can log in again, their posts
// show, and Update{Person} with their whole actor goes where Suspend's
// went. An account that is not suspended changes nothing.
func (s *Accounts) Unsuspend(ctx context.Context, handle string) error {
	h := domain.NormaliseHandle(handle)
	return s.update(ctx, func(tx domain.Tx) error {
		p, err := person(tx, h)
		if err != nil || !p.IsSuspended() {
			return err
		}
		p.Suspended, p.Updated = time.Time{}, s.Now().UTC()
		if err := tx.PutPerson(p); err != nil {
			return err
		}
		return s.sendActor(tx, p)
	})
}

// person loads the local person h, with a not found the operator can read.
func person(tx domain.PersonStore, h string) (*domain.Person, error) {
	p, err := tx.Person(h)
	if domain.IsNotFound(err) {
		return nil, domain.Errorf(domain.ENOTFOUND, "There is no person %q on this node.", h)
	}
	return p, err
}

// sendActor queues Update{Person} with p's actor as it now is to the
// servers that hold a copy of it.
func (s *Accounts) sendActor(tx personInboxesTx, p *domain.Person) error {
	inboxes, err := s.personInboxes(tx, p.Handle)
	if err != nil {
		return err
	}
	personID := s.URLs.Actor(domain.ActorPerson, p.Handle)
	id := s.newActivityID()
	upd := s.Docs.UpdatePerson(id, p, federation.NoteAddress{To: []string{federation.Public}, CC: []string{personID + "/followers"}}, s.Now())
	return s.Queue.Queue(tx, p.Handle, id, upd, inboxes)
}

// personInboxesTx is what personInboxes reads: the person's followers, and
// the remote actors they follow.
type personInboxesTx interface {
	domain.FollowStore
	domain.ActorCache
	domain.DeliveryStore
}

// personInboxes are the inboxes of the servers that hold a copy of the
// local person handle's actor: their followers', and those of the remote
// actors they follow (the courses they enrolled in on other nodes, the
// people they follow), each once, in order. Local courses they enrolled
// in are on this node: nothing is sent to them.
func (s *Accounts) personInboxes(tx personInboxesTx, handle string) ([]string, error) {
	inboxes, err := tx.FollowerInboxes(handle)
	if err != nil {
		return nil, err
	}
	followings, err := tx.Followings(handle)
	if err != nil {
		return nil, err
	}
	for _, fl := range followings {
		ra, err := remoteActor(tx, fl.Target)
		if err != nil {
			return nil, err
		}
		if ra != nil {
			inboxes = append(inboxes, ra.DeliveryInbox())
		}
	}
	slices.Sort(inboxes)
	return slices.Compact(inboxes), nil
}

// postsPerDeletion is how many of a deleted account's posts one
// transaction deletes, so that a prolific person's deletion never
// outgrows a transaction.
const postsPerDeletion = 100

// DeleteAccount deletes the account of the local person handle, who
// confirms with their password (EUNAUTHORISED when it is wrong). The sole
// organiser of a course that is not archived is refused with EFORBIDDEN,
// naming the courses: they first add another organiser or archive it, so
// that no live course is left without one.
//
// Their posts are deleted as they would delete each (a tombstone at its
// id, Delete{Tombstone} to where it went), their enrolments and follows
// end, they leave the organisers of the courses and schools they
// organised, and Delete{Person} goes to their followers and to the remote
// courses and people they follow, as Mastodon's DeleteAccountService
// sends it; their actor then answers 410 Gone with a Tombstone. The badges
// they were awarded stay: an award is its issuer's record, which the
// issuer may revoke. Their handle stays taken, so no one can sign up or be
// created as them and be taken for them by the servers that knew them.
// Every session of theirs ends.
func (s *Accounts) DeleteAccount(ctx context.Context, handle, pw string) error {
	var p *domain.Person
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		if p, err = tx.Person(handle); err != nil {
			return err
		}
		return soleOrganiser(tx, handle)
	}); err != nil {
		return err
	}
	if err := password.Check(p.PasswordHash, pw); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return domain.Errorf(domain.EUNAUTHORISED, "Your password is not right.")
		}
		return fmt.Errorf("service: check the password of %s: %w", handle, err)
	}
	personID := s.URLs.Actor(domain.ActorPerson, handle)
	var posts []*domain.Post
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		all, err := tx.PostsBy(personID)
		for _, q := range all {
			if q.Local {
				posts = append(posts, q)
			}
		}
		return err
	}); err != nil {
		return err
	}
	for batch := range slices.Chunk(posts, postsPerDeletion) {
		if err := s.update(ctx, func(tx domain.Tx) error {
			for _, q := range batch {
				if err := s.deletePost(tx, q.URI); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx domain.Tx) error {
		if _, err := tx.Person(handle); err != nil {
			return err
		}
		if err := soleOrganiser(tx, handle); err != nil {
			return err
		}
		inboxes, err := s.personInboxes(tx, handle)
		if err != nil {
			return err
		}
		id := s.newActivityID()
		del := federation.DeleteActor(id, personID, federation.NoteAddress{To: []string{federation.Public}, CC: []string{personID + "/followers"}})
		if err := s.Queue.Queue(tx, handle, id, del, inboxes); err != nil {
			return err
		}
		if err := endFollows(tx, handle, personID); err != nil {
			return err
		}
		if err := s.leaveOrganisers(tx, handle); err != nil {
			return err
		}
		if err := tx.PutTombstone(&domain.Tombstone{ID: personID, Deleted: s.Now().UTC()}); err != nil {
			return err
		}
		if err := tx.DeleteSessionsOf(handle); err != nil {
			return err
		}
		if err := tx.DeleteMailSettings(handle); err != nil {
			return err
		}
		if err := tx.DeleteNotificationsOf(handle); err != nil {
			return err
		}
		return tx.DeletePerson(handle)
	})
}

// deletePost deletes, inside tx, a deleted account's post uri as
// Posts.Delete does; one deleted meanwhile is skipped.
func (s *Accounts) deletePost(tx deletePostTx, uri string) error {
	p, found, err := domain.Found(tx.Post(uri))
	if err != nil || !found {
		return err
	}
	return s.posts.deletePost(tx, p)
}

// soleOrganiser refuses, with EFORBIDDEN, the deletion of the account of
// the only organiser of a course that is not archived.
func soleOrganiser(tx domain.CourseStore, handle string) error {
	courses, err := tx.Courses()
	if err != nil {
		return err
	}
	var titles []string
	for _, c := range courses {
		if c.Status != domain.StatusArchived && len(c.Organisers) == 1 && c.IsOrganiser(handle) {
			titles = append(titles, "“"+c.Title+"”")
		}
	}
	if len(titles) > 0 {
		return domain.Errorf(domain.EFORBIDDEN, "You are the only organiser of %s. Add another organiser or archive it before you delete your account.",
			strings.Join(titles, ", "))
	}
	return nil
}

// endFollows ends, inside tx, every follow of the local person handle
// (personID): their enrolments in local courses, their follows of remote
// actors (the Delete of their actor tells those), and their followers.
func endFollows(tx domain.FollowStore, handle, personID string) error {
	enrolments, err := tx.FollowedBy(personID)
	if err != nil {
		return err
	}
	for _, fl := range enrolments {
		if err := tx.DeleteFollower(fl.Local, fl.Actor); err != nil {
			return err
		}
	}
	followings, err := tx.Followings(handle)
	if err != nil {
		return err
	}
	for _, fl := range followings {
		if err := tx.DeleteFollowing(fl.Local, fl.Target); err != nil {
			return err
		}
	}
	followers, err := tx.Followers(handle)
	if err != nil {
		return err
	}
	for _, fl := range followers {
		if err := tx.DeleteFollower(fl.Local, fl.Actor); err != nil {
			return err
		}
	}
	return nil
}

// leaveOrganisersTx is what leaveOrganisers reads and writes.
type leaveOrganisersTx interface {
	domain.CourseStore
	domain.SchoolStore
	actorUpdateTx
}

// leaveOrganisers takes the local person handle out of the organisers of
// every course and school, inside tx: an archived course they alone
// organised is left with none, as nothing is managed in it any more. Each
// course and school they left sends its followers Update{Group} or
// Update{Organization} with its new actor, whose organisers (attributedTo)
// no longer name them, as an organiser's edit of the course does.
func (s *Accounts) leaveOrganisers(tx leaveOrganisersTx, handle string) error {
	courses, err := tx.Courses()
	if err != nil {
		return err
	}
	for _, c := range courses {
		if c.IsOrganiser(handle) {
			c.Organisers = slices.DeleteFunc(c.Organisers, func(h string) bool { return h == handle })
			c.Updated = s.Now().UTC()
			if err := tx.PutCourse(c); err != nil {
				return err
			}
			if err := s.sendCourseActor(tx, c); err != nil {
				return err
			}
		}
	}
	schools, err := tx.Schools()
	if err != nil {
		return err
	}
	for _, sc := range schools {
		if slices.Contains(sc.Organisers, handle) {
			sc.Organisers = slices.DeleteFunc(sc.Organisers, func(h string) bool { return h == handle })
			sc.Updated = s.Now().UTC()
			if err := tx.PutSchool(sc); err != nil {
				return err
			}
			if err := s.sendSchoolActor(tx, sc); err != nil {
				return err
			}
		}
	}
	return nil
}
