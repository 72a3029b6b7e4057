package service

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// TestOneAdmissionForEveryLearner: a moderated course holds a Follow from
// Mastodon (Receive, as the inbox calls it), a Join from another Lernejo
// node and a local person's enrolment (EnrolLocal) alike: pending, nothing
// answered yet. An organiser's approval (Approve) enrols each of them, and
// only the remote learners' servers are sent an Accept, of the request
// they sent: a local person has no server to tell.
func TestOneAdmissionForEveryLearner(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	const (
		zoeID = "https://mastodon.test/users/zoe"
		kimID = "https://lernejo.test/people/kim"
	)
	courseID := u.urls.Actor(domain.ActorCourse, "course")
	if err := u.svc.Accounts.Register(ctx, &domain.Person{Handle: "cem", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u.update(func(tx domain.Tx) error {
		c, err := tx.Course("course")
		if err != nil {
			return err
		}
		c.SignUp = domain.SignUpModerated
		if err := tx.PutCourse(c); err != nil {
			return err
		}
		for _, a := range []*domain.RemoteActor{
			{ID: zoeID, Type: "Person", Username: "zoe", Host: "mastodon.test", Inbox: zoeID + "/inbox"},
			{ID: kimID, Type: "Person", Username: "kim", Host: "lernejo.test", Inbox: kimID + "/inbox", Lernejo: true},
		} {
			if err := tx.PutRemoteActor(a); err != nil {
				return err
			}
		}
		return nil
	})
	follow := federation.FollowRef{ID: zoeID + "/follows/1", Actor: zoeID, Object: courseID}
	join := federation.FollowRef{Type: "Join", ID: kimID + "/joins/1", Actor: kimID, Object: courseID}
	u.update(func(tx domain.Tx) error { return u.svc.Enrolment.Receive(tx, follow, "") })
	u.update(func(tx domain.Tx) error { return u.svc.Enrolment.Receive(tx, join, "<p>I know some Go.</p>") })
	local, err := u.svc.Enrolment.EnrolLocal(ctx, "cem", "course", "To learn Go.")
	if err != nil {
		t.Fatal(err)
	}
	learners := []string{zoeID, kimID, local.Actor}
	state := func(actor string) domain.FollowState {
		var f *domain.Follower
		u.view(func(tx domain.Tx) (err error) { f, err = tx.Follower("course", actor); return err })
		return f.State
	}
	for _, l := range learners {
		if s := state(l); s != domain.FollowPending {
			t.Errorf("%s's request is %q, want pending", l, s)
		}
	}
	var answers string
	u.view(func(tx domain.Tx) error {
		f, err := tx.Follower("course", kimID)
		answers = f.Answers
		return err
	})
	if answers != "I know some Go." {
		t.Errorf("the Join's answers kept as %q", answers)
	}
	if n := u.deliveries(); n != 0 {
		t.Fatalf("%d deliveries before an organiser answered", n)
	}

	for _, l := range learners {
		if err := u.svc.Enrolment.Approve(ctx, "course", l); err != nil {
			t.Fatalf("approve %s: %v", l, err)
		}
		if s := state(l); s != domain.FollowAccepted {
			t.Errorf("%s after approval: %q, want accepted", l, s)
		}
	}
	accepted := map[string]string{} // inbox → id of the request the Accept answers
	u.view(func(tx domain.Tx) error {
		ds, err := tx.Deliveries()
		if err != nil {
			return err
		}
		for _, d := range ds {
			a, err := tx.Activity(d.ActivityID)
			if err != nil {
				return err
			}
			var doc struct {
				Type   string
				Object struct{ ID string }
			}
			if err := json.Unmarshal(a.JSON, &doc); err != nil {
				return err
			}
			if doc.Type != "Accept" {
				t.Errorf("%s was sent a %s", d.Inbox, doc.Type)
			}
			accepted[d.Inbox] = doc.Object.ID
		}
		return nil
	})
	want := map[string]string{zoeID + "/inbox": follow.ID, kimID + "/inbox": join.ID}
	if len(accepted) != len(want) || accepted[zoeID+"/inbox"] != follow.ID || accepted[kimID+"/inbox"] != join.ID {
		t.Errorf("Accepts sent %v, want %v", accepted, want)
	}
}
