package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// update handles Update{actor}. The cached actor was already refreshed from
// its origin before this transaction (process does the network work): the
// embedded copy is never trusted, and a key change is taken only from a
// signed, fresh fetch (HOSTILE S12). checkOrigins already refused an Update
// of another actor (O3). Updates of notes arrive with course discussions.
func (in *Inbox) update(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	return nil
}
