package inbox

import (
	"context"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// delete handles Delete. Of the actor itself: drop every follow by it and
// of it, forget the cached actor, and keep a tombstone so nothing brings it
// back. Of an object: keep a tombstone (posts arrive with course
// discussions; a Create after its Delete is then ignored, O18).
func (in *Inbox) delete(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if o == nil || o.ID == "" {
		return nil
	}
	if err := tx.PutTombstone(&domain.Tombstone{ID: o.ID, Deleted: in.cfg.Now().UTC()}); err != nil {
		return err
	}
	if o.ID != act.Actor {
		rb, _, err := domain.Found(tx.ReceivedBadgeByNote(o.ID))
		if err != nil {
			return fmt.Errorf("inbox: delete: %w", err)
		}
		if rb != nil && rb.Issuer == act.Actor {
			// The issuer revoked a badge one of our people held.
			rb.Revoked = true
			return tx.PutReceivedBadge(rb)
		}
		p, found, err := domain.Found(tx.Post(o.ID))
		if err != nil || !found {
			return err
		}
		if p.Author != act.Actor {
			return refusef("delete of %s by %s, not its author", o.ID, act.Actor) // O2
		}
		return tx.DeletePost(p)
	}
	follows, err := tx.FollowedBy(act.Actor)
	if err != nil {
		return err
	}
	for _, f := range follows {
		if err := tx.DeleteFollower(f.Local, f.Actor); err != nil {
			return err
		}
	}
	followings, err := tx.FollowingsOf(act.Actor)
	if err != nil {
		return err
	}
	for _, f := range followings {
		if err := tx.DeleteFollowing(f.Local, f.Target); err != nil {
			return err
		}
	}
	in.cfg.Resolver.Forget(act.Actor)
	return tx.DeleteRemoteActor(act.Actor)
}
