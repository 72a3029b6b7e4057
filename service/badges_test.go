package service

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// TestPeerVoteRules: votes for a peer-awarded badge come from enrolled
// learners, here (Vote) or on another Lernejo node (ReceiveVote, as the
// inbox calls it), for another enrolled learner, once per voter; the badge
// is awarded, with its note, when the threshold is reached.
func TestPeerVoteRules(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	if err := u.svc.Accounts.Register(ctx, &domain.Person{Handle: "cem", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Enrolment.EnrolLocal(ctx, "cem", "course", ""); err != nil {
		t.Fatal(err)
	}
	peer := u.badge(&domain.Badge{Name: "Kind", Criteria: domain.CriteriaPeer, Votes: 2}, "")
	byHand := u.badge(&domain.Badge{Name: "Helper", Criteria: domain.CriteriaOrganiser}, "")
	bob := u.person("bob")
	receive := func(voter, learner string) error {
		return u.st.Update(ctx, func(tx domain.Tx) error { return u.svc.Badges.ReceiveVote(tx, peer, voter, learner) })
	}
	for _, c := range []struct {
		name string
		vote func() error
		want string
	}{
		{"for oneself", func() error { return u.svc.Badges.Vote(ctx, "bob", peer, bob) }, domain.EFORBIDDEN},
		{"for oneself, from elsewhere", func() error { return receive(raeID, raeID) }, domain.EFORBIDDEN},
		{"by someone not enrolled", func() error { return u.svc.Badges.Vote(ctx, "ada", peer, bob) }, domain.EFORBIDDEN},
		{"from elsewhere, not enrolled", func() error { return receive("https://remote.test/users/zed", bob) }, domain.EFORBIDDEN},
		{"for someone not enrolled", func() error { return u.svc.Badges.Vote(ctx, "bob", peer, u.person("ada")) }, domain.EINVALID},
		{"for a badge not awarded by votes", func() error { return u.svc.Badges.Vote(ctx, "bob", byHand, raeID) }, domain.EINVALID},
	} {
		if err := c.vote(); domain.ErrorCode(err) != c.want {
			t.Errorf("a vote %s: %v, want %s", c.name, err, c.want)
		}
	}
	if n := u.awards(raeID, peer) + u.awards(bob, peer); n != 0 {
		t.Fatalf("%d awards after refused votes", n)
	}

	if err := u.svc.Badges.Vote(ctx, "bob", peer, raeID); err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Badges.Vote(ctx, "bob", peer, raeID); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a second vote: %v", err)
	}
	if n := u.awards(raeID, peer); n != 0 {
		t.Fatal("awarded after one voter")
	}
	before := u.deliveries()
	if err := u.svc.Badges.Vote(ctx, "cem", peer, raeID); err != nil {
		t.Fatal(err)
	}
	var award *domain.Award
	u.view(func(tx domain.Tx) (err error) { award, err = tx.AwardOf(peer, raeID); return err })
	if award.NoteURI == "" || award.AwardedBy != "" {
		t.Fatalf("award by votes: %+v", award)
	}
	if u.deliveries() <= before {
		t.Fatal("the award note was not sent to the learner")
	}

	// From elsewhere: rae votes for bob, once.
	if err := receive(raeID, bob); err != nil {
		t.Fatal(err)
	}
	if err := receive(raeID, bob); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a second vote from elsewhere: %v", err)
	}
	if err := u.svc.Badges.Vote(ctx, "cem", peer, bob); err != nil {
		t.Fatal(err)
	}
	if n := u.awards(bob, peer); n != 1 {
		t.Fatalf("bob holds %d awards after two voters, one of them elsewhere", n)
	}
}

// TestRevokeAward: an organiser revokes an award with a reason; the award
// (what the hosted assertion is made from) says so, the note that
// announced it is tombstoned and its Delete queued; no one else may
// revoke, and an award is revoked once.
func TestRevokeAward(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	b := u.badge(&domain.Badge{Name: "Helper", Criteria: domain.CriteriaOrganiser}, raeID)
	var award *domain.Award
	u.view(func(tx domain.Tx) (err error) { award, err = tx.AwardOf(b, raeID); return err })
	if err := u.svc.Badges.Revoke(ctx, "bob", award.ID, "No."); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("a learner revokes: %v", err)
	}
	before := u.deliveries()
	if err := u.svc.Badges.Revoke(ctx, "ada", award.ID, "  Given by mistake. "); err != nil {
		t.Fatal(err)
	}
	p, err := u.svc.Badges.AwardFor(ctx, "ada", award.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Award.Revoked || p.Award.Reason != "Given by mistake." || p.Award.RevokedAt.IsZero() || !p.Organiser {
		t.Fatalf("revoked award: %+v organiser %v", p.Award, p.Organiser)
	}
	if p, err := u.svc.Badges.AwardFor(ctx, "bob", award.ID); err != nil || p.Organiser {
		t.Fatalf("the award's page for a learner: %v organiser %v", err, p != nil && p.Organiser)
	}
	u.view(func(tx domain.Tx) error { _, err := tx.Tombstone(award.NoteURI); return err })
	if u.deliveries() <= before {
		t.Fatal("no Delete of the award note queued")
	}
	if err := u.svc.Badges.Revoke(ctx, "ada", award.ID, "Again."); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a second revoke: %v", err)
	}
	u.view(func(tx domain.Tx) (err error) { award, err = tx.Award(award.ID); return err })
	if award.Reason != "Given by mistake." {
		t.Fatalf("a second revoke changed the reason: %q", award.Reason)
	}
}
