package node

import (
	"context"
	"fmt"
	"strings"
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
	if err := a.Services.Accounts.Register(context.Background(), &domain.Person{Handle: "bea", DisplayName: "Bea", PasswordHash: "x"}); err != nil {
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

	f, err := a.Services.Enrolment.Follow(ctx, "bea", "@gentle-python@"+b.URLs.Host())
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

	if err := a.Services.Enrolment.Unfollow(ctx, "bea", course); err != nil {
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
	if err := b.Services.Courses.Create(ctx, DemoOrganiser, &domain.Course{Handle: "sql-sprint", Title: "SQL sprint", Kind: "Challenge",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Questions: []string{"What do you want to build?"},
		Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, "sql-sprint")
	bea := a.URLs.Actor(domain.ActorPerson, "bea")
	if err := a.Services.Accounts.Register(ctx, &domain.Person{Handle: "cem", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	cem := a.URLs.Actor(domain.ActorPerson, "cem")

	for _, who := range []string{"bea", "cem"} {
		if _, err := a.Services.Enrolment.Enrol(ctx, who, course, "I want to build a shop for my "+who+" bakery."); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "B holds both requests pending", func() bool {
		x, y := follower(b, "sql-sprint", bea), follower(b, "sql-sprint", cem)
		return x != nil && y != nil && x.State == domain.FollowPending && y.State == domain.FollowPending
	})
	// A Lernejo course is joined with Join, which carries the answers.
	if f := follower(b, "sql-sprint", bea); !f.Lernejo || f.Answers != "I want to build a shop for my bea bakery." {
		t.Fatalf("B's record of bea's request: %+v", f)
	}
	// Nothing was answered yet: A still waits.
	time.Sleep(200 * time.Millisecond)
	if f := following(a, "bea", course); f == nil || f.State != domain.FollowPending {
		t.Fatalf("A's follow before approval: %+v", f)
	}

	if err := b.Services.Enrolment.Approve(ctx, "sql-sprint", bea); err != nil {
		t.Fatal(err)
	}
	if err := b.Services.Enrolment.Decline(ctx, "sql-sprint", cem, ""); err != nil {
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
	if err := b.Services.Enrolment.Approve(ctx, "sql-sprint", bea); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("approving twice: %v", err)
	}
}

// TestFollowUnknownHandle gives a clear error and stores nothing.
func TestFollowUnknownHandle(t *testing.T) {
	a, b := twoNodes(t)
	_, err := a.Services.Enrolment.Follow(context.Background(), "bea", "@nobody@"+b.URLs.Host())
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

// TestModeratedSignUpFromMastodon: a Mastodon user cannot send answers with
// a Follow, so the course asks its questions in a direct note (Mention-tagged
// and addressed, so Mastodon notifies); the reply becomes the answers; a
// decline with a reason sends the reason in a direct note, then Reject.
func TestModeratedSignUpFromMastodon(t *testing.T) {
	ctx := context.Background()
	b := startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	if err := b.Services.Courses.Create(ctx, DemoOrganiser, &domain.Course{Handle: "sql-sprint", Title: "SQL sprint", Kind: "Challenge",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Questions: []string{"What do you want to build?", "How much time do you have?"},
		Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, "sql-sprint")
	zoe := newFakePeer(t)
	zoe.status.Store(202)
	if st := zoe.follow(course, b.URLs.SharedInbox(), "1"); st != 202 {
		t.Fatalf("follow: %d", st)
	}
	eventually(t, "zoe gets the questions", func() bool { return len(zoe.activities("Create")) == 1 })
	dm := zoe.activities("Create")[0]["object"].(map[string]any)
	to := dm["to"].([]any)
	if len(to) != 1 || to[0] != zoe.zoe() || len(dm["cc"].([]any)) != 0 {
		t.Fatalf("questions not addressed to zoe alone: to %v cc %v", dm["to"], dm["cc"])
	}
	tags := dm["tag"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["type"] != "Mention" || tags[0].(map[string]any)["href"] != zoe.zoe() {
		t.Fatalf("questions lack the Mention of zoe: %v", tags)
	}
	if !strings.Contains(dm["content"].(string), "How much time do you have?") {
		t.Fatalf("content %q", dm["content"])
	}
	// The direct note is for zoe's server only: an unsigned fetch gets 404,
	// a fetch signed by zoe's key gets the note.
	if resp, _ := get(t, dm["id"].(string), asAccept); resp.StatusCode != 404 {
		t.Fatalf("unsigned fetch of a direct note: %d", resp.StatusCode)
	}
	if doc := zoe.signedGet(t, dm["id"].(string)); doc["id"] != dm["id"] {
		t.Fatalf("zoe's signed fetch of the note: %v", doc)
	}
	zoe.send(b.URLs.SharedInbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": zoe.URL + "/notes/answer/activity", "type": "Create", "actor": zoe.zoe(),
		"to": []string{course}, "cc": []string{},
		"object": map[string]any{"id": zoe.URL + "/notes/answer", "type": "Note", "attributedTo": zoe.zoe(),
			"inReplyTo": dm["id"], "content": "<p>A recipe database. About two hours a week.</p>", "to": []string{course}}})
	eventually(t, "B keeps zoe's answers", func() bool {
		f := follower(b, "sql-sprint", zoe.zoe())
		return f != nil && f.Answers == "A recipe database. About two hours a week." && f.State == domain.FollowPending
	})
	if err := b.Services.Enrolment.Decline(ctx, "sql-sprint", zoe.zoe(), "This sprint is full; try the next one in May."); err != nil {
		t.Fatal(err)
	}
	eventually(t, "zoe gets the reason and the Reject", func() bool {
		return len(zoe.activities("Create")) == 2 && len(zoe.activities("Reject")) == 1
	})
	if !strings.Contains(zoe.activities("Create")[1]["object"].(map[string]any)["content"].(string), "next one in May") {
		t.Fatal("the reason is not in the note")
	}
	if follower(b, "sql-sprint", zoe.zoe()) != nil {
		t.Fatal("declined follower kept")
	}
}

// TestLocalEnrolment: local people enrol in local courses by sign-up mode.
func TestLocalEnrolment(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	f, err := n.Services.Enrolment.EnrolLocal(ctx, "bea", DemoCourse, "")
	if err != nil || f.State != domain.FollowAccepted {
		t.Fatalf("open course: %+v %v", f, err)
	}
	if fc := getJSON(t, n.URLs.Actor(domain.ActorCourse, DemoCourse)+"/followers", asAccept); fc["totalItems"] != float64(1) {
		t.Fatalf("followers: %v", fc)
	}
	if err := n.Services.Enrolment.LeaveLocal(ctx, "bea", DemoCourse); err != nil {
		t.Fatal(err)
	}
	if follower(n, DemoCourse, n.URLs.Actor(domain.ActorPerson, "bea")) != nil {
		t.Fatal("still enrolled after leaving")
	}
	n.Store.Update(ctx, func(tx domain.Tx) error {
		c, _ := tx.Course(DemoCourse)
		c.SignUp = domain.SignUpModerated
		return tx.PutCourse(c)
	})
	f, err = n.Services.Enrolment.EnrolLocal(ctx, "bea", DemoCourse, "To learn Python for my job.")
	if err != nil || f.State != domain.FollowPending || f.Answers != "To learn Python for my job." {
		t.Fatalf("moderated: %+v %v", f, err)
	}
	if err := n.Services.Enrolment.Approve(ctx, DemoCourse, f.Actor); err != nil {
		t.Fatal(err)
	}
	if g := follower(n, DemoCourse, f.Actor); g == nil || g.State != domain.FollowAccepted {
		t.Fatalf("after approval: %+v", g)
	}
	n.Store.Update(ctx, func(tx domain.Tx) error {
		c, _ := tx.Course(DemoCourse)
		c.SignUp = domain.SignUpClosed
		return tx.PutCourse(c)
	})
	n.Services.Accounts.Register(ctx, &domain.Person{Handle: "cem", PasswordHash: "x"})
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "cem", DemoCourse, ""); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("closed course: %v", err)
	}
}

// TestSchoolAnnouncesNewCourses: a school's followers hear of a course of
// the school when it opens; the course's followers get Update{Group} when
// it changes; a draft cannot be reopened as a draft, and only organisers edit.
func TestSchoolAnnouncesNewCourses(t *testing.T) {
	ctx := context.Background()
	b := startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	zoe := newFakePeer(t)
	zoe.status.Store(202)
	zoe.follow(b.URLs.Actor(domain.ActorSchool, DemoSchool), b.URLs.SharedInbox(), "s")
	zoe.follow(b.URLs.Actor(domain.ActorCourse, DemoCourse), b.URLs.SharedInbox(), "c")
	eventually(t, "zoe follows school and course", func() bool { return zoe.received("Accept") == 2 })

	c := &domain.Course{Handle: "html-basics", Title: "HTML basics", Kind: "Course", School: DemoSchool, Organisers: []string{DemoOrganiser}}
	if err := b.Services.Courses.Create(ctx, DemoOrganiser, c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(zoe.activities("Create")); n != 0 {
		t.Fatalf("a draft was announced (%d notes)", n)
	}
	c.Status = domain.StatusOpen
	if err := b.Services.Courses.Update(ctx, "mallory", c); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("edit by a non-organiser: %v", err)
	}
	if err := b.Services.Courses.Update(ctx, DemoOrganiser, c); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the school announces the course", func() bool { return len(zoe.activities("Create")) == 1 })
	create := zoe.activities("Create")[0]
	note := create["object"].(map[string]any)
	courseID := b.URLs.Actor(domain.ActorCourse, "html-basics")
	if create["actor"] != b.URLs.Actor(domain.ActorSchool, DemoSchool) || !strings.Contains(note["content"].(string), "HTML basics") {
		t.Fatalf("announcement: %v", create)
	}
	if tags := note["tag"].([]any); len(tags) != 1 || tags[0].(map[string]any)["href"] != courseID {
		t.Fatalf("announcement does not mention the course: %v", note["tag"])
	}
	c.Status = domain.StatusDraft
	if err := b.Services.Courses.Update(ctx, DemoOrganiser, c); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("open → draft: %v", err)
	}

	demo := &domain.Course{}
	b.Store.View(ctx, func(tx domain.Tx) error { demo, _ = tx.Course(DemoCourse); return nil })
	demo.Title = "A Gentle Introduction to Python, spring edition"
	if err := b.Services.Courses.Update(ctx, DemoOrganiser, demo); err != nil {
		t.Fatal(err)
	}
	eventually(t, "followers get Update{Group}", func() bool { return len(zoe.activities("Update")) == 1 })
	upd := zoe.activities("Update")[0]["object"].(map[string]any)
	if upd["type"] != "Group" || upd["name"] != demo.Title {
		t.Fatalf("update: %v", upd)
	}
}

// TestClosedAndFullCoursesAcrossNodes: a course with closed sign-up, and a
// full one, answer with Reject; the person on A ends up not enrolled.
func TestClosedAndFullCoursesAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	for _, c := range []*domain.Course{
		{Handle: "closed-one", Title: "Closed", Status: domain.StatusOpen, SignUp: domain.SignUpClosed, Organisers: []string{DemoOrganiser}},
		{Handle: "full-one", Title: "Full", Status: domain.StatusOpen, Capacity: 1, Organisers: []string{DemoOrganiser}},
	} {
		if err := b.Services.Courses.Create(ctx, DemoOrganiser, c); err != nil {
			t.Fatal(err)
		}
	}
	b.Services.Accounts.Register(ctx, &domain.Person{Handle: "dan", PasswordHash: "x"})
	if _, err := b.Services.Enrolment.EnrolLocal(ctx, "dan", "full-one", ""); err != nil {
		t.Fatal(err)
	}
	for _, handle := range []string{"closed-one", "full-one"} {
		course := b.URLs.Actor(domain.ActorCourse, handle)
		if _, err := a.Services.Enrolment.Follow(ctx, "bea", course); err != nil {
			t.Fatal(err)
		}
		eventually(t, handle+" rejects bea", func() bool { return following(a, "bea", course) == nil })
		if follower(b, handle, a.URLs.Actor(domain.ActorPerson, "bea")) != nil {
			t.Fatalf("%s kept bea", handle)
		}
	}
}

// TestOrganisersBlockAndReport: an organiser blocks a remote learner from a
// course (their server gets a Reject; their next note is refused) and
// reports one of their posts (their server gets a Flag from the node).
func TestOrganisersBlockAndReport(t *testing.T) {
	ctx := context.Background()
	b := startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	zoe := newFakePeer(t)
	zoe.status.Store(202)
	zoe.follow(course, b.URLs.SharedInbox(), "b1")
	eventually(t, "zoe enrolled", func() bool { return zoe.received("Accept") == 1 })
	say := func(n int) string {
		id := fmt.Sprintf("%s/notes/%d", zoe.URL, n)
		zoe.send(b.URLs.SharedInbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity",
			"type": "Create", "actor": zoe.zoe(), "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": zoe.zoe(), "content": "<p>buy cheap pills</p>",
				"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{course},
				"tag": []any{map[string]string{"type": "Mention", "href": course, "name": "@gentle-python"}}}})
		return id
	}
	first := say(1)
	eventually(t, "the post is in the discussion", func() bool { return post(b, first) != nil })
	if err := b.Services.Moderation.Report(ctx, DemoOrganiser, first, "spam"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "zoe's server gets a Flag", func() bool { return len(zoe.activities("Flag")) == 1 })
	flag := zoe.activities("Flag")[0]
	if flag["actor"] != b.URLs.Actor(domain.ActorApplication, domain.InstanceActorName) || flag["content"] != "spam" {
		t.Fatalf("flag: %v", flag)
	}
	if err := b.Services.Moderation.BlockFromCourse(ctx, DemoOrganiser, DemoCourse, zoe.zoe()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "zoe's server gets a Reject", func() bool { return zoe.received("Reject") == 1 })
	if follower(b, DemoCourse, zoe.zoe()) != nil {
		t.Fatal("blocked learner still enrolled")
	}
	second := say(2)
	zoe.follow(course, b.URLs.SharedInbox(), "b2")
	eventually(t, "zoe's new follow is rejected", func() bool { return zoe.received("Reject") == 2 })
	if post(b, second) != nil || follower(b, DemoCourse, zoe.zoe()) != nil {
		t.Fatal("a blocked learner's note or follow got in")
	}
}
