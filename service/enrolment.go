package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Enrolment is the use cases of follows that cross servers and of joining
// courses: a local person following a remote actor (by handle or URL) or
// enrolling in a course here, and organisers answering the requests their
// moderated courses hold. Remote requests arrive through the inbox
// (Admit); a course's admission rule is domain.Course.Admit for all of
// them.
type Enrolment struct {
	*env
	// posts sends the direct note that tells a declined learner why.
	posts *Posts
}

// Follow makes the local person follow target: "@name@host", "name@host"
// or an actor URL. WebFinger, then a signed fetch of the actor, then a
// Follow queued in the same transaction as the pending follow. The Accept
// or Reject that comes back settles it.
func (f *Enrolment) Follow(ctx context.Context, person, target string) (*domain.Following, error) {
	return f.Enrol(ctx, person, target, "")
}

// Enrol is Follow with answers to a course's sign-up questions: courses on
// Lernejo nodes get a Join carrying them; anything else gets a Follow.
func (f *Enrolment) Enrol(ctx context.Context, person, target, answers string) (*domain.Following, error) {
	target = strings.TrimSpace(target)
	id := target
	if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") {
		var err error
		if id, err = f.Resolver.LookupHandle(ctx, target); err != nil {
			return nil, domain.Errorf(domain.EINVALID, "Could not find %s: %v", target, err)
		}
	}
	if _, _, local := f.URLs.LocalActor(id); local {
		return nil, domain.Errorf(domain.EINVALID, "%s is on this node.", target)
	}
	remote, err := f.Resolver.Actor(ctx, id)
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "Could not load %s: %v", target, err)
	}
	personID := f.URLs.Actor(domain.ActorPerson, person)
	var out *domain.Following
	err = f.Store.Update(ctx, func(tx domain.Tx) error {
		if _, err := tx.Person(person); err != nil {
			return err
		}
		if existing, found, err := domain.Found(tx.Following(person, remote.ID)); err != nil {
			return fmt.Errorf("service: follow: %w", err)
		} else if found {
			out = existing
			return nil
		}
		activityID := f.newActivityID()
		out = &domain.Following{Local: person, Target: remote.ID, ActivityID: activityID, State: domain.FollowPending, Created: f.Now().UTC()}
		if err := tx.PutFollowing(out); err != nil {
			return err
		}
		act := federation.Follow(activityID, personID, remote.ID)
		if remote.Lernejo && remote.Type == "Group" {
			act = federation.Join(activityID, personID, remote.ID, federation.TextToHTML(answers))
		}
		return f.Queue.Queue(tx, person, activityID, act, []string{remote.Inbox})
	})
	if err != nil {
		return nil, err
	}
	f.Queue.Wake()
	return out, nil
}

// Unfollow withdraws a local person's follow with Undo{Follow}.
func (f *Enrolment) Unfollow(ctx context.Context, person, targetID string) error {
	err := f.Store.Update(ctx, func(tx domain.Tx) error {
		fw, err := tx.Following(person, targetID)
		if err != nil {
			return err
		}
		remote, err := tx.RemoteActor(targetID)
		if err != nil {
			return err
		}
		if err := tx.DeleteFollowing(person, targetID); err != nil {
			return err
		}
		personID := f.URLs.Actor(domain.ActorPerson, person)
		id := f.newActivityID()
		undo := federation.UndoFollow(id, personID, federation.FollowRef{ID: fw.ActivityID, Actor: personID, Object: targetID})
		if remote.Lernejo && remote.Type == "Group" {
			undo = federation.Leave(id, personID, targetID)
		}
		return f.Queue.Queue(tx, person, id, undo, []string{remote.Inbox})
	})
	if err == nil {
		f.Queue.Wake()
	}
	return err
}

// Approve accepts a pending follow request of a local actor (for a
// moderated course: an organiser enrols the learner).
func (f *Enrolment) Approve(ctx context.Context, local, actorID string) error {
	return f.answer(ctx, local, actorID, true, "")
}

// Decline refuses a pending follow request with a Reject; a reason, if
// given, reaches the learner first in a direct note.
func (f *Enrolment) Decline(ctx context.Context, local, actorID, reason string) error {
	return f.answer(ctx, local, actorID, false, reason)
}

func (f *Enrolment) answer(ctx context.Context, local, actorID string, accept bool, reason string) error {
	err := f.Store.Update(ctx, func(tx domain.Tx) error {
		fl, err := tx.Follower(local, actorID)
		if err != nil {
			return err
		}
		if fl.State != domain.FollowPending {
			return domain.Errorf(domain.ECONFLICT, "This request was already answered.")
		}
		typ, err := tx.HandleType(local)
		if err != nil {
			return err
		}
		localID := f.URLs.Actor(typ, local)
		if fl.Inbox == "" { // a local person: nothing to send
			if accept {
				fl.State = domain.FollowAccepted
				return tx.PutFollower(fl)
			}
			return tx.DeleteFollower(local, actorID)
		}
		remote, err := tx.RemoteActor(actorID)
		if err != nil {
			return err
		}
		ref := federation.FollowRef{ID: fl.ActivityID, Actor: actorID, Object: localID}
		if fl.Lernejo {
			ref.Type = "Join"
		}
		if !accept && strings.TrimSpace(reason) != "" && f.posts != nil {
			if _, err := f.posts.Direct(tx, local, reason, []federation.Mention{{ID: remote.ID, Name: remote.Handle()}}); err != nil {
				return err
			}
		}
		id := f.newActivityID()
		var act []byte
		if accept {
			fl.State = domain.FollowAccepted
			if err := tx.PutFollower(fl); err != nil {
				return err
			}
			act = federation.AcceptFollow(id, localID, ref)
		} else {
			if err := tx.DeleteFollower(local, actorID); err != nil {
				return err
			}
			act = federation.RejectFollow(id, localID, ref)
		}
		return f.Queue.Queue(tx, local, id, act, []string{remote.Inbox})
	})
	if err == nil {
		f.Queue.Wake()
	}
	return err
}

// EnrolLocal enrols a local person in a local course: at once when sign-up
// is open, pending an organiser when it is moderated (with their answers),
// refused when it is closed, full, or not open.
func (f *Enrolment) EnrolLocal(ctx context.Context, person, course, answers string) (*domain.Follower, error) {
	var out *domain.Follower
	err := f.Store.Update(ctx, func(tx domain.Tx) error {
		if _, err := tx.Person(person); err != nil {
			return err
		}
		c, err := tx.Course(course)
		if err != nil {
			return err
		}
		id := f.URLs.Actor(domain.ActorPerson, person)
		if existing, found, err := domain.Found(tx.Follower(course, id)); err != nil {
			return fmt.Errorf("service: enrol: %w", err)
		} else if found {
			out = existing
			return nil
		}
		state, err := c.Admit(id, func() (int, error) { return tx.CountFollowers(course, domain.FollowAccepted) })
		if err != nil {
			return err
		}
		out = &domain.Follower{Local: course, Actor: id, ActivityID: id + "#enrol-" + course, State: state,
			Answers: strings.TrimSpace(answers), Created: f.Now().UTC()}
		return tx.PutFollower(out)
	})
	return out, err
}

// LeaveLocal ends a local person's enrolment in a local course; their posts stay.
func (f *Enrolment) LeaveLocal(ctx context.Context, person, course string) error {
	return f.Store.Update(ctx, func(tx domain.Tx) error {
		id := f.URLs.Actor(domain.ActorPerson, person)
		if _, err := tx.Follower(course, id); err != nil {
			return err
		}
		return tx.DeleteFollower(course, id)
	})
}
