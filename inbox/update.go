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
// of another actor (O3). Update of a note in a course's discussion changes
// its text, only when sent by its author (O2); a changed published date is
// refused (P10). An Update before its Create is ignored.
func (in *Inbox) update(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if o != nil && o.Type == "Page" && !o.IsLink {
		// A followed Lernejo course changed a task: refresh the cached copy.
		// It is the course's own object (checkOrigins: same origin).
		if followed, err := followedByLocals(tx, act.Actor); err != nil || !followed {
			return err
		}
		if t := in.cfg.Resolver.RemoteTask(act.Actor, o.Raw); t != nil {
			return tx.PutRemoteTask(t)
		}
		return nil
	}
	if o == nil || isActorType(o.Type) || o.IsLink || !postTypes[o.Type] {
		return nil
	}
	p, err := tx.Post(o.ID)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Author != act.Actor {
		return refusef("update of %s by %s, not its author", o.ID, act.Actor)
	}
	if !o.Published.IsZero() && !p.Published.IsZero() && !o.Published.Equal(p.Published) {
		return refusef("update of %s changes its published date", o.ID)
	}
	p.Content = in.cfg.Sanitizer.RemoteHTML(o.Content)
	p.Updated = o.Updated
	if p.Updated.IsZero() {
		p.Updated = in.cfg.Now().UTC()
	}
	p.Raw = act.Raw
	return tx.PutPost(p)
}
