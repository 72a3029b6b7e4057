package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// block handles Block{local actor}: someone elsewhere blocked one of ours,
// and Moderation.BlockedBy ends the follows between them.
func (in *Inbox) block(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if act.Object == nil {
		return nil
	}
	return in.cfg.Moderation.BlockedBy(tx, act.Object.ID, act.Actor)
}
