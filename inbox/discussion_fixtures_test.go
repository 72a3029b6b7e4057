package inbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
)

// TestCapturedDiscussionEndsUpInTheCourse replays what GoToSocial and snac
// sent when alice enrolled, replied, mentioned the course, liked, boosted,
// edited and deleted, and checks it ends where a learner would look: in the
// course's discussion, threaded under the course post, with counts.
func TestCapturedDiscussionEndsUpInTheCourse(t *testing.T) {
	for _, peer := range []struct {
		dir, alice, coursePost string
		replyID, mentionID     string
	}{
		{"gotosocial", "https://gts.test/users/alice", "https://node.test/users/course/notes/1795879208626709845",
			"https://gts.test/users/alice/statuses/01M8HBW79TKAVHJ2RK7S2RHFDK", "https://gts.test/users/alice/statuses/01M8HBW7NKZCASPTYQWKGYBEMP"},
		{"snac", "https://snac.test/alice", "https://node.test/users/course/notes/1795879421695293177",
			"https://snac.test/alice/p/1795879428.772696", ""},
	} {
		t.Run(peer.dir, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t, fetch.Config{})
			r.remember(peerActors...)
			// The course post alice answered, liked and boosted.
			if err := r.store.Update(ctx, func(tx domain.Tx) error {
				return tx.PutPost(&domain.Post{ID: "01JCOURSEPOST0000000000000", Course: "course", URI: peer.coursePost, Local: true,
					Author: "https://node.test/courses/course", Thread: "01JCOURSEPOST0000000000000", Content: "<p>Lesson 1</p>"})
			}); err != nil {
				t.Fatal(err)
			}
			deliver := func(name string) {
				t.Helper()
				f := loadFixture(t, peer.dir+"/"+name)
				r.now = f.date(t)
				if err := r.inbox.Receive(ctx, f.request(f.body(t))); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				r.inbox.ProcessPending(ctx)
			}
			reply := func() *domain.Post {
				var p *domain.Post
				r.view(func(tx domain.Tx) { p, _ = tx.Post(peer.replyID) })
				return p
			}
			counts := func() (likes, boosts int) {
				r.view(func(tx domain.Tx) {
					p, err := tx.Post(peer.coursePost)
					if err != nil {
						t.Fatal(err)
					}
					likes, boosts = p.Likes, p.Boosts
				})
				return
			}

			deliver("inbound-follow.json")
			deliver("inbound-create-reply.json")
			p := reply()
			if p == nil || p.Course != "course" || p.InReplyTo != peer.coursePost || p.Thread != "01JCOURSEPOST0000000000000" || p.Author != peer.alice {
				t.Fatalf("reply: %+v", p)
			}
			if strings.Contains(p.Content, "<script") || !strings.Contains(p.Content, "answer") {
				t.Errorf("reply content %q", p.Content)
			}
			r.view(func(tx domain.Tx) {
				rs, _ := tx.Replies(peer.coursePost)
				if len(rs) != 1 {
					t.Errorf("%d replies under the course post", len(rs))
				}
			})
			if peer.mentionID != "" {
				deliver("inbound-create-mention.json")
				var m *domain.Post
				r.view(func(tx domain.Tx) { m, _ = tx.Post(peer.mentionID) })
				if m == nil || m.Course != "course" || m.IsReply() || m.Activity == "" {
					t.Fatalf("top-level post mentioning the course: %+v", m)
				}
				if ds := r.deliveries(); !strings.Contains(strings.Join(ds, "\n"), `"type":"Announce"`) {
					t.Errorf("the course did not announce alice's post: %v", ds)
				}
			}
			deliver("inbound-like.json")
			if peer.dir == "gotosocial" {
				deliver("inbound-announce.json")
			}
			likes, boosts := counts()
			if likes != 1 || (peer.dir == "gotosocial" && boosts != 1) {
				t.Fatalf("likes %d boosts %d", likes, boosts)
			}
			deliver("inbound-undo-like.json")
			if peer.dir == "gotosocial" {
				deliver("inbound-undo-announce.json")
			}
			if likes, boosts := counts(); likes != 0 || boosts != 0 {
				t.Fatalf("after undo: likes %d boosts %d", likes, boosts)
			}
			deliver("inbound-update-note.json")
			if p := reply(); p == nil || !strings.Contains(p.Content, "edited") {
				t.Fatalf("edited reply: %+v", p)
			}
			if peer.dir == "gotosocial" {
				deliver("inbound-delete-note.json")
				if p := reply(); p != nil {
					t.Fatal("deleted reply still in the discussion")
				}
				deliver("inbound-create-direct.json")
				var n int
				r.view(func(tx domain.Tx) { n, _ = tx.CountCoursePosts("course") })
				if n != 2 { // the course post and the mention; the direct message stays private
					t.Fatalf("%d posts in the discussion", n)
				}
			}
		})
	}
}

// TestCapturedDoneReplyCompletesTheTask: GoToSocial's real "#done" reply
// (with an evidence link) to a task's post completes the task for alice.
func TestCapturedDoneReplyCompletesTheTask(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	r.remember(peerActors...)
	f := loadFixture(t, "gotosocial/inbound-create-reply-done-hashtag-link.json")
	taskPost := f.BodyJSON["object"].(map[string]any)["inReplyTo"].(string)
	task := &domain.Task{Course: "course", Title: "Lesson 1"}
	if err := r.svc.Tasks.Add(ctx, "ada", task); err != nil {
		t.Fatal(err)
	}
	if err := r.store.Update(ctx, func(tx domain.Tx) error {
		return tx.PutPost(&domain.Post{ID: "01JTASKPOST000000000000000", Course: "course", URI: taskPost, Local: true,
			Author: "https://node.test/courses/course", Thread: "01JTASKPOST000000000000000", Task: task.ID})
	}); err != nil {
		t.Fatal(err)
	}
	follow := loadFixture(t, "gotosocial/inbound-follow.json")
	for _, fx := range []*fixture{follow, f} {
		r.now = fx.date(t)
		if err := r.inbox.Receive(ctx, fx.request(fx.body(t))); err != nil {
			t.Fatal(err)
		}
		r.inbox.ProcessPending(ctx)
	}
	r.view(func(tx domain.Tx) {
		c, err := tx.Completion("course", task.ID, "https://gts.test/users/alice")
		if err != nil {
			t.Fatalf("no completion: %v", err)
		}
		if c.Evidence != "https://example.org/my-work" {
			t.Errorf("evidence %q", c.Evidence)
		}
	})
}
