package service

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// told lists person's notifications, newest first, as "kind by subject
// url" lines, after checking the unread count they had; listing them marks
// them read.
func (u *useCases) told(person string, unread int) []string {
	u.t.Helper()
	ctx := context.Background()
	if n, err := u.svc.Notifications.Unread(ctx, person); err != nil || n != unread {
		u.t.Errorf("%s has %d unread notifications (%v), want %d", person, n, err, unread)
	}
	p, err := u.svc.Notifications.List(ctx, person, "")
	if err != nil {
		u.t.Fatal(err)
	}
	var out []string
	for i, n := range p.Items {
		if n.Unread != (i < unread) {
			u.t.Errorf("%s's notification %d (%s) shown unread: %v", person, i, n.Kind, n.Unread)
		}
		out = append(out, fmt.Sprintf("%s %s %q %s", n.Kind, n.ActorName, n.Subject, n.URL))
	}
	if n, err := u.svc.Notifications.Unread(ctx, person); err != nil || n != 0 {
		u.t.Errorf("%s has %d unread notifications after the list (%v)", person, n, err)
	}
	return out
}

func wantTold(t *testing.T, who string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s was told:\n%s\nwant:\n%s", who, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNotifyRepliesAndMentions: the author of a post is told of a reply to
// it (from this node, or from another server through Receive), a person of
// this node of a mention; someone replied to and mentioned is told once,
// and nobody is told of their own post.
func TestNotifyRepliesAndMentions(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	q, err := u.svc.Posts.Publish(ctx, PostInput{Author: "bob", Course: "course", Text: "How do I start?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Posts.Publish(ctx, PostInput{Author: "bob", Course: "course", Text: "Me again.", InReplyTo: q.URI}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Posts.Publish(ctx, PostInput{Author: "ada", Course: "course", Text: "Read the first task.",
		InReplyTo: q.URI, Mentions: []federation.Mention{{ID: u.person("bob"), Name: "@bob@node.test"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Posts.Publish(ctx, PostInput{Author: "ada", Course: "course", Text: "Welcome!",
		Mentions: []federation.Mention{{ID: u.person("bob"), Name: "@bob@node.test"}}}); err != nil {
		t.Fatal(err)
	}
	reply := &domain.Post{URI: "https://remote.test/notes/r", Author: raeID, InReplyTo: q.URI, Content: "<p>Start with the <b>first</b> task.</p>"}
	u.update(func(tx domain.Tx) error { return u.svc.Posts.Receive(tx, reply, nil) })
	// The same note delivered again tells nobody twice.
	again := *reply
	u.update(func(tx domain.Tx) error { return u.svc.Posts.Receive(tx, &again, nil) })
	thread := "/threads/" + q.Thread
	wantTold(t, "bob", u.told("bob", 3),
		`reply @rae@remote.test "Start with the first task." `+thread,
		`mention @ada "@bob Welcome!" /threads/`+postThread(u, "Welcome"),
		`reply @ada "@bob Read the first task." `+thread)
	wantTold(t, "ada", u.told("ada", 0))
}

// postThread is the thread of the post whose text holds text.
func postThread(u *useCases, text string) string {
	u.t.Helper()
	var id string
	u.view(func(tx domain.Tx) error {
		ps, err := tx.CoursePosts("course", 0, 100)
		for _, p := range ps {
			if strings.Contains(u.svc.Posts.Docs.Sanitizer.PlainText(p.Content), text) {
				id = p.Thread
			}
		}
		return err
	})
	return id
}

// TestNotifySignUps: the organisers of a moderated course are told of each
// new sign-up waiting for them (a local person's, a Join from another
// node), and a local learner of the answer, approved or declined.
func TestNotifySignUps(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	const kimID = "https://lernejo.test/people/kim"
	for _, h := range []string{"cem", "dan"} {
		if err := u.svc.Accounts.Register(ctx, &domain.Person{Handle: h, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
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
		return tx.PutRemoteActor(&domain.RemoteActor{ID: kimID, Type: "Person", Username: "kim", Host: "lernejo.test", Inbox: kimID + "/inbox", Lernejo: true})
	})
	for _, h := range []string{"cem", "dan"} {
		if _, err := u.svc.Enrolment.EnrolLocal(ctx, h, "course", "Please"); err != nil {
			t.Fatal(err)
		}
	}
	// Asking again while waiting is no news.
	if _, err := u.svc.Enrolment.EnrolLocal(ctx, "cem", "course", ""); err != nil {
		t.Fatal(err)
	}
	join := federation.FollowRef{Type: "Join", ID: kimID + "/joins/1", Actor: kimID, Object: u.urls.Actor(domain.ActorCourse, "course")}
	u.update(func(tx domain.Tx) error { return u.svc.Enrolment.Receive(tx, join, "<p>Hi</p>") })
	wantTold(t, "ada", u.told("ada", 3),
		`pending @kim@lernejo.test "Course" /courses/course/manage`,
		`pending @dan "Course" /courses/course/manage`,
		`pending @cem "Course" /courses/course/manage`)
	if err := u.svc.Enrolment.Approve(ctx, "course", u.person("cem")); err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Enrolment.Decline(ctx, "course", u.person("dan"), ""); err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Enrolment.Approve(ctx, "course", kimID); err != nil {
		t.Fatal(err)
	}
	wantTold(t, "cem", u.told("cem", 1), `approved Course "Course" /courses/course`)
	wantTold(t, "dan", u.told("dan", 1), `declined Course "Course" /courses/course`)
	wantTold(t, "ada", u.told("ada", 0),
		`pending @kim@lernejo.test "Course" /courses/course/manage`,
		`pending @dan "Course" /courses/course/manage`,
		`pending @cem "Course" /courses/course/manage`)
}

// TestNotifyRemoteAnswers: a local person whose sign-up to a course on
// another server waited is told when that server accepts it (when the
// course approves its learners: an open course's Accept is no news) or
// rejects it.
func TestNotifyRemoteAnswers(t *testing.T) {
	u := newUseCases(t)
	const hID = "https://remote.test/courses/h"
	u.update(func(tx domain.Tx) error {
		for _, a := range []*domain.RemoteActor{
			{ID: gID, Type: "Group", Name: "Gardening", Username: "g", Host: "remote.test", Inbox: gID + "/inbox", Lernejo: true, ManuallyApprovesFollowers: true},
			{ID: hID, Type: "Group", Name: "Open house", Username: "h", Host: "remote.test", Inbox: hID + "/inbox", Lernejo: true},
		} {
			if err := tx.PutRemoteActor(a); err != nil {
				return err
			}
		}
		for _, f := range []*domain.Following{
			{Local: "bob", Target: gID, ActivityID: "https://node.test/activities/join-g", State: domain.FollowPending},
			{Local: "bob", Target: hID, ActivityID: "https://node.test/activities/join-h", State: domain.FollowPending},
			{Local: "ada", Target: hID, ActivityID: "https://node.test/activities/join-h2", State: domain.FollowPending},
		} {
			if err := tx.PutFollowing(f); err != nil {
				return err
			}
		}
		return nil
	})
	u.update(func(tx domain.Tx) error {
		return u.svc.Enrolment.Accepted(tx, "https://node.test/activities/join-g", "", gID)
	})
	// A second Accept confirms what bob knows.
	u.update(func(tx domain.Tx) error {
		return u.svc.Enrolment.Accepted(tx, "https://node.test/activities/join-g", "", gID)
	})
	u.update(func(tx domain.Tx) error {
		return u.svc.Enrolment.Accepted(tx, "https://node.test/activities/join-h", "", hID)
	})
	u.update(func(tx domain.Tx) error {
		return u.svc.Enrolment.Rejected(tx, "https://node.test/activities/join-h2", "", hID)
	})
	wantTold(t, "bob", u.told("bob", 1), `approved Gardening "Gardening" /remote?id=https%3A%2F%2Fremote.test%2Fcourses%2Fg`)
	wantTold(t, "ada", u.told("ada", 1), `declined Open house "Open house" /remote?id=https%3A%2F%2Fremote.test%2Fcourses%2Fh`)
}

// TestNotifyTasksBadgesReports: the learners of this node are told of a
// new task in their course, a learner of a badge awarded to them (here, or
// by another server), and the organisers of a report on their course.
func TestNotifyTasksBadgesReports(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	u.withLearner("cem")
	if err := u.svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "course", Title: "Install Go"}); err != nil {
		t.Fatal(err)
	}
	task := u.task()
	b := u.badge(&domain.Badge{Name: "Gopher", Description: "Wrote Go."}, u.person("bob"))
	var award string
	u.view(func(tx domain.Tx) error {
		a, err := tx.AwardOf(b, u.person("bob"))
		if err == nil {
			award = a.ID
		}
		return err
	})
	u.update(func(tx domain.Tx) error {
		_, err := u.svc.Badges.ReceiveAward(tx, &domain.ReceivedBadge{Assertion: "https://remote.test/awards/1", NoteURI: "https://remote.test/notes/a1",
			Name: "Gardener", Issuer: gID}, []string{u.person("bob"), raeID})
		return err
	})
	q, err := u.svc.Posts.Publish(ctx, PostInput{Author: "cem", Course: "course", Text: "Buy my stuff"})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Moderation.Report(ctx, "bob", q.URI, "spam"); err != nil {
		t.Fatal(err)
	}
	wantTold(t, "bob", u.told("bob", 3),
		`badge @g@remote.test "Gardener" https://remote.test/awards/1`,
		`badge @course "Gopher" /awards/`+award,
		`task Course "Install Go" /courses/course/tasks/`+task)
	wantTold(t, "cem", u.told("cem", 1), `task Course "Install Go" /courses/course/tasks/`+task)
	wantTold(t, "ada", u.told("ada", 1), `report @bob "Course" /courses/course/manage/discussion#reports`)
}

// TestNotificationsGoWithTheAccount: deleting an account deletes what its
// person was told.
func TestNotificationsGoWithTheAccount(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	u.withAccount() // cy, enrolled in the course
	if err := u.svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "course", Title: "Install Go"}); err != nil {
		t.Fatal(err)
	}
	if n, err := u.svc.Notifications.Unread(ctx, "cy"); err != nil || n != 1 {
		t.Fatalf("cy's unread count: %d, %v", n, err)
	}
	if err := u.svc.Accounts.DeleteAccount(ctx, "cy", "correct horse"); err != nil {
		t.Fatal(err)
	}
	u.view(func(tx domain.Tx) error {
		page, err := tx.NotificationsPage("cy", "", 10)
		if n, _ := tx.CountUnread("cy"); err != nil || len(page.Items) != 0 || n != 0 {
			t.Errorf("after the deletion cy has %d notifications, %d unread (%v)", len(page.Items), n, err)
		}
		return nil
	})
}

// TestBackfillTellsNobody: the earlier discussion of a remote course, read
// when a person here joins it, is kept without telling anyone of the
// mentions and replies in it; the same note redistributed live does tell.
func TestBackfillTellsNobody(t *testing.T) {
	u := newUseCases(t)
	course := "https://remote.test/courses/garden"
	old := &domain.Post{URI: "https://remote.test/notes/old", Author: raeID, Content: "<p>@bob welcome</p>", Mentions: []string{u.person("bob")}}
	u.update(func(tx domain.Tx) error { return u.svc.Posts.Backfill(tx, course, old) })
	wantTold(t, "bob", u.told("bob", 0))
	live := &domain.Post{URI: "https://remote.test/notes/live", Author: raeID, Content: "<p>@bob see you</p>", Mentions: []string{u.person("bob")}}
	u.update(func(tx domain.Tx) error { return u.svc.Posts.Mirror(tx, course, live) })
	wantTold(t, "bob", u.told("bob", 1), `mention @rae@remote.test "@bob see you" /threads/`+live.Thread)
	var kept int
	u.view(func(tx domain.Tx) error {
		for _, uri := range []string{old.URI, live.URI} {
			if p, err := tx.Post(uri); err == nil && p.Course == course {
				kept++
			}
		}
		return nil
	})
	if kept != 2 {
		t.Errorf("%d of the two notes kept in the course's discussion", kept)
	}
}
