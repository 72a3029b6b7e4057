package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// Badges is the use cases of open badges: badge classes of a course or
// school, awarded when their criteria are met, by an organiser, or by
// peers' votes, and revoked by an organiser.
type Badges struct {
	*env
	posts *Posts
}

// Add creates a badge class issued by a course or school that organiser
// organises, with its image if b.Image is set (checked as SetImage does).
func (s *Badges) Add(ctx context.Context, organiser string, b *domain.Badge) error {
	b.Normalise()
	if err := b.Validate(); err != nil {
		return err
	}
	b.DescriptionHTML = s.Docs.Sanitizer.RichMarkdown(b.Description)
	if b.Image != nil {
		if err := badgepng.Check(b.Image); err != nil {
			return err
		}
	}
	b.ID, b.Created = s.NewID(), s.Now().UTC()
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		typ, err := tx.HandleType(b.Issuer)
		if err != nil {
			return err
		}
		if typ != domain.ActorCourse && typ != domain.ActorSchool {
			return domain.Errorf(domain.EINVALID, "Only courses and schools issue badges.")
		}
		if err := s.organises(tx, b.Issuer, organiser); err != nil {
			return err
		}
		return tx.PutBadge(b)
	})
}

// checkAwardsTx is what CheckAwards reads: the course's badges and tasks
// and the learner's completions, and what award needs.
type checkAwardsTx interface {
	awardTx
	domain.TaskStore
	domain.CompletionStore
	domain.MeetingStore
}

// CheckAwards awards, inside tx, every badge of the course whose task
// criteria the learner now meets and does not hold yet.
func (s *Badges) CheckAwards(tx checkAwardsTx, course, learner string) error {
	badges, err := tx.Badges(course)
	if err != nil {
		return err
	}
	done, err := tx.CompletionsOf(course, learner)
	if err != nil {
		return err
	}
	doneTasks := map[string]string{}
	for _, c := range done {
		doneTasks[c.Task] = c.ID
	}
	tasks, err := tx.Tasks(course)
	if err != nil {
		return err
	}
	for _, b := range badges {
		var need []string
		switch b.Criteria {
		case domain.CriteriaAllTasks:
			for _, t := range tasks {
				need = append(need, t.ID)
			}
		case domain.CriteriaChosenTasks:
			need = b.Tasks
		case domain.CriteriaAttendance:
			if err := s.checkAttendance(tx, b, learner); err != nil {
				return err
			}
			continue
		case domain.CriteriaReviewed:
			if err := s.checkReviewed(tx, b, learner); err != nil {
				return err
			}
			continue
		default:
			continue
		}
		if len(need) == 0 {
			continue
		}
		var evidence []string
		for _, id := range need {
			if doneTasks[id] == "" {
				evidence = nil
				break
			}
			evidence = append(evidence, doneTasks[id])
		}
		if evidence == nil {
			continue
		}
		if _, held, err := domain.Found(tx.AwardOf(b.ID, learner)); err != nil {
			return fmt.Errorf("service: check awards: %w", err)
		} else if held {
			continue
		}
		if _, err := s.award(tx, b, learner, evidence, ""); err != nil {
			return err
		}
	}
	return nil
}

// checkAttendance awards, inside tx, the badge b for coming to sessions
// when learner came to enough of them and does not hold it yet.
func (s *Badges) checkAttendance(tx checkAwardsTx, b *domain.Badge, learner string) error {
	n, err := tx.CountAttended(b.Issuer, learner)
	if err != nil || n < b.Sessions {
		return err
	}
	if _, held, err := domain.Found(tx.AwardOf(b.ID, learner)); err != nil || held {
		return err
	}
	_, err = s.award(tx, b, learner, nil, "")
	return err
}

// Award gives a badge by hand: an organiser of the issuing course or school.
func (s *Badges) Award(ctx context.Context, organiser, badgeID, learner string) (*domain.Award, error) {
	var a *domain.Award
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		b, err := tx.Badge(badgeID)
		if err != nil {
			return err
		}
		if err := s.organises(tx, b.Issuer, organiser); err != nil {
			return err
		}
		existing, _, err := domain.Found(tx.AwardOf(b.ID, learner))
		if err != nil {
			return fmt.Errorf("service: award: %w", err)
		}
		if existing != nil && !existing.Revoked {
			return domain.Errorf(domain.ECONFLICT, "This learner already holds this badge.")
		}
		a, err = s.award(tx, b, learner, nil, organiser)
		return err
	})
	if err == nil {
		s.Queue.Wake()
	}
	return a, err
}

