package inbox

import (
	"context"
	"fmt"

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
	local, typ, ok, err := in.localTarget(tx, act.Object.ID)
	if err != nil || !ok || typ == domain.ActorApplication {
		return err
	}
	if _, follows, err := domain.Found(tx.Follower(local, act.Actor)); err != nil {
		return fmt.Errorf("inbox: block: %w", err)
	} else if follows {
		if err := tx.DeleteFollower(local, act.Actor); err != nil {
			return err
		}
	}
	if typ == domain.ActorPerson {
		return tx.DeleteFollowing(local, act.Actor)
	}
	return nil
}
