package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// accept handles Accept{Follow}: our person's follow is now accepted.
// Accept of a meeting of this node is an answer to it (event.go).
func (in *Inbox) accept(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if ok, err := in.answerMeeting(tx, act, domain.RSVPGoing); ok {
		return err
	}
	if ok, err := in.offerAnswered(tx, act, true); ok {
		return err
	}
	followID, follower, ok, err := answered(act)
	if err != nil || !ok {
		return err
	}
	return in.cfg.Enrolment.Accepted(tx, followID, follower, act.Actor)
}

// reject handles Reject{Follow}: our person's follow request was refused,
// or an accepted follow was ended by the other side. Reject of a meeting of
// this node is an answer to it (event.go).
func (in *Inbox) reject(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if ok, err := in.answerMeeting(tx, act, domain.RSVPNo); ok {
		return err
	}
	if ok, err := in.offerAnswered(tx, act, false); ok {
		return err
	}
	followID, follower, ok, err := answered(act)
	if err != nil || !ok {
		return err
	}
	return in.cfg.Enrolment.Rejected(tx, followID, follower, act.Actor)
}

// answered reads the Follow (or Join) that an Accept or Reject answers: its
// id, and its actor when it is embedded (peers that rewrite the id of the
// Follow they answer still name who sent it). ok is false when the object
// is something else, which is not ours to settle.
func answered(act *federation.Activity) (followID, follower string, ok bool, err error) {
	o := act.Object
	if o == nil {
		return "", "", false, refusef("%s without object", act.Type)
	}
	if o.IsLink {
		return o.ID, "", true, nil
	}
	if o.Type != "Follow" && o.Type != "Join" {
		return "", "", false, nil
	}
	return o.ID, o.Actor, true, nil
}

// backfillItems bounds how much of a course's recent discussion a node
// reads when one of its people joins: the newest items of the course's
// outbox, each announced note fetched from its own origin.
const backfillItems = 40

// maxBackfillsWaiting bounds the courses waiting to be backfilled; an
// Accept that finds the queue full gets no backfill (its learner sees the
// discussion from then on, as before backfills existed).
const maxBackfillsWaiting = 64

// backfillBudget is the most one backfill may take, all its fetches
// together: a course server that answers slowly gets less of its
// discussion read, never a stuck reader.
const backfillBudget = 2 * time.Minute

// queueBackfill asks the backfill goroutine for a course's recent
// discussion, without waiting.
func (in *Inbox) queueBackfill(course string, log *slog.Logger) {
	select {
	case in.backfills <- course:
	default:
		log.Info("backfill queue full: recent discussion not read", slog.String("course", course))
	}
}

// backfillLoop reads the courses queueBackfill names, one at a time, until
// ctx ends. Backfill is best effort: one waiting at a stop is not kept.
func (in *Inbox) backfillLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case course := <-in.backfills:
			in.backfillWithin(ctx, course)
		}
	}
}

func (in *Inbox) backfillWithin(ctx context.Context, course string) {
	ctx, cancel := context.WithTimeout(ctx, backfillBudget)
	defer cancel()
	in.backfill(ctx, course, in.log.With(slog.String("backfill", course)))
}

