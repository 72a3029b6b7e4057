package node

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// TestRemoteVotePicker: bea on A takes part in B's course; A reads the
// course's badges collection and offers its peer-voted badge (not the
// demo's badge for every task), with its number of votes, and the fellow
// learners A knows: cem, who takes part from A too, and dan, whose post in
// the course reached A. bea votes for dan picking both from the offer, and
// B counts the vote.
func TestRemoteVotePicker(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	if err := a.Services.Accounts.Register(ctx, &domain.Person{Handle: "cem", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"bea", "cem"} {
		if _, err := a.Services.Enrolment.Follow(ctx, h, course); err != nil {
			t.Fatal(err)
		}
		eventually(t, h+" enrolled", func() bool { f := following(a, h, course); return f != nil && f.State == domain.FollowAccepted })
	}
	if err := b.Services.Accounts.Register(ctx, &domain.Person{Handle: "dan", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Services.Enrolment.EnrolLocal(ctx, "dan", DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	badge := &domain.Badge{Issuer: DemoCourse, Name: "Helpful Peer", Criteria: domain.CriteriaPeer, Votes: 2}
	if err := b.Services.Badges.Add(ctx, DemoOrganiser, badge); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Services.Posts.Publish(ctx, service.PostInput{Author: "dan", Course: DemoCourse, Text: "Hello from dan."}); err != nil {
		t.Fatal(err)
	}
	dan, cem := b.URLs.Actor(domain.ActorPerson, "dan"), a.URLs.Actor(domain.ActorPerson, "cem")

	var v *service.RemoteVoting
	eventually(t, "A knows dan from his post", func() bool {
		var err error
		v, err = a.Services.Badges.RemoteVoting(ctx, "bea", course)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range v.Participants {
			if p.ID == dan {
				return true
			}
		}
		return false
	})
	if len(v.Badges) != 1 || v.Badges[0].ID != b.URLs.Path("/badges/"+badge.ID) || v.Badges[0].Name != "Helpful Peer" || v.Badges[0].VotesNeeded != 2 {
		t.Fatalf("A offers the badges %+v", v.Badges)
	}
	known := map[string]bool{}
	for _, p := range v.Participants {
		known[p.ID] = true
	}
	if !known[cem] || known[a.URLs.Actor(domain.ActorPerson, "bea")] || known[course] {
		t.Errorf("A offers the participants %+v", v.Participants)
	}
	if none, err := a.Services.Badges.RemoteVoting(ctx, "cem", b.URLs.Actor(domain.ActorCourse, "careful-go")); err != nil || len(none.Badges) != 0 {
		t.Errorf("a course cem does not take part in offers %+v (%v)", none, err)
	}

	if err := a.Services.Badges.VoteElsewhere(ctx, "bea", course, v.Badges[0].ID, dan); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B counts bea's vote", func() bool {
		ok := false
		b.Store.View(ctx, func(tx domain.Tx) error {
			ok, _ = tx.Voted(badge.ID, dan, a.URLs.Actor(domain.ActorPerson, "bea"))
			return nil
		})
		return ok
	})
}