// Vote records an enrolled learner's vote to award a peer-awarded badge of
// a course on this node to another learner (an actor id); the badge is
// awarded when enough have voted.
func (s *Badges) Vote(ctx context.Context, voter, badgeID, learner string) error {
	voterID := s.URLs.Actor(domain.ActorPerson, voter)
	return s.update(ctx, func(tx domain.Tx) error {
		b, err := tx.Badge(badgeID)
		if err != nil {
			return err
		}
		return s.vote(tx, b, voterID, learner)
	})
}

// ReceiveVote keeps, inside the inbox's transaction, the vote of a learner
// on another Lernejo node (voter, their actor id) for awarding the badge
// badgeID of a local course to learner. The inbox checked the vote's proof
// against the voter's keys; the rules are Vote's.
func (s *Badges) ReceiveVote(tx domain.Tx, badgeID, voter, learner string) error {
	b, err := tx.Badge(badgeID)
	if err != nil {
		return err
	}
	return s.vote(tx, b, voter, learner)
}

// vote applies, inside tx, the rules of a vote by voter for awarding b to
// learner (both actor ids): a peer-awarded badge of a course, both enrolled
// in it, not for oneself, once per voter; at b.Votes distinct voters the
// badge is awarded, unless the learner already holds it (or held it and an
// organiser revoked it: votes do not overrule them).
func (s *Badges) vote(tx awardTx, b *domain.Badge, voter, learner string) error {
	if voter == learner {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot vote for yourself.")
	}
	if b.Criteria != domain.CriteriaPeer {
		return domain.Errorf(domain.EINVALID, "This badge is not awarded by votes.")
	}
	// enrolled's refusal gets the words of a vote; a store failure stays
	// what it is.
	if err := enrolled(tx, b.Issuer, voter); domain.ErrorCode(err) == domain.EFORBIDDEN {
		return domain.Errorf(domain.EFORBIDDEN, "Only enrolled learners can vote.")
	} else if err != nil {
		return err
	}
	if err := enrolled(tx, b.Issuer, learner); domain.ErrorCode(err) == domain.EFORBIDDEN {
		return domain.Errorf(domain.EINVALID, "Votes are for enrolled learners.")
	} else if err != nil {
		return err
	}
	if again, err := tx.Voted(b.ID, learner, voter); err != nil {
		return err
	} else if again {
		return domain.Errorf(domain.ECONFLICT, "You have already voted for this learner.")
	}
	n, err := tx.AddVote(b.ID, learner, voter)
	if err != nil {
		return err
	}
	if _, held, err := domain.Found(tx.AwardOf(b.ID, learner)); err != nil || held || n < b.Votes {
		return err
	}
	_, err = s.award(tx, b, learner, nil, "")
	return err
}

// VoteElsewhere sends a local person's vote for a peer-awarded badge of a
// course on another Lernejo node: course is the course's actor id, badge
// the badge class's IRI on the course's origin, learner the nominee's actor
// id. The vote is a record signed with the voter's assertion key
// (FEP-8b32), as completions are, sent in an Add to the course; the
// course's node applies the rules.
func (s *Badges) VoteElsewhere(ctx context.Context, voter, course, badge, learner string) error {
	badge, learner = strings.TrimSpace(badge), strings.TrimSpace(learner)
	if !federation.SameOrigin(badge, course) || !strings.Contains(badge, "/badges/") {
		return domain.Errorf(domain.EINVALID, "The badge must be one of the course's badges (an address on its server).")
	}
	if !strings.HasPrefix(learner, "https://") && !strings.HasPrefix(learner, "http://") {
		return domain.Errorf(domain.EINVALID, "Name the learner by the address of their profile (http or https).")
	}
	urls := s.URLs
	voterID := urls.Actor(domain.ActorPerson, voter)
	if learner == voterID {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot vote for yourself.")
	}
	now := s.Now().UTC()
	return s.update(ctx, func(tx domain.Tx) error {
		f, _, err := domain.Found(tx.Following(voter, course))
		if err != nil {
			return fmt.Errorf("service: vote: %w", err)
		}
		if f == nil || f.State != domain.FollowAccepted {
			return domain.Errorf(domain.EFORBIDDEN, "Join first to vote here.")
		}
		ra, err := tx.RemoteActor(course)
		if err != nil {
			return err
		}
		seed, err := tx.AssertionSeed(voter)
		if err != nil {
			return err
		}
		rec, err := integrity.SignRecord(federation.VoteObject(urls.Path("/votes/"+s.NewID()), voterID, learner, badge, now),
			voterID, seed, now)
		if err != nil {
			return err
		}
		id := urls.NewActivityID(s.NewID())
		return s.Queue.Queue(tx, voter, id, federation.AddVote(id, voterID, rec, badge+"/votes", course), []string{ra.Inbox})
	})
}

