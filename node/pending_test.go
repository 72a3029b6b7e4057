package node

import (
	"context"
	"net/http"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// pendingSize reads a FEP-4ccd collection as anyone reads it, unsigned:
// an OrderedCollection that shows its size and no members and has no
// pages (asking for one answers 403). It returns totalItems.
func pendingSize(t *testing.T, u string) float64 {
	t.Helper()
	c := getJSON(t, u, asAccept)
	if c["id"] != u || c["type"] != "OrderedCollection" {
		t.Fatalf("%s: %v", u, c)
	}
	if _, ok := c["orderedItems"]; ok {
		t.Fatalf("%s lists its members: %v", u, c)
	}
	if _, ok := c["first"]; ok {
		t.Fatalf("%s has a first page: %v", u, c)
	}
	resp, err := http.Get(u + "?page=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("%s?page=1: %d, want 403 (the size, not the members)", u, resp.StatusCode)
	}
	total, _ := c["totalItems"].(float64)
	return total
}

// TestPendingFollowersOfAModeratedCourse (FEP-4ccd): a moderated course
// names its pendingFollowers; an open one does not. The collection counts
// the requests the organisers have not answered: a Follow from another
// server adds one, approving it moves it to followers, declining it and
// withdrawing it (Undo{Follow}) take it away. Anyone, and a GET signed by
// the requester's own server, sees the size and never who is waiting.
func TestPendingFollowersOfAModeratedCourse(t *testing.T) {
	ctx := context.Background()
	b := startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	if err := b.Services.Courses.Create(ctx, DemoOrganiser, &domain.Course{Handle: "sql-sprint", Title: "SQL sprint", Kind: "Challenge",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, "sql-sprint")
	pending := course + "/pendingFollowers"
	if a := getJSON(t, course, asAccept); a["pendingFollowers"] != pending || a["manuallyApprovesFollowers"] != true {
		t.Fatalf("moderated course's actor: pendingFollowers %v", a["pendingFollowers"])
	}
	open := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	if a := getJSON(t, open, asAccept); a["pendingFollowers"] != nil {
		t.Fatalf("open course names pendingFollowers %v", a["pendingFollowers"])
	}
	// An open course's collection still answers: it never holds a request.
	if n := pendingSize(t, open+"/pendingFollowers"); n != 0 {
		t.Fatalf("open course: %v pending", n)
	}
	if n := pendingSize(t, pending); n != 0 {
		t.Fatalf("before any request: %v pending", n)
	}

	zoe := newFakePeer(t)
	zoe.status.Store(202)
	followers := func() float64 { return getJSON(t, course+"/followers", asAccept)["totalItems"].(float64) }
	// The inbox works from its queue: wait on the store (polling over HTTP
	// would meet the node's rate limit), then read the collection once.
	state := func(what string, want domain.FollowState) {
		t.Helper()
		eventually(t, what, func() bool {
			f := follower(b, "sql-sprint", zoe.zoe())
			return want == "" && f == nil || f != nil && f.State == want
		})
	}
	wantPending := func(what string, want float64) {
		t.Helper()
		if n := pendingSize(t, pending); n != want {
			t.Fatalf("%s: %v pending, want %v", what, n, want)
		}
	}

	// A request arrives; the count is the organisers' queue's.
	if st := zoe.follow(course, b.URLs.SharedInbox(), "1"); st != 202 {
		t.Fatalf("follow: %d", st)
	}
	state("zoe's request is pending", domain.FollowPending)
	wantPending("zoe's request", 1)
	mp, err := b.Services.Courses.Manage(ctx, DemoOrganiser, "sql-sprint", service.ManageQuery{})
	if err != nil || mp.PendingCount != 1 {
		t.Fatalf("organisers' queue: %v, %v", mp, err)
	}
	// zoe's server, signing its GET, is told no more than anyone.
	signed := zoe.signedGet(t, pending)
	if signed["totalItems"] != float64(1) || signed["orderedItems"] != nil || signed["items"] != nil {
		t.Fatalf("signed GET by the requester's server: %v", signed)
	}

	// Approved: out of pendingFollowers, into followers.
	if err := b.Services.Enrolment.Approve(ctx, "sql-sprint", zoe.zoe()); err != nil {
		t.Fatal(err)
	}
	wantPending("approved request", 0)
	if n := followers(); n != 1 {
		t.Fatalf("followers after approval: %v", n)
	}
	zoe.send(b.URLs.SharedInbox(), undoFollow(zoe, course, "1"))
	state("zoe leaves", "")
	if n := followers(); n != 0 {
		t.Fatalf("followers after zoe left: %v", n)
	}

	// Declined: gone, and not a follower.
	zoe.follow(course, b.URLs.SharedInbox(), "2")
	state("second request is pending", domain.FollowPending)
	wantPending("second request", 1)
	if err := b.Services.Enrolment.Decline(ctx, "sql-sprint", zoe.zoe(), ""); err != nil {
		t.Fatal(err)
	}
	wantPending("declined request", 0)
	if n := followers(); n != 0 {
		t.Fatalf("followers after a decline: %v", n)
	}

	// Withdrawn by its sender before anyone answered.
	zoe.follow(course, b.URLs.SharedInbox(), "3")
	state("third request is pending", domain.FollowPending)
	wantPending("third request", 1)
	zoe.send(b.URLs.SharedInbox(), undoFollow(zoe, course, "3"))
	state("the withdrawn request is gone", "")
	wantPending("withdrawn request", 0)
}

// TestPendingFollowingOfAPerson (FEP-4ccd): a person's pendingFollowing
// counts their follows of other servers' actors that are not accepted yet;
// the Accept moves the follow to following.
func TestPendingFollowingOfAPerson(t *testing.T) {
	ctx := context.Background()
	b := startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	person := b.URLs.Actor(domain.ActorPerson, DemoOrganiser)
	pending := person + "/pendingFollowing"
	if a := getJSON(t, person, asAccept); a["pendingFollowing"] != pending {
		t.Fatalf("person's actor: pendingFollowing %v", a["pendingFollowing"])
	}
	followingSize := func() float64 { return getJSON(t, person+"/following", asAccept)["totalItems"].(float64) }
	before := followingSize()

	zoe := newFakePeer(t)
	zoe.status.Store(202)
	if _, err := b.Services.Enrolment.Follow(ctx, DemoOrganiser, zoe.zoe()); err != nil {
		t.Fatal(err)
	}
	if n := pendingSize(t, pending); n != 1 {
		t.Fatalf("after the Follow: %v pending", n)
	}
	eventually(t, "zoe gets the Follow", func() bool { return len(zoe.activities("Follow")) == 1 })
	follow := zoe.activities("Follow")[0]
	zoe.send(b.URLs.SharedInbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": zoe.URL + "/accepts/1", "type": "Accept", "actor": zoe.zoe(), "object": follow})
	eventually(t, "the Accept settles the follow", func() bool {
		f := following(b, DemoOrganiser, zoe.zoe())
		return f != nil && f.State == domain.FollowAccepted
	})
	if n := pendingSize(t, pending); n != 0 {
		t.Fatalf("after the Accept: %v pending", n)
	}
	if n := followingSize(); n != before+1 {
		t.Fatalf("following after the Accept: %v, want %v", n, before+1)
	}
}

// undoFollow is zoe's Undo of her Follow id of target, the Follow embedded
// as Mastodon sends it.
func undoFollow(zoe *fakePeer, target, id string) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": zoe.URL + "/follows/" + id + "/undo",
		"type": "Undo", "actor": zoe.zoe(),
		"object": map[string]any{"id": zoe.URL + "/follows/" + id, "type": "Follow", "actor": zoe.zoe(), "object": target}}
}
