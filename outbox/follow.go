package outbox

import (
	"context"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Follows is the domain service for follows that cross servers: a local
// person following a remote actor (by handle or URL), and organisers
// answering the follow requests their moderated courses hold.
type Follows struct {
	Store    domain.Store
	Outbox   *Outbox
	Resolver *federation.Resolver
	URLs     federation.URLs
	Now      func() time.Time
	NewID    func() string
}

// Follow makes the local person follow target: "@name@host", "name@host"
// or an actor URL. WebFinger, then a signed fetch of the actor, then a
// Follow queued in the same transaction as the pending follow. The Accept
// or Reject that comes back settles it.
func (f *Follows) Follow(ctx context.Context, person, target string) (*domain.Following, error) {
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
		if existing, err := tx.Following(person, remote.ID); err == nil {
			out = existing
			return nil
		}
		activityID := f.URLs.NewActivityID(f.NewID())
		out = &domain.Following{Local: person, Target: remote.ID, ActivityID: activityID, State: domain.FollowPending, Created: f.Now().UTC()}
		if err := tx.PutFollowing(out); err != nil {
			return err
		}
		return f.Outbox.Queue(tx, person, activityID, federation.Follow(activityID, personID, remote.ID), []string{remote.Inbox})
	})
	if err != nil {
		return nil, err
	}
	f.Outbox.Wake()
	return out, nil
}

// Unfollow withdraws a local person's follow with Undo{Follow}.
func (f *Follows) Unfollow(ctx context.Context, person, targetID string) error {
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
		id := f.URLs.NewActivityID(f.NewID())
		undo := federation.UndoFollow(id, personID, federation.FollowRef{ID: fw.ActivityID, Actor: personID, Object: targetID})
		return f.Outbox.Queue(tx, person, id, undo, []string{remote.Inbox})
	})
	if err == nil {
		f.Outbox.Wake()
	}
	return err
}

// Approve accepts a pending follow request of a local actor (for a
// moderated course: an organiser enrols the learner).
func (f *Follows) Approve(ctx context.Context, local, actorID string) error {
	return f.answer(ctx, local, actorID, true)
}

// Decline refuses a pending follow request with a Reject.
func (f *Follows) Decline(ctx context.Context, local, actorID string) error {
	return f.answer(ctx, local, actorID, false)
}

func (f *Follows) answer(ctx context.Context, local, actorID string, accept bool) error {
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
		remote, err := tx.RemoteActor(actorID)
		if err != nil {
			return err
		}
		ref := federation.FollowRef{ID: fl.ActivityID, Actor: actorID, Object: localID}
		id := f.URLs.NewActivityID(f.NewID())
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
		return f.Outbox.Queue(tx, local, id, act, []string{remote.Inbox})
	})
	if err == nil {
		f.Outbox.Wake()
	}
	return err
}