// Revoke marks an award revoked, with the organiser's reason, and deletes
// the note that announced it: a Delete to where its Create went (the
// issuer's followers and a remote learner, whose node then drops the
// badge from their profile). The hosted assertion keeps being served,
// revoked. An award is revoked once.
func (s *Badges) Revoke(ctx context.Context, organiser, awardID, reason string) error {
	reason = strings.TrimSpace(reason)
	if len(reason) > domain.MaxSummaryLen {
		return domain.Errorf(domain.EINVALID, "The reason is too long.")
	}
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if err := s.organises(tx, a.Issuer, organiser); err != nil {
			return err
		}
		if a.Revoked {
			return domain.Errorf(domain.ECONFLICT, "This award is already revoked.")
		}
		a.Revoked, a.RevokedAt, a.Reason = true, s.Now().UTC(), reason
		if err := tx.PutAward(a); err != nil {
			return err
		}
		typ, err := tx.HandleType(a.Issuer)
		if err != nil {
			return err
		}
		urls := s.URLs
		issuerID := urls.Actor(typ, a.Issuer)
		inboxes, err := tx.FollowerInboxes(a.Issuer)
		if err != nil {
			return err
		}
		ra, err := remoteActor(tx, a.Learner) // nil: a local learner
		if err != nil {
			return err
		}
		if ra != nil {
			inboxes = append(inboxes, ra.Inbox)
		}
		if err := tx.PutTombstone(&domain.Tombstone{ID: a.NoteURI, Deleted: a.RevokedAt}); err != nil {
			return err
		}
		id := urls.NewActivityID(s.NewID())
		del := federation.DeleteNote(id, issuerID, a.NoteURI,
			federation.NoteAddress{To: []string{federation.Public}, CC: []string{issuerID + "/followers", a.Learner}})
		return s.Queue.Queue(tx, a.Issuer, id, del, inboxes)
	})
	if err == nil {
		s.Queue.Wake()
	}
	return err
}

// organisesTx is what organises reads: the issuer's actor type, and the
// course or school that it is.
type organisesTx interface {
	domain.LocalActorStore
	domain.CourseStore
	domain.SchoolStore
}

// organises checks, inside tx, that person organises issuer, the course
// or school that issues a badge.
func (s *Badges) organises(tx organisesTx, issuer, person string) error {
	typ, err := tx.HandleType(issuer)
	if err != nil {
		return err
	}
	ok := false
	switch typ {
	case domain.ActorCourse:
		c, err := tx.Course(issuer)
		if err != nil {
			return err
		}
		ok = c.IsOrganiser(person)
	case domain.ActorSchool:
		s, err := tx.School(issuer)
		if err != nil {
			return err
		}
		ok = s.IsOrganiser(person)
	}
	if !ok {
		return domain.Errorf(domain.EFORBIDDEN, "Only the organisers can award or revoke this badge.")
	}
	return nil
}

// awardTx is what award needs: the award itself, the inboxes of the
// issuer's followers and of a remote learner, and what note needs to send
// the note that announces it.
type awardTx interface {
	noteTx
	domain.BadgeStore
	domain.FollowStore
	domain.ActorCache
	notifyTx
}

