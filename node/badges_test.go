package node

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// TestPeerVoteAcrossNodes: bea on A and cem on B take part in B's course;
// dan on B is voted for by both (bea through her node, a signed Add{Vote}),
// and bea is voted for by cem and dan: each badge is awarded at two votes.
// Revoking bea's award on B
// drops it from her profile on A.
func TestPeerVoteAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	bea := a.URLs.Actor(domain.ActorPerson, "bea")
	if _, err := a.Services.Enrolment.Follow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea enrolled", func() bool { f := following(a, "bea", course); return f != nil && f.State == domain.FollowAccepted })
	for _, h := range []string{"cem", "dan"} {
		if err := b.Services.Accounts.Register(ctx, &domain.Person{Handle: h, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Services.Enrolment.EnrolLocal(ctx, h, DemoCourse, ""); err != nil {
			t.Fatal(err)
		}
	}
	badge := &domain.Badge{Issuer: DemoCourse, Name: "Helpful Peer", Criteria: domain.CriteriaPeer, Votes: 2}
	if err := b.Services.Badges.Add(ctx, DemoOrganiser, badge); err != nil {
		t.Fatal(err)
	}
	badgeIRI := b.URLs.Path("/badges/" + badge.ID)
	dan := b.URLs.Actor(domain.ActorPerson, "dan")
	votes := func(learner string) int {
		n := 0
		b.Store.View(ctx, func(tx domain.Tx) error {
			for _, v := range []string{bea, b.URLs.Actor(domain.ActorPerson, "cem"), dan} {
				if ok, _ := tx.Voted(badge.ID, learner, v); ok {
					n++
				}
			}
			return nil
		})
		return n
	}
	held := func(learner string) *domain.Award {
		var aw *domain.Award
		b.Store.View(ctx, func(tx domain.Tx) error { aw, _ = tx.AwardOf(badge.ID, learner); return nil })
		return aw
	}

	if err := a.Services.Badges.VoteElsewhere(ctx, "bea", course, badgeIRI, bea); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("bea votes for herself: %v", err)
	}
	if err := a.Services.Badges.VoteElsewhere(ctx, "bea", course, badgeIRI, dan); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B counts bea's vote", func() bool { return votes(dan) == 1 })
	if held(dan) != nil {
		t.Fatal("dan awarded after one vote")
	}
	if err := b.Services.Badges.Vote(ctx, "cem", badge.ID, dan); err != nil {
		t.Fatal(err)
	}
	if held(dan) == nil {
		t.Fatal("dan not awarded after two votes")
	}
	// bea, voted for on B, gets the badge on her profile on A.
	for _, h := range []string{"cem", "dan"} {
		if err := b.Services.Badges.Vote(ctx, h, badge.ID, bea); err != nil {
			t.Fatal(err)
		}
	}
	award := held(bea)
	if award == nil {
		t.Fatal("bea not awarded after two votes")
	}
	eventually(t, "A shows bea's badge", func() bool {
		p, err := a.Services.Accounts.Page(ctx, "bea", service.PersonPageQuery{})
		return err == nil && len(p.Received) == 1
	})
	if err := b.Services.Badges.Revoke(ctx, DemoOrganiser, award.ID, "Votes were traded."); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A drops the revoked badge from bea's profile", func() bool {
		p, err := a.Services.Accounts.Page(ctx, "bea", service.PersonPageQuery{})
		return err == nil && len(p.Received) == 0
	})
}
