package node

import (
	"context"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// eventually polls cond until it holds or a generous bound passes; it waits
// for deliveries between nodes, it does not measure speed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never happened: %s", what)
}

// twoNodes starts node A with the person bea and node B with the demo
// content, both with private networks allowed (they talk over loopback).
func twoNodes(t *testing.T) (a, b *Node) {
	t.Helper()
	a = startNode(t, Config{AllowPrivateNetworks: true})
	b = startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	if err := a.Service.RegisterPerson(context.Background(), &domain.Person{Handle: "bea", DisplayName: "Bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func following(n *Node, person, target string) *domain.Following {
	var f *domain.Following
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		f, _ = tx.Following(person, target)
		return nil
	})
	return f
}

func follower(n *Node, local, actor string) *domain.Follower {
	var f *domain.Follower
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		f, _ = tx.Follower(local, actor)
		return nil
	})
	return f
}

// TestFollowAcrossNodes: a person on A follows gentle-python on B by
// handle. B verifies A's signature, records the follower and delivers a
// signed Accept; A shows the follow accepted. Undo removes it on both sides.
func TestFollowAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	bea := a.URLs.Actor(domain.ActorPerson, "bea")

	f, err := a.Follows.Follow(ctx, "bea", "@gentle-python@"+b.URLs.Host())
	if err != nil {
		t.Fatal(err)
	}
	if f.Target != course || f.State != domain.FollowPending {
		t.Fatalf("follow %+v", f)
	}
	eventually(t, "B records bea as an accepted follower", func() bool {
		fl := follower(b, DemoCourse, bea)
		return fl != nil && fl.State == domain.FollowAccepted
	})
	eventually(t, "A sees the follow accepted", func() bool {
		f := following(a, "bea", course)
		return f != nil && f.State == domain.FollowAccepted
	})
	// The course's followers collection counts bea.
	fc := getJSON(t, course+"/followers", asAccept)
	if fc["totalItems"] != float64(1) {
		t.Fatalf("followers collection: %v", fc)
	}

	if err := a.Follows.Unfollow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	if following(a, "bea", course) != nil {
		t.Fatal("A still follows after Unfollow")
	}
	eventually(t, "B drops the follower after Undo", func() bool { return follower(b, DemoCourse, bea) == nil })
}

// TestModeratedCourseAcrossNodes: with moderated sign-up the follow stays
// pending on both sides until an organiser approves; a declined request
// ends on both sides.
func TestModeratedCourseAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	if err := b.Service.CreateCourse(ctx, &domain.Course{Handle: "sql-sprint", Title: "SQL sprint", Kind: "Challenge",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Questions: []string{"What do you want to build?"},
		Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, "sql-sprint")
	bea := a.URLs.Actor(domain.ActorPerson, "bea")
	if err := a.Service.RegisterPerson(ctx, &domain.Person{Handle: "cem", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	cem := a.URLs.Actor(domain.ActorPerson, "cem")

	for _, who := range []string{"bea", "cem"} {
		if _, err := a.Follows.Follow(ctx, who, course); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "B holds both requests pending", func() bool {
		x, y := follower(b, "sql-sprint", bea), follower(b, "sql-sprint", cem)
		return x != nil && y != nil && x.State == domain.FollowPending && y.State == domain.FollowPending
	})
	// Nothing was answered yet: A still waits.
	time.Sleep(200 * time.Millisecond)
	if f := following(a, "bea", course); f == nil || f.State != domain.FollowPending {
		t.Fatalf("A's follow before approval: %+v", f)
	}

	if err := b.Follows.Approve(ctx, "sql-sprint", bea); err != nil {
		t.Fatal(err)
	}
	if err := b.Follows.Decline(ctx, "sql-sprint", cem); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A sees bea accepted", func() bool {
		f := following(a, "bea", course)
		return f != nil && f.State == domain.FollowAccepted
	})
	eventually(t, "A sees cem declined", func() bool { return following(a, "cem", course) == nil })
	if f := follower(b, "sql-sprint", cem); f != nil {
		t.Fatalf("declined follower still on B: %+v", f)
	}
	if err := b.Follows.Approve(ctx, "sql-sprint", bea); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("approving twice: %v", err)
	}
}

// TestFollowUnknownHandle gives a clear error and stores nothing.
func TestFollowUnknownHandle(t *testing.T) {
	a, b := twoNodes(t)
	_, err := a.Follows.Follow(context.Background(), "bea", "@nobody@"+b.URLs.Host())
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("got %v", err)
	}
	var n int
	a.Store.View(context.Background(), func(tx domain.Tx) error {
		fs, _ := tx.Followings("bea")
		n = len(fs)
		return nil
	})
	if n != 0 {
		t.Fatalf("%d follows stored", n)
	}
}