// award records an award and announces it: a public note from the issuer
// that mentions the learner (Mention tag and the learner in cc, so Mastodon
// notifies them), with the badge image attached and a link to the hosted
// Open Badges assertion.
func (s *Badges) award(tx awardTx, b *domain.Badge, learner string, evidence []string, by string) (*domain.Award, error) {
	urls := s.URLs
	a := &domain.Award{ID: s.NewID(), Badge: b.ID, Issuer: b.Issuer, Learner: learner,
		IssuedOn: s.Now().UTC().Truncate(time.Second), Evidence: evidence, AwardedBy: by}
	typ, err := tx.HandleType(b.Issuer)
	if err != nil {
		return nil, err
	}
	issuerID := urls.Actor(typ, b.Issuer)
	name := learner
	inboxes, err := tx.FollowerInboxes(b.Issuer)
	if err != nil {
		return nil, err
	}
	ra, err := remoteActor(tx, learner) // nil: a local learner
	if err != nil {
		return nil, err
	}
	if ra != nil {
		name = ra.Handle()
		inboxes = append(inboxes, ra.Inbox)
	} else if h, _, ok := urls.LocalActor(learner); ok {
		name = "@" + h + "@" + urls.Host()
	}
	assertion := urls.Path("/awards/" + a.ID)
	mention := []federation.Mention{{ID: learner, Name: name}}
	text := fmt.Sprintf("%s earned the badge \"%s\". Well done!\n\nThe badge: %s", name, b.Name, assertion)
	addr := federation.PublicAddress(issuerID+"/followers", mention)
	a.NoteURI, err = s.posts.note(tx, b.Issuer, text, mention, addr, inboxes, func(n *federation.ASNote) {
		n.Attachment = []federation.ASImage{federation.BadgeImage(urls.Path("/badges/"+b.ID+"/image.png"), b.Name)}
		n.OpenBadge = assertion
	})
	if err != nil {
		return nil, err
	}
	if err := s.notify(tx, learner, domain.Notification{Kind: domain.NotifyBadge, Actor: issuerID, Subject: b.Name, URL: "/awards/" + a.ID}); err != nil {
		return nil, err
	}
	return a, tx.PutAward(a)
}

// SetImage stores an organiser's PNG for a badge after checking it
// (a real PNG, size and dimension limits, no decompression bomb).
func (s *Badges) SetImage(ctx context.Context, organiser, badgeID string, png []byte) error {
	if err := badgepng.Check(png); err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		b, err := tx.Badge(badgeID)
		if err != nil {
			return err
		}
		if err := s.organises(tx, b.Issuer, organiser); err != nil {
			return err
		}
		b.Image = append([]byte(nil), png...)
		return tx.PutBadge(b)
	})
}

// ReceiveAward keeps, inside the inbox's transaction, a badge that a course
// or school on another server awarded to local people: rb as the award
// note gave it (its assertion, issuer, image), for each local person among
// the mentioned actors. The inbox checked the note's proof against the
// issuer's keys. It reports whether the note awarded anyone here.
func (s *Badges) ReceiveAward(tx domain.Tx, rb *domain.ReceivedBadge, mentioned []string) (bool, error) {
	got := false
	for _, id := range mentioned {
		h, typ, ok, err := localActor(tx, s.URLs, id)
		if err != nil {
			return false, err
		}
		if !ok || typ != domain.ActorPerson {
			continue
		}
		held := *rb
		held.Learner = h
		if err := tx.PutReceivedBadge(&held); err != nil {
			return false, err
		}
		if err := s.notifyPerson(tx, h, domain.Notification{Kind: domain.NotifyBadge, Actor: rb.Issuer, Subject: rb.Name, URL: rb.Assertion}); err != nil {
			return false, err
		}
		got = true
	}
	return got, nil
}

// ReceiveRevoke marks, inside the inbox's transaction, a badge a local
// person received revoked when its issuer deleted the note that awarded
// it; it reports whether note was such a note of issuer's.
func (s *Badges) ReceiveRevoke(tx domain.ReceivedBadgeStore, issuer, note string) (bool, error) {
	rb, _, err := domain.Found(tx.ReceivedBadgeByNote(note))
	if err != nil {
		return false, fmt.Errorf("service: revoked badge: %w", err)
	}
	if rb == nil || rb.Issuer != issuer {
		return false, nil
	}
	rb.Revoked = true
	return true, tx.PutReceivedBadge(rb)
}
