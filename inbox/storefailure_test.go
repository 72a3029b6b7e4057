package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/faultstore"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/integrity"
)

// storeFailureCase is one activity that reaches a store lookup, and the
// lookup made to fail.
type storeFailureCase struct {
	name  string
	fetch fetch.Config
	// prepare sets the scene and returns the activity and its sender.
	prepare func(r *rig) (*remoteActor, []byte)
	fail    []string // a faultstore.Store.Fail method and its leading arguments
	// outcome says what is wrong with the store once the activity is
	// applied as it should be; "" when nothing is.
	outcome func(r *rig) string
}

// TestStoreFailureIsRetriedNotDropped: for every activity type the inbox
// handles, a store lookup of its handler fails with an I/O error (not a
// domain error). The activity was acknowledged, so it must stay journalled
// to be tried again, and once the store works again it is applied as if
// nothing had happened. A handler that takes the failure for "not found"
// drops the activity instead, or applies it wrongly.
func TestStoreFailureIsRetriedNotDropped(t *testing.T) {
	const (
		aliceID = "https://good.test/users/alice"
		kimID   = "https://other.test/people/kim"
		adaID   = "https://node.test/people/ada"
	)
	origin := replyOrigin(t)
	for _, tc := range []storeFailureCase{
		{
			name: "Follow: is the target a local actor",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				return alice, followBody(aliceID+"/follows/1", aliceID)
			},
			fail:    []string{"HandleType", "course"},
			outcome: followerState(aliceID, domain.FollowAccepted),
		},
		{
			name: "Follow: was it undone before it arrived",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.tombstone(aliceID + "/follows/1")
				return alice, followBody(aliceID+"/follows/1", aliceID)
			},
			fail:    []string{"Tombstone", aliceID + "/follows/1"},
			outcome: followerState(aliceID, ""),
		},
		{
			name: "Follow: again, of a moderated course, by an enrolled learner",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.enrol(alice)
				r.update(func(tx domain.Tx) error {
					c, err := tx.Course("course")
					if err != nil {
						return err
					}
					c.SignUp = domain.SignUpModerated
					return tx.PutCourse(c)
				})
				return alice, followBody(aliceID+"/follows/again", aliceID)
			},
			fail:    []string{"Follower", "course", aliceID},
			outcome: followerState(aliceID, domain.FollowAccepted),
		},
		{
			name: "Join: was it undone before it arrived",
			prepare: func(r *rig) (*remoteActor, []byte) {
				kim := r.newRemote(kimID)
				r.tombstone(kimID + "/joins/1")
				return kim, federation.Join(kimID+"/joins/1", kimID, courseID, "I know some Go")
			},
			fail:    []string{"Tombstone", kimID + "/joins/1"},
			outcome: followerState(kimID, ""),
		},
		{
			name: "Leave: is the course local",
			prepare: func(r *rig) (*remoteActor, []byte) {
				kim := r.newRemote(kimID)
				r.enrol(kim)
				return kim, federation.Leave(kimID+"/leaves/1", kimID, courseID)
			},
			fail:    []string{"HandleType", "course"},
			outcome: followerState(kimID, ""),
		},
		{
			name: "Undo: of a Follow whose id we do not hold",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.enrol(alice)
				return alice, federation.UndoFollow(aliceID+"/undos/1", aliceID,
					federation.FollowRef{ID: aliceID + "/follows/other", Actor: aliceID, Object: courseID})
			},
			fail:    []string{"HandleType", "course"},
			outcome: followerState(aliceID, ""),
		},
		{
			name: "Accept: of our Follow under an id the peer rewrote",
			prepare: func(r *rig) (*remoteActor, []byte) {
				return r.followedBy(), federation.AcceptFollow("https://good.test/accepts/1", "https://good.test/groups/g",
					federation.FollowRef{ID: "https://node.test/activities/rewritten", Actor: adaID, Object: "https://good.test/groups/g"})
			},
			fail:    []string{"HandleType", "ada"},
			outcome: followingState("https://good.test/groups/g", domain.FollowAccepted),
		},
		{
			name: "Reject: of our Follow under an id the peer rewrote",
			prepare: func(r *rig) (*remoteActor, []byte) {
				return r.followedBy(), federation.RejectFollow("https://good.test/rejects/1", "https://good.test/groups/g",
					federation.FollowRef{ID: "https://node.test/activities/rewritten", Actor: adaID, Object: "https://good.test/groups/g"})
			},
			fail:    []string{"HandleType", "ada"},
			outcome: followingState("https://good.test/groups/g", ""),
		},
		{
			name: "Update: of a note in the discussion",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.enrol(alice)
				id := "https://good.test/notes/1"
				r.deliver(alice, wrap("Create", id+"/activity", alice, note(alice, id, "<p>first</p>")))
				return alice, mustJSON(wrap("Update", id+"/edit", alice, note(alice, id, "<p>edited</p>")))
			},
			fail: []string{"Post", "https://good.test/notes/1"},
			outcome: func(r *rig) string {
				if p := r.post("https://good.test/notes/1"); p == nil || !strings.Contains(p.Content, "edited") {
					return "note not edited: " + brief(p)
				}
				return ""
			},
		},
		{
			name: "Delete: of the note that awarded a badge",
			prepare: func(r *rig) (*remoteActor, []byte) {
				issuer := r.newRemote("https://other.test/courses/py")
				r.update(func(tx domain.Tx) error {
					return tx.PutReceivedBadge(&domain.ReceivedBadge{Learner: "ada", NoteURI: "https://other.test/notes/award",
						Assertion: "https://other.test/awards/1", Issuer: issuer.id, Name: "Py"})
				})
				return issuer, federation.DeleteNote("https://other.test/deletes/1", issuer.id, "https://other.test/notes/award",
					federation.NoteAddress{To: []string{federation.Public}})
			},
			fail: []string{"ReceivedBadgeByNote", "https://other.test/notes/award"},
			outcome: func(r *rig) string {
				var rb *domain.ReceivedBadge
				r.view(func(tx domain.Tx) { rb, _ = tx.ReceivedBadgeByNote("https://other.test/notes/award") })
				if rb == nil || !rb.Revoked {
					return fmt.Sprintf("badge not revoked: %+v", rb)
				}
				return ""
			},
		},
		{
			name: "Create: by an enrolled learner",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.enrol(alice)
				id := "https://good.test/notes/1"
				return alice, mustJSON(wrap("Create", id+"/activity", alice, note(alice, id, "<p>hello</p>")))
			},
			fail:    []string{"Follower", "course", aliceID},
			outcome: postInThread("https://good.test/notes/1", ""),
		},
		{
			name: "Create: a reply to a course post",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.enrol(alice)
				r.coursePost()
				id := "https://good.test/notes/reply"
				return alice, mustJSON(wrap("Create", id+"/activity", alice,
					note(alice, id, "<p>an answer</p>", "inReplyTo", "https://node.test/posts/lesson")))
			},
			fail:    []string{"Post", "https://node.test/posts/lesson"},
			outcome: postInThread("https://good.test/notes/reply", "01JLESSON00000000000000000"),
		},
		{
			name: "Create: after its Delete",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.enrol(alice)
				id := "https://good.test/notes/deleted"
				r.tombstone(id)
				return alice, mustJSON(wrap("Create", id+"/activity", alice, note(alice, id, "<p>zombie</p>")))
			},
			fail: []string{"Tombstone", "https://good.test/notes/deleted"},
			outcome: func(r *rig) string {
				if p := r.post("https://good.test/notes/deleted"); p != nil {
					return "a deleted note was stored: " + brief(p)
				}
				return ""
			},
		},
		{
			name: "Like: of a course post",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.coursePost()
				return alice, mustJSON(map[string]any{"@context": federation.NSActivityStreams, "id": aliceID + "/likes/1",
					"type": "Like", "actor": aliceID, "object": "https://node.test/posts/lesson"})
			},
			fail: []string{"Post", "https://node.test/posts/lesson"},
			outcome: func(r *rig) string {
				if p := r.post("https://node.test/posts/lesson"); p == nil || p.Likes != 1 {
					return "like not counted: " + fmt.Sprint(p)
				}
				return ""
			},
		},
		{
			name:  "Announce: a followed course redistributes a reply",
			fetch: fetch.Config{AllowPrivate: true},
			prepare: func(r *rig) (*remoteActor, []byte) {
				group := r.newRemote("https://good.test/groups/course")
				r.follows(group.id)
				r.update(func(tx domain.Tx) error {
					return tx.PutPost(&domain.Post{ID: "01JROOT0000000000000000000", Course: group.id, URI: origin.URL + "/notes/root",
						Author: origin.URL + "/users/alice", Thread: "01JROOT0000000000000000000"})
				})
				return group, mustJSON(wrap("Announce", "https://good.test/announces/1", group, origin.URL+"/notes/reply"))
			},
			fail: []string{"Post", origin.URL + "/notes/root"},
			outcome: func(r *rig) string {
				var posts []*domain.Post
				r.view(func(tx domain.Tx) { posts, _ = tx.Thread("01JROOT0000000000000000000") })
				if len(posts) != 2 {
					return fmt.Sprintf("%d posts in the root's thread, want the root and the reply", len(posts))
				}
				return ""
			},
		},
		{
			name: "Add: a completion by an enrolled learner",
			prepare: func(r *rig) (*remoteActor, []byte) {
				kim := r.newRemote(kimID)
				r.enrol(kim)
				task := r.task()
				record, err := integrity.SignRecord(federation.CompletionObject(&domain.Completion{ID: kimID + "/completions/1",
					Learner: kimID, Task: courseID + "/tasks/" + task, At: r.now}), kimID, kim.edSeed, r.now)
				if err != nil {
					r.t.Fatal(err)
				}
				return kim, federation.AddCompletion(kimID+"/adds/1", kimID, record, courseID+"/tasks/"+task+"/completions", courseID)
			},
			fail:    []string{"Follower", "course", kimID},
			outcome: completion(kimID, true),
		},
		{
			name: "Remove: of a learner's completion",
			prepare: func(r *rig) (*remoteActor, []byte) {
				kim := r.newRemote(kimID)
				r.enrol(kim)
				task := r.task()
				r.update(func(tx domain.Tx) error {
					return tx.PutCompletion(&domain.Completion{ID: kimID + "/completions/1", Course: "course", Task: task, Learner: kimID, At: r.now})
				})
				return kim, federation.RemoveCompletion(kimID+"/removes/1", kimID, kimID+"/completions/1",
					courseID+"/tasks/"+task+"/completions", courseID)
			},
			fail:    []string{"Completion", "course"},
			outcome: completion(kimID, false),
		},
		{
			name: "Block: of the course by a learner",
			prepare: func(r *rig) (*remoteActor, []byte) {
				alice := r.newRemote(aliceID)
				r.enrol(alice)
				return alice, mustJSON(map[string]any{"@context": federation.NSActivityStreams, "id": aliceID + "/blocks/1",
					"type": "Block", "actor": aliceID, "object": courseID})
			},
			fail:    []string{"HandleType", "course"},
			outcome: followerState(aliceID, ""),
		},
		{
			name: "Flag: a report (its handler looks nothing up; writing it fails)",
			prepare: func(r *rig) (*remoteActor, []byte) {
				mod := r.newRemote("https://good.test/actor")
				return mod, federation.Flag("https://good.test/flags/1", mod.id, []string{"https://good.test/users/spammer"}, "spam")
			},
			fail: []string{"PutReport"},
			outcome: func(r *rig) string {
				if n := len(r.reports()); n != 1 {
					return fmt.Sprintf("%d reports, want 1", n)
				}
				return ""
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var fs *faultstore.Store
			r := newRigOver(t, tc.fetch, func(s domain.Store) domain.Store { fs = faultstore.New(s); return fs })
			from, body := tc.prepare(r)
			if err := r.inbox.Receive(ctx, r.signed(from, body)); err != nil {
				t.Fatalf("Receive: %v", err)
			}
			fail := tc.fail
			fs.Fail(fail[0], fail[1:]...)
			r.inbox.ProcessPending(ctx)
			if fs.Hits() == 0 {
				t.Fatalf("the handler never called %v: the row tests nothing", fail)
			}
			if n := r.journalLen(); n != 1 {
				t.Fatalf("after an I/O failure in %v the journal holds %d activities, want 1: "+
					"the acknowledged activity was dropped as if the record were not there", fail, n)
			}
			fs.Heal()
			r.inbox.ProcessPending(ctx)
			if n := r.journalLen(); n != 0 {
				t.Fatalf("the journal holds %d activities once the store works again, want 0", n)
			}
			if why := tc.outcome(r); why != "" {
				t.Fatalf("once the store works again: %s", why)
			}
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (r *rig) update(fn func(tx domain.Tx) error) {
	r.t.Helper()
	if err := r.store.Update(context.Background(), fn); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) tombstone(id string) {
	r.t.Helper()
	r.update(func(tx domain.Tx) error { return tx.PutTombstone(&domain.Tombstone{ID: id, Deleted: r.now}) })
}

// coursePost is the course's own post https://node.test/posts/lesson.
func (r *rig) coursePost() {
	r.t.Helper()
	r.update(func(tx domain.Tx) error {
		return tx.PutPost(&domain.Post{ID: "01JLESSON00000000000000000", Course: "course", URI: "https://node.test/posts/lesson",
			Local: true, Author: courseID, Thread: "01JLESSON00000000000000000", Content: "<p>Lesson 1</p>"})
	})
}

// task adds a task to the course and returns its id.
func (r *rig) task() string {
	r.t.Helper()
	task := &domain.Task{Course: "course", Title: "Task one"}
	if err := r.svc.Tasks.Add(context.Background(), "ada", task); err != nil {
		r.t.Fatal(err)
	}
	return task.ID
}

// followedBy makes ada's pending Follow of the remote group
// https://good.test/groups/g, and returns the group.
func (r *rig) followedBy() *remoteActor {
	r.t.Helper()
	g := r.newRemote("https://good.test/groups/g")
	r.update(func(tx domain.Tx) error {
		return tx.PutFollowing(&domain.Following{Local: "ada", Target: g.id, ActivityID: "https://node.test/activities/follow-g",
			State: domain.FollowPending, Created: r.now})
	})
	return g
}

func followerState(actor string, want domain.FollowState) func(r *rig) string {
	return func(r *rig) string {
		var f *domain.Follower
		var err error
		r.view(func(tx domain.Tx) { f, err = tx.Follower("course", actor) })
		switch {
		case want == "" && !domain.IsNotFound(err):
			return fmt.Sprintf("%s follows the course (%+v, %v), want no follow", actor, f, err)
		case want != "" && (err != nil || f.State != want):
			return fmt.Sprintf("%s's follow of the course: %+v %v, want %s", actor, f, err, want)
		}
		return ""
	}
}

func followingState(target string, want domain.FollowState) func(r *rig) string {
	return func(r *rig) string {
		var f *domain.Following
		var err error
		r.view(func(tx domain.Tx) { f, err = tx.Following("ada", target) })
		switch {
		case want == "" && !domain.IsNotFound(err):
			return fmt.Sprintf("ada follows %s (%+v, %v), want no follow", target, f, err)
		case want != "" && (err != nil || f.State != want):
			return fmt.Sprintf("ada's follow of %s: %+v %v, want %s", target, f, err, want)
		}
		return ""
	}
}

// postInThread wants the note stored in the course's discussion, in the
// given thread ("" for a thread of its own).
func postInThread(uri, thread string) func(r *rig) string {
	return func(r *rig) string {
		p := r.post(uri)
		switch {
		case p == nil || p.Course != "course":
			return "note not in the discussion: " + brief(p)
		case thread == "" && p.Thread != p.ID, thread != "" && p.Thread != thread:
			return fmt.Sprintf("note in thread %s, want %q", p.Thread, thread)
		}
		return ""
	}
}

func completion(learner string, want bool) func(r *rig) string {
	return func(r *rig) string {
		var cs []*domain.Completion
		r.view(func(tx domain.Tx) { cs, _ = tx.CompletionsOf("course", learner) })
		if (len(cs) == 1) != want || len(cs) > 1 {
			return fmt.Sprintf("%d completions by %s, want recorded=%v", len(cs), learner, want)
		}
		return ""
	}
}

// replyOrigin serves a public reply to /notes/root at /notes/reply, as its
// author's server would.
func replyOrigin(t *testing.T) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/notes/reply" {
			t.Errorf("unexpected fetch of %s", req.URL)
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{"@context": federation.NSActivityStreams,
			"id": srv.URL + "/notes/reply", "type": "Note", "attributedTo": srv.URL + "/users/alice",
			"inReplyTo": srv.URL + "/notes/root", "content": "<p>a reply</p>",
			"to": []string{federation.Public}, "published": "2026-11-28T15:00:00Z"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRefusalsLeaveTheJournalAtOnce: the other side of the same line. An
// activity its handler refuses (a forged award note, an Accept of our
// Follow by someone it was not sent to) changes nothing and leaves the
// journal at once: it is not a store failure, to be tried four more times.
func TestRefusalsLeaveTheJournalAtOnce(t *testing.T) {
	ctx := context.Background()
	t.Run("award note whose proof does not verify", func(t *testing.T) {
		r := newRig(t, fetch.Config{})
		issuer := r.newRemote("https://other.test/courses/py")
		mallory := r.newRemote("https://evil.test/users/mallory")
		obj := map[string]any{"id": "https://other.test/notes/1", "type": "Note", "attributedTo": issuer.id,
			"content": "<p>ada earned a badge</p>", "to": []string{federation.Public},
			"tag":       []any{map[string]string{"type": "Mention", "href": "https://node.test/people/ada"}},
			"openBadge": "https://other.test/awards/1", "published": r.now.Format(time.RFC3339)}
		signed, err := integrity.SignRecord(obj, issuer.id, mallory.edSeed, r.now) // not the issuer's key
		if err != nil {
			t.Fatal(err)
		}
		body := mustJSON(map[string]any{"id": "https://other.test/notes/1/activity", "type": "Create", "actor": issuer.id,
			"object": json.RawMessage(signed), "to": []string{federation.Public}})
		if err := r.inbox.Receive(ctx, r.signed(issuer, body)); err != nil {
			t.Fatal(err)
		}
		r.inbox.ProcessPending(ctx)
		if n := r.journalLen(); n != 0 {
			t.Fatalf("a forged award note is still journalled (%d) after one pass: it was taken for a store failure", n)
		}
		var got []*domain.ReceivedBadge
		r.view(func(tx domain.Tx) { got, _ = tx.ReceivedBadges("ada") })
		if len(got) != 0 {
			t.Fatalf("forged badge kept: %+v", got)
		}
	})
	t.Run("Accept of our Follow by another actor", func(t *testing.T) {
		r := newRig(t, fetch.Config{})
		r.followedBy() // ada's pending Follow of https://good.test/groups/g
		mallory := r.newRemote("https://good.test/users/mallory")
		body := federation.AcceptFollow("https://good.test/accepts/m", mallory.id, federation.FollowRef{
			ID: "https://node.test/activities/follow-g", Actor: "https://node.test/people/ada", Object: "https://good.test/groups/g"})
		if err := r.inbox.Receive(ctx, r.signed(mallory, body)); err != nil {
			t.Fatal(err)
		}
		r.inbox.ProcessPending(ctx)
		if n := r.journalLen(); n != 0 {
			t.Fatalf("an Accept by the wrong actor is still journalled (%d) after one pass", n)
		}
		if why := followingState("https://good.test/groups/g", domain.FollowPending)(r); why != "" {
			t.Fatal(why)
		}
	})
}
