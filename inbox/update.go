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
// of another actor (O3). Update of a task (a Page) of a followed Lernejo
// course refreshes the cached copy. Update of a note changes its text, as
// Discussion.ReceiveEdit allows (its author only, the same published date).
// Update{Event} changes a meeting of a course elsewhere (event.go).
func (in *Inbox) update(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if isEvent(o) {
		return in.receiveEvent(tx, act) // a meeting of a course elsewhere changed (event.go)
	}
	if o != nil && o.Type == "Page" && !o.IsLink {
		// A followed Lernejo course changed a task: refresh the cached copy.
		// It is the course's own object (checkOrigins: same origin).
		if followed, err := in.cfg.Enrolment.Followed(tx, act.Actor); err != nil || !followed {
			return err
		}
		if t := in.cfg.Resolver.RemoteTask(act.Actor, o.Raw); t != nil {
			return in.cfg.Learning.ReceiveTask(tx, t)
		}
		return nil
	}
	if o == nil || isActorType(o.Type) || o.IsLink || !postTypes[o.Type] {
		return nil
	}
	return in.cfg.Discussion.ReceiveEdit(tx, &domain.Post{URI: o.ID, Author: act.Actor,
		Content: in.cfg.Sanitizer.RemoteHTML(o.Content), Published: o.Published, Updated: o.Updated, Raw: act.Raw})
}
