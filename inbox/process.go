package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
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
		"Follow":          in.follow,
		"Undo":            in.undo,
		"Accept":          in.accept,
		"TentativeAccept": in.tentativeAccept,
		"Reject":          in.reject,
		"Update":          in.update,
		"Delete":          in.delete,
		"Create":          in.create,
		"Like":            in.like,
		"Announce":        in.announce,
		"Join":            in.join,
		"Leave":           in.leave,
		"Add":             in.add,
		"Block":           in.block,
		"Remove":          in.remove,
		"Flag":            in.flag,
		"Offer":           in.offer,
	}
}

// Run processes the journal until ctx ends: at start (activities answered
// 202 before a crash are processed now), on every new activity, and every
// few seconds.
func (in *Inbox) Run(ctx context.Context) {
	// The backfills stop with Run: none is left writing to a store being closed.
	backfilled := make(chan struct{})
	go func() { defer close(backfilled); in.backfillLoop(ctx) }()
	defer func() { <-backfilled }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		for in.processBatch(ctx) > 0 {
		}
		select {
		case <-ctx.Done():
			return
		case <-in.wake:
			// Let a burst gather, until a page is waiting or for a moment:
			// the activities that arrive together then share one
			// transaction (one synced commit).
			gather := time.NewTimer(gatherFor)
		wait:
			for in.waiting.Load() < pageSize {
				select {
				case <-ctx.Done():
					break wait
				case <-gather.C:
					break wait
				case <-in.wake:
				}
			}
			gather.Stop()
		case <-tick.C:
			// Start again from each host's oldest item: one whose
			// processing failed is tried again, and so is one journalled
			// under an id that sorts before the cursor (a clock set back).
			clear(in.cursors)
		}
	}
}

// gatherFor is the longest the processor waits after it is woken, so that
// activities received together are applied together. They are already
// acknowledged and journalled; a few milliseconds more before they show
// is nothing next to the network's own delays.
const gatherFor = 20 * time.Millisecond

// pageSize is how many journal items processBatch takes at a time.
const pageSize = 64

// ProcessPending processes everything journalled now, and the backfills
// that asks for; for tests and tools.
func (in *Inbox) ProcessPending(ctx context.Context) {
	clear(in.cursors)
	for in.processBatch(ctx) > 0 {
	}
	for {
		select {
		case course := <-in.backfills:
			in.backfillWithin(ctx, course)
		default:
			return
		}
	}
}