// backfill gives a person who just joined a Lernejo course on another node
// the course's recent discussion, which was redistributed before they
// joined: it reads the newest items of the course's outbox (the Creates of
// the course's own posts and the Announces of everyone else's, replies
// included, FEP-1b12), and keeps each note, fetched from its own origin,
// in the course's mirrored discussion as if the Announce had come then.
// It runs on its own goroutine (backfillLoop), outside any transaction, and
// only for a course one of our people asked to join.
func (in *Inbox) backfill(ctx context.Context, courseID string, log *slog.Logger) {
	var course *domain.RemoteActor
	var asked bool
	if err := in.cfg.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		if course, _, err = domain.Found(tx.RemoteActor(courseID)); err != nil {
			return err
		}
		fs, err := tx.FollowingsOf(courseID)
		asked = len(fs) > 0
		return err
	}); err != nil {
		log.Error("look up accepting course", slog.String("course", courseID), slog.Any("err", err))
		return
	}
	if course == nil || !course.Lernejo || course.Type != "Group" || !asked {
		return
	}
	items, err := in.recentActivities(ctx, courseID)
	if err != nil {
		log.Info("read the recent discussion of a course", slog.String("course", courseID), slog.Any("err", err))
		return
	}
	notes := in.backfillNotes(ctx, courseID, items, log)
	if len(notes) == 0 {
		return
	}
	if err := in.cfg.Store.Update(ctx, func(tx domain.Tx) error {
		for _, n := range notes {
			if _, known, err := domain.Found(tx.Post(n.o.ID)); err != nil || known {
				if err != nil {
					return err
				}
				continue
			}
			if _, deleted, err := domain.Found(tx.Tombstone(n.o.ID)); err != nil || deleted {
				if err != nil {
					return err
				}
				continue
			}
			if err := in.cfg.Discussion.Backfill(tx, courseID, in.remotePost(n.act, n.o, n.o.AttributedTo)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		log.Error("keep the recent discussion of a course", slog.String("course", courseID), slog.Any("err", err))
	}
}

// recentActivities reads up to backfillItems activities of a course's
// outbox, newest first, walking its pages from the first: the actor
// document names the outbox, which must be on the course's origin.
func (in *Inbox) recentActivities(ctx context.Context, courseID string) ([]*federation.Activity, error) {
	client := in.cfg.Resolver.Client
	doc, err := client.FetchActivity(ctx, courseID)
	if err != nil {
		return nil, err
	}
	actor, err := federation.DecodeActor(doc)
	if err != nil || actor.ID != courseID || actor.Outbox == "" {
		return nil, err
	}
	var coll struct {
		First json.RawMessage `json:"first"`
	}
	if doc, err = client.FetchActivity(ctx, actor.Outbox); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(doc, &coll); err != nil {
		return nil, fmt.Errorf("inbox: outbox of %s: %w", courseID, err)
	}
	var next string
	if json.Unmarshal(coll.First, &next) != nil {
		return nil, nil // no first page, or one embedded: Lernejo links it
	}
	var out []*federation.Activity
	for pages := 0; next != "" && len(out) < backfillItems && pages < backfillItems/federation.PageSize+1; pages++ {
		if !federation.SameOrigin(next, courseID) {
			break
		}
		if doc, err = client.FetchActivity(ctx, next); err != nil {
			return out, err
		}
		var page struct {
			OrderedItems []json.RawMessage `json:"orderedItems"`
			Next         string            `json:"next"`
		}
		if err := json.Unmarshal(doc, &page); err != nil {
			return out, fmt.Errorf("inbox: outbox page of %s: %w", courseID, err)
		}
		for _, raw := range page.OrderedItems {
			if len(out) == backfillItems {
				break
			}
			if act, err := federation.DecodeActivityAt(raw, in.cfg.Now()); err == nil && act.Actor == courseID {
				out = append(out, act)
			}
		}
		next = page.Next
	}
	return out, nil
}

// backfillNote is a note of a course's recent discussion, with the outbox
// activity that redistributed it.
type backfillNote struct {
	act *federation.Activity
	o   *federation.Object
}

// backfillNotes are the notes of a course's outbox activities, oldest
// first (so a reply's parent is kept before it), that are not kept here
// yet: a Create's note as the course's origin served it, when it is the
// course's own; an Announce's fetched from the note's own origin (an
// embedded copy is never trusted, HOSTILE O4). Only public notes, by an
// author on the note's origin, are taken, as from an Announce.
func (in *Inbox) backfillNotes(ctx context.Context, courseID string, items []*federation.Activity, log *slog.Logger) []backfillNote {
	known := map[string]bool{}
	if err := in.cfg.Store.View(ctx, func(tx domain.Tx) error {
		for _, act := range items {
			if act.Object == nil || act.Object.ID == "" {
				continue
			}
			_, found, err := domain.Found(tx.Post(act.Object.ID))
			if err != nil {
				return err
			}
			known[act.Object.ID] = found
		}
		return nil
	}); err != nil {
		log.Error("look up a course's recent posts", slog.Any("err", err))
		return nil
	}
	var out []backfillNote
	for _, act := range slices.Backward(items) {
		o := act.Object
		if o == nil || o.ID == "" || known[o.ID] || federation.SameOrigin(o.ID, in.cfg.URLs.Base()) {
			continue
		}
		switch {
		case act.Type == "Create" && !o.IsLink && o.AttributedTo == courseID && federation.SameOrigin(o.ID, courseID):
		case act.Type == "Announce":
			fetched, err := in.cfg.Resolver.FetchObject(ctx, o.ID)
			if err != nil {
				log.Info("fetch a course's recent post", slog.String("object", o.ID), slog.Any("err", err))
				continue
			}
			o = fetched
		default:
			continue
		}
		if !postTypes[o.Type] || o.AttributedTo == "" || !federation.SameOrigin(o.AttributedTo, o.ID) || !isPublic(o) {
			continue
		}
		known[o.ID] = true
		out = append(out, backfillNote{act: act, o: o})
	}
	return out
}
