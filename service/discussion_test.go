package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// sentTo is the types of the activities queued for inbox, in no order.
func (u *useCases) sentTo(inbox string) []string {
	u.t.Helper()
	var types []string
	u.view(func(tx domain.Tx) error {
		ds, err := tx.Deliveries()
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Inbox != inbox {
				continue
			}
			a, err := tx.Activity(d.ActivityID)
			if err != nil {
				return err
			}
			var doc struct{ Type string }
			if err := json.Unmarshal(a.JSON, &doc); err != nil {
				return err
			}
			types = append(types, doc.Type)
		}
		return nil
	})
	return types
}

func countOf(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// withLearner registers a local learner enrolled in the course.
func (u *useCases) withLearner(h string) {
	u.t.Helper()
	if err := u.svc.Accounts.Register(context.Background(), &domain.Person{Handle: h, PasswordHash: "x"}); err != nil {
		u.t.Fatal(err)
	}
	u.update(func(tx domain.Tx) error {
		return tx.PutFollower(&domain.Follower{Local: "course", Actor: u.person(h), ActivityID: u.person(h) + "#enrol", State: domain.FollowAccepted})
	})
}

// TestLearnerEditsAndDeletesOnlyOwnPost: a learner changes their own
// post, and the Update and the Delete go to the course's followers; another
// learner can do neither.
func TestLearnerEditsAndDeletesOnlyOwnPost(t *testing.T) {
	u := newUseCases(t)
	u.withLearner("cy")
	ctx := context.Background()
	p, err := u.svc.Posts.Publish(ctx, PostInput{Author: "bob", Course: "course", Text: "First try"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Posts.Edit(ctx, "cy", p.URI, "Not mine"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("another learner edits: %v, want forbidden", err)
	}
	if err := u.svc.Posts.Delete(ctx, "cy", p.URI); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("another learner deletes: %v, want forbidden", err)
	}
	edited, err := u.svc.Posts.Edit(ctx, "bob", p.URI, "Second try")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(edited.Content, "Second try") || edited.Updated.IsZero() {
		t.Fatalf("the edit did not change the post: %+v", edited)
	}
	if got := u.sentTo(raeID + "/inbox"); countOf(got, "Update") != 1 {
		t.Fatalf("sent to a follower of the course: %v, want one Update", got)
	}
	if err := u.svc.Posts.Delete(ctx, "bob", p.URI); err != nil {
		t.Fatal(err)
	}
	if got := u.sentTo(raeID + "/inbox"); countOf(got, "Delete") != 1 {
		t.Fatalf("sent to a follower of the course: %v, want one Delete", got)
	}
	page, err := u.svc.Posts.Page(ctx, "", p.URI, "")
	if err != nil || !page.Deleted {
		t.Fatalf("the deleted post's page: %+v, %v", page, err)
	}
}

// TestOrganiserRemovesTopLevelPosts: an organiser removes a learner's
// top-level post (deleted, and the Delete federates) and a remote one
// (dropped and tombstoned); a learner cannot.
func TestOrganiserRemovesTopLevelPosts(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	p, err := u.svc.Posts.Publish(ctx, PostInput{Author: "bob", Course: "course", Text: "Top"})
	if err != nil {
		t.Fatal(err)
	}
	remote := &domain.Post{ID: "01JRAE", Course: "course", URI: "https://remote.test/notes/top", Author: raeID, Thread: "01JRAE",
		Content: "<p>theirs</p>", Published: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	u.update(func(tx domain.Tx) error { return tx.PutPost(remote) })
	if err := u.svc.Posts.Remove(ctx, "bob", remote.URI); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("a learner removes: %v, want forbidden", err)
	}
	for _, uri := range []string{p.URI, remote.URI} {
		if err := u.svc.Posts.Remove(ctx, "ada", uri); err != nil {
			t.Fatalf("remove %s: %v", uri, err)
		}
		u.view(func(tx domain.Tx) error {
			if _, found, err := domain.Found(tx.Post(uri)); err != nil || found {
				t.Errorf("%s is still kept (%v)", uri, err)
			}
			if _, found, err := domain.Found(tx.Tombstone(uri)); err != nil || !found {
				t.Errorf("%s has no tombstone (%v)", uri, err)
			}
			return nil
		})
	}
	if got := u.sentTo(raeID + "/inbox"); countOf(got, "Delete") != 1 {
		t.Fatalf("sent to a follower of the course: %v, want one Delete", got)
	}
}

// TestReports: anyone here reports a post of the course but their own;
// twice is one report; the course's organisers and the operator see it;
// an organiser's report of a remote post is flagged to its server too.
func TestReports(t *testing.T) {
	u := newUseCases(t)
	u.discussionWithReply() // bob's top-level post q, rae's reply r
	ctx := context.Background()
	const q, r = "https://node.test/posts/q", "https://remote.test/notes/r"
	if err := u.svc.Moderation.Report(ctx, "bob", q, "mine"); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("reporting one's own post: %v, want invalid", err)
	}
	for _, comment := range []string{"spam", "spam, really"} {
		if err := u.svc.Moderation.Report(ctx, "bob", r, comment); err != nil {
			t.Fatal(err)
		}
	}
	if got := u.sentTo(raeID + "/inbox"); countOf(got, "Flag") != 0 {
		t.Fatalf("a learner's report went to the author's server: %v", got)
	}
	if err := u.svc.Moderation.Report(ctx, "ada", q, "top-level"); err != nil {
		t.Fatalf("an organiser reports a top-level post of this node: %v", err)
	}
	if err := u.svc.Moderation.Report(ctx, "ada", r, "forwarded"); err != nil {
		t.Fatal(err)
	}
	if got := u.sentTo(raeID + "/inbox"); countOf(got, "Flag") != 1 {
		t.Fatalf("an organiser's report of a remote post: %v, want one Flag to its server", got)
	}
	all, err := u.svc.Moderation.Reports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rep := range all {
		got = append(got, fmt.Sprintf("%s %s %q %s", strings.TrimPrefix(rep.Reporter, "https://node.test/people/"), rep.Objects[0], rep.Content, rep.Course))
	}
	want := []string{
		`ada https://remote.test/notes/r "forwarded" course`,
		`ada https://node.test/posts/q "top-level" course`,
		`bob https://remote.test/notes/r "spam, really" course`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the operator's reports:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	m, err := u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: TabDiscussion})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Reports) != 3 || m.Reports[2].Reporter != "@bob" || m.Reports[2].Post == nil || m.Reports[2].Post.URI != r {
		t.Fatalf("the manage page's reports: %+v", m.Reports)
	}
}

// TestDiscussionNestsWholeThreads: a thread shows four levels of replies
// nested, deeper ones at the fourth level saying whom they answer; pinned
// posts come first; a remote author is named by display name and handle,
// an unfetched one by host and path.
func TestDiscussionNestsWholeThreads(t *testing.T) {
	u := newUseCases(t)
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	authors := []string{u.person("bob"), raeID, "https://far.test/users/zed"}
	u.update(func(tx domain.Tx) error {
		if err := tx.PutRemoteActor(&domain.RemoteActor{ID: raeID, Type: "Person", Name: "Rae R", Username: "rae", Host: "remote.test", Inbox: raeID + "/inbox"}); err != nil {
			return err
		}
		// A chain of seven: the root and six replies, each to the one before.
		parent := ""
		for i := range 7 {
			id := fmt.Sprintf("01JCHAIN%02d", i)
			uri := "https://node.test/posts/" + id
			p := &domain.Post{ID: id, Course: "course", URI: uri, Author: authors[i%3], Local: i%3 == 0, Thread: "01JCHAIN00",
				InReplyTo: parent, Content: fmt.Sprintf("<p>level %d</p>", i), Published: start.Add(time.Duration(i) * time.Minute)}
			if err := tx.PutPost(p); err != nil {
				return err
			}
			parent = uri
		}
		// An older pinned post: first all the same.
		return tx.PutPost(&domain.Post{ID: "01JOLDPIN", Course: "course", URI: "https://node.test/posts/01JOLDPIN", Author: u.person("ada"),
			Local: true, Thread: "01JOLDPIN", Pinned: true, Content: "<p>pinned</p>", Published: start.Add(-time.Hour)})
	})
	page, err := u.svc.Courses.Page(context.Background(), "bob", "course", CoursePageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Threads) != 2 || page.Threads[0].Post.ID != "01JOLDPIN" {
		t.Fatalf("threads: %+v, want the pinned post first", page.Threads)
	}
	var levels []string
	var walk func(v PostView)
	walk = func(v PostView) {
		levels = append(levels, fmt.Sprintf("%d %s %q %q mine=%v", v.Depth, strings.TrimSuffix(strings.TrimPrefix(v.Post.Content, "<p>"), "</p>"), v.Author, v.ReplyTo, v.Mine))
		for _, r := range v.Replies {
			walk(r)
		}
	}
	walk(page.Threads[1])
	want := []string{
		`0 level 0 "@bob" "" mine=true`,
		`1 level 1 "Rae R (@rae@remote.test)" "" mine=false`,
		`2 level 2 "far.test/users/zed" "" mine=false`,
		`3 level 3 "@bob" "" mine=true`,
		`4 level 4 "Rae R (@rae@remote.test)" "" mine=false`,
		`4 level 5 "far.test/users/zed" "Rae R (@rae@remote.test)" mine=false`,
		`4 level 6 "@bob" "far.test/users/zed" mine=true`,
	}
	if strings.Join(levels, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the thread:\n%s\nwant\n%s", strings.Join(levels, "\n"), strings.Join(want, "\n"))
	}
	if page.Threads[1].More {
		t.Error("a thread shown whole links to more")
	}
}