// nextPage reads up to pageSize journal items, taking turns between the
// hosts that have activities waiting: each host in turn, starting after the
// one served last, gives up to an equal share of the page, oldest first;
// what hosts with less leave of the page goes round again to the others.
// So one host's flood delays another host's activity by at most about a
// page, and a host alone gets whole pages.
func (in *Inbox) nextPage(ctx context.Context) ([]*domain.InboxItem, error) {
	hosts := in.hostsInTurn()
	var page []*domain.InboxItem
	read := map[string]string{} // the new cursors
	last := in.lastHost
	err := in.cfg.Store.View(ctx, func(tx domain.Tx) error {
		share := max(1, pageSize/max(1, len(hosts)))
		for turn := hosts; len(page) < pageSize && len(turn) > 0; {
			var more []string // hosts that gave a whole share, and may have more
			for _, h := range turn {
				n := min(share, pageSize-len(page))
				if n == 0 {
					break
				}
				after, ok := read[h]
				if !ok {
					after = in.cursors[h]
				}
				items, err := tx.InboxItemsFrom(h, after, n)
				if err != nil {
					return err
				}
				if len(items) == 0 {
					continue
				}
				page = append(page, items...)
				read[h], last = items[len(items)-1].ID, h
				if len(items) == n {
					more = append(more, h)
				}
			}
			turn = more
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	maps.Copy(in.cursors, read)
	in.lastHost = last
	return page, nil
}

// hostsInTurn returns the hosts with activities waiting, in order, starting
// after the one served last.
func (in *Inbox) hostsInTurn() []string {
	in.backlogMu.Lock()
	hosts := slices.Sorted(maps.Keys(in.backlog))
	in.backlogMu.Unlock()
	i, found := slices.BinarySearch(hosts, in.lastHost)
	if found {
		i++
	}
	return slices.Concat(hosts[i:], hosts[:i])
}

// processBatch processes up to a page of the journal and returns how many
// items it took. Consecutive activities share one transaction (one synced
// commit instead of one each); an activity that needs the network first
// (an actor's Update, an Announce, an Accept) starts a new transaction after
// the ones before it are committed, so it sees their effects.
func (in *Inbox) processBatch(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	if in.cfg.Store.Space().Critical() {
		return 0 // nothing could be written: wait, the journal keeps it all
	}
	items, err := in.nextPage(ctx)
	if err != nil {
		in.log.Error("read inbox journal", slog.Any("err", err))
		return 0
	}
	var group, drop []job
	size := 0
	hosts := map[string]bool{} // hosts that sent something processed here
	flush := func() {
		for _, j := range in.commit(ctx, group) {
			hosts[hostOf(j.act.Actor)] = true
		}
		group, size = group[:0], 0
	}
	for _, it := range items {
		log := in.log.With(slog.String("activity_id", it.ActivityID), slog.String("actor", it.Signer))
		act, ok := in.takeDecoded(it.ID)
		if ok {
			in.waiting.Add(-1)
		} else {
			var err error
			if act, err = federation.DecodeActivityAt(it.Raw, it.Received); err != nil {
				// It decoded when it was received; a newer, stricter decoder
				// may refuse it now. Drop it rather than retry forever.
				log.Warn("journalled activity no longer decodes", slog.Any("err", err))
				drop = append(drop, job{it: it, log: log})
				continue
			}
		}
		log = log.With(slog.String("type", act.Type))
		h := in.handle[act.Type]
		if h == nil {
			drop = append(drop, job{it: it, log: log}) // unknown types are accepted and ignored
			continue
		}
		if needsNetwork(act) {
			flush()
			in.prepare(ctx, act, log)
		}
		if size+len(it.Raw) > maxGroupBytes && len(group) > 0 {
			flush()
		}
		group = append(group, job{it: it, act: act, h: h, log: log})
		size += len(it.Raw)
	}
	flush()
	in.drop(ctx, drop)
	in.cfg.Outbox.Wake()
	// Something signed arrived from these hosts: they are alive (D5).
	for host := range hosts {
		if host == "" {
			continue
		}
		if err := in.cfg.Outbox.HostAnswered(ctx, host); err != nil {
			in.log.Warn("mark host available", slog.String("host", host), slog.Any("err", err))
		}
	}
	return len(items)
}

// job is one journalled activity on its way through a handler.
type job struct {
	it  *domain.InboxItem
	act *federation.Activity
	h   handler
	log *slog.Logger
}

// maxGroupBytes bounds the raw activities applied in one transaction, well
// under Badger's transaction size limit; larger ones go alone.
const maxGroupBytes = 256 << 10

// needsNetwork reports whether an activity is prepared with a fetch before
// its transaction (see prepare).
func needsNetwork(act *federation.Activity) bool {
	switch act.Type {
	case "Update":
		return act.Object != nil && isActorType(act.Object.Type)
	case "Announce":
		return act.Object != nil
	case "Accept":
		return true
	}
	return false
}

// prepare does an activity's network work, which never happens inside a
// transaction.
func (in *Inbox) prepare(ctx context.Context, act *federation.Activity, log *slog.Logger) {
	switch act.Type {
	case "Update":
		if _, err := in.cfg.Resolver.Refresh(ctx, act.Actor); err != nil {
			log.Info("refresh updated actor", slog.Any("err", err))
		}
	case "Announce":
		in.fetchAnnounced(ctx, act, log)
	case "Accept":
		if _, ok := in.answeredMeeting(act); ok {
			return // an answer to a meeting: no course accepted anyone
		}
		in.cacheTasks(ctx, act.Actor, log)
		in.queueBackfill(act.Actor, log)
	}
}

// commit applies jobs in order, each handler followed by the removal of its
// journal item, in as few transactions as it can, and returns the jobs whose
// effects were committed. A refused activity changes nothing: the
// transaction is rolled back, the jobs before it are committed on their own,
// the refused one leaves the journal, and the rest go on. A job that fails
// (the store, not the activity, is at fault) is rolled back the same way
// but stays in the journal, to be tried again (see failed).
func (in *Inbox) commit(ctx context.Context, jobs []job) (done []job) {
	for len(jobs) > 0 {
		at, cause := -1, error(nil) // the job whose handler said no, and why
		err := in.cfg.Store.Update(ctx, func(tx domain.Tx) error {
			at, cause = -1, nil // the transaction may run again
			for i, j := range jobs {
				release, err := in.cfg.Priority.Background(ctx)
				if err != nil {
					return err // the node is stopping: tried again at start
				}
				err = j.h(ctx, tx, j.act)
				release()
				if err != nil {
					at, cause = i, err
					return err // roll every write back
				}
				if err := tx.DeleteInboxItem(j.it.ID); err != nil {
					return err
				}
			}
			return nil
		})
		switch {
		case at >= 0:
			done = append(done, in.commit(ctx, jobs[:at])...)
			if j := jobs[at]; isRefusal(cause) {
				j.log.Info("activity refused", slog.Any("reason", cause))
				in.drop(ctx, []job{j})
			} else {
				in.failed(ctx, j, cause)
			}
			jobs = jobs[at+1:]
		case err == nil:
			for _, j := range jobs {
				delete(in.failures, j.it.ID)
			}
			in.processed(jobs)
			return append(done, jobs...)
		case ctx.Err() != nil:
			return done // stopping: these stay journalled, for the next start
		case domain.IsUnavailable(err):
			// The disk is full: these stay journalled, untried, until
			// space is freed.
			return done
		case len(jobs) > 1:
			for i := range jobs {
				done = append(done, in.commit(ctx, jobs[i:i+1])...)
			}
			return done
		default:
			in.failed(ctx, jobs[0], err)
			return done
		}
	}
	return done
}

// maxFailures is how many times the processor tries an activity whose
// processing fails before it gives up on it.
const maxFailures = 5

// failed records that processing a job failed. The activity stays in the
// journal and is tried again when the processor next starts from the oldest
// item (every few seconds); after maxFailures it is dropped, loudly.
func (in *Inbox) failed(ctx context.Context, j job, err error) {
	if domain.IsUnavailable(err) {
		return // not the activity's fault, nor a try: it waits for disk space
	}
	if in.failures == nil {
		in.failures = map[string]int{}
	}
	in.failures[j.it.ID]++
	if n := in.failures[j.it.ID]; n < maxFailures {
		j.log.Warn("process activity: will try again", slog.Int("attempt", n), slog.Any("err", err))
		return
	}
	j.log.Error("process activity: giving up", slog.Int("attempts", maxFailures), slog.Any("err", err))
	delete(in.failures, j.it.ID)
	in.drop(ctx, []job{j})
}

// refusal is a handler's reason not to take an activity (it is forged,
// out of place, not allowed): the activity changes nothing and leaves the
// journal. Domain errors are refusals too, but for EUNAVAILABLE (the disk
// is full: the activity waits). Any other error a handler returns comes
// from the store, and the activity is tried again.
type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

// refusef is fmt.Errorf for refusals.
func refusef(format string, args ...any) error { return refusal{fmt.Errorf(format, args...)} }

func isRefusal(err error) bool {
	var r refusal
	if errors.As(err, &r) {
		return true
	}
	code := domain.ErrorCode(err)
	return code != domain.EINTERNAL && code != domain.EUNAVAILABLE
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
		var err error
		if _, known, err = domain.Found(tx.Post(id)); err != nil {
			return err
		}
		followed, err = in.cfg.Enrolment.Followed(tx, act.Actor)
		return err
	}); err != nil {
		log.Error("look up announced object", slog.String("object", id), slog.Any("err", err))
		return
	}
	if !followed || known {
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
	if err := in.cfg.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		course, _, err = domain.Found(tx.RemoteActor(courseID))
		return err
	}); err != nil {
		log.Error("look up accepting course", slog.String("course", courseID), slog.Any("err", err))
		return
	}
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

// drop removes journal items that will not be processed.
func (in *Inbox) drop(ctx context.Context, jobs []job) {
	if len(jobs) == 0 {
		return
	}
	if err := in.cfg.Store.Update(ctx, func(tx domain.Tx) error {
		for _, j := range jobs {
			if err := tx.DeleteInboxItem(j.it.ID); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		jobs[0].log.Error("drop journalled activities", slog.Int("count", len(jobs)), slog.Any("err", err))
		return
	}
	in.processed(jobs)
}

// processed takes jobs whose journal items are gone out of their hosts'
// backlogs.
func (in *Inbox) processed(jobs []job) {
	items := make([]*domain.InboxItem, len(jobs))
	for i, j := range jobs {
		items[i] = j.it
	}
	in.counted(items, -1)
}
