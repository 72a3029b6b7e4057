package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// delete handles Delete. Of the actor itself: every follow by it and of it
// ends (Enrolment.ActorDeleted), the cached actor is forgotten, and a
// tombstone keeps anything from bringing it back. Of an object: a
// tombstone (a Create after its Delete is then ignored, O18), then the
// badge its note awarded is revoked (Badges.ReceiveRevoke) or the post
// leaves its discussion (Discussion.ReceiveDelete).
func (in *Inbox) delete(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if o == nil || o.ID == "" {
		return nil
	}
	if err := tx.PutTombstone(&domain.Tombstone{ID: o.ID, Deleted: in.cfg.Now().UTC()}); err != nil {
		return err
	}
	if o.ID == act.Actor {
		if err := in.cfg.Enrolment.ActorDeleted(tx, act.Actor); err != nil {
			return err
		}
		in.cfg.Resolver.Forget(act.Actor)
		return tx.DeleteRemoteActor(act.Actor)
	}
	if revoked, err := in.cfg.Badges.ReceiveRevoke(tx, act.Actor, o.ID); err != nil || revoked {
		return err
	}
	return in.cfg.Discussion.ReceiveDelete(tx, act.Actor, o.ID)
}
