package inbox

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// handler applies one received activity inside the transaction that also
// removes it from the journal, so a crash either leaves it journalled (and
// it runs again) or leaves its effects and no journal entry.
type handler func(ctx context.Context, tx domain.Tx, act *federation.Activity) error

// handlers maps activity types to their handler; one file each. Unknown
// types are accepted and ignored.
func (in *Inbox) handlers() map[string]handler {
	return map[string]handler{
		"Follow":   in.follow,
		"Undo":     in.undo,
		"Accept":   in.accept,
		"Reject":   in.reject,
		"Update":   in.update,
		"Delete":   in.delete,
		"Create":   in.create,
		"Like":     in.like,
		"Announce": in.announce,
		"Join":     in.join,
		"Leave":    in.leave,
		"Add":      in.add,
		"Block":    in.block,
		"Remove":   in.remove,
		"Flag":     in.flag,
	}
}

// Run processes the journal until ctx ends: at start (activities answered
// 202 before a crash are processed now), on every new activity, and every
// few seconds.
func (in *Inbox) Run(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		for in.processBatch(ctx) > 0 {
		}
		select {
		case <-ctx.Done():
			return
		case <-in.wake:
		case <-tick.C:
		}
	}
}

// ProcessPending processes everything journalled now; for tests and tools.
func (in *Inbox) ProcessPending(ctx context.Context) {
	for in.processBatch(ctx) > 0 {
	}
}

func (in *Inbox) processBatch(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	var items []*domain.InboxItem
	if err := in.cfg.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		items, err = tx.InboxItems(64)
		return err
	}); err != nil {
		in.log.Error("read inbox journal", slog.Any("err", err))
		return 0
	}
	for _, it := range items {
		in.process(ctx, it)
	}
	return len(items)
}

func (in *Inbox) process(ctx context.Context, it *domain.InboxItem) {
	log := in.log.With(slog.String("activity_id", it.ActivityID), slog.String("actor", it.Signer))
	act, ok := in.takeDecoded(it.ID)
	var err error
	if !ok {
		act, err = federation.DecodeActivityAt(it.Raw, it.Received)
	}
	if err != nil {
		// It decoded when it was received; a newer, stricter decoder may
		// refuse it now. Drop it rather than retry forever.
		log.Warn("journalled activity no longer decodes", slog.Any("err", err))
		in.dropItem(ctx, it, log)
		return
	}
	log = log.With(slog.String("type", act.Type))
	h := in.handlers()[act.Type]
	if h == nil {
		in.dropItem(ctx, it, log) // unknown types are accepted and ignored
		return
	}
	// Network work happens before the transaction, never inside it.
	if act.Type == "Update" && act.Object != nil && isActorType(act.Object.Type) {
		if _, err := in.cfg.Resolver.Refresh(ctx, act.Actor); err != nil {
			log.Info("refresh updated actor", slog.Any("err", err))
		}
	}
	if act.Type == "Announce" && act.Object != nil {
		in.fetchAnnounced(ctx, act, log)
	}
	if act.Type == "Accept" {
		in.cacheTasks(ctx, act.Actor, log)
	}
	var refused error
	err = in.cfg.Store.Update(ctx, func(tx domain.Tx) error {
		refused = h(ctx, tx, act)
		if refused != nil {
			return refused // roll the handler's writes back
		}
		return tx.DeleteInboxItem(it.ID)
	})
	if refused != nil {
		// A refused activity changes nothing; it leaves the journal.
		log.Info("activity refused", slog.Any("reason", refused))
		in.dropItem(ctx, it, log)
		return
	}
	if err != nil {
		log.Error("process activity", slog.Any("err", err))
		return
	}
	in.cfg.Outbox.Wake()
	// Something signed arrived from this host: it is alive (D5).
	if u, err := url.Parse(act.Actor); err == nil {
		if host, err := federation.CanonicalHost(u.Host, u.Scheme); err == nil {
			if err := in.cfg.Outbox.HostAnswered(ctx, host); err != nil {
				log.Warn("mark host available", slog.Any("err", err))
			}
		}
	}
}

// fetchAnnounced replaces the object of an Announce by a remote actor that
// local people follow with the object as its own origin serves it: an
// embedded copy is never trusted (HOSTILE O4), and Announces from anyone
// else cause no fetch at all (F8).
func (in *Inbox) fetchAnnounced(ctx context.Context, act *federation.Activity, log *slog.Logger) {
	id := act.Object.ID
	if id == "" || federation.SameOrigin(id, in.cfg.URLs.Base()) {
		return
	}
	var followed, known bool
	if err := in.cfg.Store.View(ctx, func(tx domain.Tx) error {
		_, err := tx.Post(id)
		known = err == nil
		followed, err = followedByLocals(tx, act.Actor)
		return err
	}); err != nil || !followed || known {
		return
	}
	o, err := in.cfg.Resolver.FetchObject(ctx, id)
	if err != nil {
		log.Info("fetch announced object", slog.String("object", id), slog.Any("err", err))
		return
	}
	act.Object = o
}

// cacheTasks fetches and caches the tasks of a Lernejo course that just
// accepted one of our people, so they can work through it here.
func (in *Inbox) cacheTasks(ctx context.Context, courseID string, log *slog.Logger) {
	var course *domain.RemoteActor
	in.cfg.Store.View(ctx, func(tx domain.Tx) error { course, _ = tx.RemoteActor(courseID); return nil })
	if course == nil || !course.Lernejo || course.Tasks == "" {
		return
	}
	tasks, err := in.cfg.Resolver.FetchTasks(ctx, course)
	if err != nil {
		log.Info("fetch the tasks of a course", slog.String("course", courseID), slog.Any("err", err))
		return
	}
	if err := in.cfg.Store.Update(ctx, func(tx domain.Tx) error {
		for _, t := range tasks {
			if err := tx.PutRemoteTask(t); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		log.Error("cache tasks", slog.Any("err", err))
	}
}

func (in *Inbox) dropItem(ctx context.Context, it *domain.InboxItem, log *slog.Logger) {
	if err := in.cfg.Store.Update(ctx, func(tx domain.Tx) error { return tx.DeleteInboxItem(it.ID) }); err != nil {
		log.Error("drop journalled activity", slog.Any("err", err))
	}
}

// localTarget resolves an id to a local actor's handle and type.
func (in *Inbox) localTarget(tx domain.Tx, id string) (string, domain.ActorType, bool) {
	handle, typ, ok := in.cfg.URLs.LocalActor(id)
	if !ok {
		return "", "", false
	}
	if typ == domain.ActorApplication {
		return handle, typ, true
	}
	t, err := tx.HandleType(handle)
	if err != nil || (typ != "" && t != typ) {
		return "", "", false
	}
	return handle, t, true
}

// newActivityID is the id of a new activity of this node.
func (in *Inbox) newActivityID() string { return in.cfg.URLs.NewActivityID(in.cfg.NewID()) }
