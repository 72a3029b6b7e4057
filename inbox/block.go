package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// block handles Block{local actor}: someone elsewhere blocked one of ours.
// They no longer follow it (so nothing more is delivered to them on its
// behalf), and if a local person followed them, that follow ends too.
// Undo{Block} changes nothing: following again is their choice.
func (in *Inbox) block(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if act.Object == nil {
		return nil
	}
	local, typ, ok := in.localTarget(tx, act.Object.ID)
	if !ok || typ == domain.ActorApplication {
		return nil
	}
	if _, err := tx.Follower(local, act.Actor); err == nil {
		if err := tx.DeleteFollower(local, act.Actor); err != nil {
			return err
		}
	} else if !domain.IsNotFound(err) {
		return err
	}
	if typ == domain.ActorPerson {
		return tx.DeleteFollowing(local, act.Actor)
	}
	return nil
}
