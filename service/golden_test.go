package service

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/docs/golden"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// TestSentDocumentsMatchGolden: what the use cases send and serve, as JSON
// values, is what they sent and served when the federation builders built
// maps (testdata/golden, recorded then). The key pair is made afresh for
// each run, so its PEM, its multibase and the proof values they sign are
// masked; everything else (ids, times, addressing, "to": [] and "cc": [],
// the keys that are absent) must match.
func TestSentDocumentsMatchGolden(t *testing.T) {
	ctx := context.Background()
	u := newUseCases(t)
	got := map[string][]byte{}
	seen := map[string]bool{}
	// sent records the activities queued since the last call, under
	// step_1, step_2… in the order of their ids.
	sent := func(step string, also ...string) {
		t.Helper()
		ids := append([]string{}, also...)
		u.view(func(tx domain.Tx) error {
			ds, err := tx.Deliveries()
			for _, d := range ds {
				ids = append(ids, d.ActivityID)
			}
			return err
		})
		sort.Strings(ids)
		n := 0
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			sent, err := u.svc.Documents.Activity(ctx, id)
			if err != nil {
				t.Fatalf("%s: activity %s: %v", step, id, err)
			}
			n++
			got[step+"_"+string(rune('0'+n))] = sent.JSON
		}
		if n == 0 {
			t.Fatalf("%s sent nothing", step)
		}
	}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Posts: the course's own, a learner's (created and announced), an edit.
	rae := []federation.Mention{{ID: raeID, Name: "@rae@remote.test"}}
	own, err := u.svc.Posts.Publish(ctx, PostInput{Author: "course", Course: "course", Text: "Welcome #go @rae@remote.test!\n\nSee https://go.dev.", Mentions: rae})
	check(err)
	sent("course_post", own.URI+"/activity")
	bobs, err := u.svc.Posts.Publish(ctx, PostInput{Author: "bob", Course: "course", Text: "Hello all"})
	check(err)
	sent("person_post", bobs.URI+"/activity")
	_, err = u.svc.Posts.Edit(ctx, "ada", own.URI, "Welcome again #go @rae@remote.test")
	check(err)
	sent("edit_post")
	doc, err := u.svc.Documents.Post(ctx, own.URI)
	check(err)
	got["post_document"] = doc.JSON

	// Tasks: the post announcing one, the Update{Page} of an edit.
	task := &domain.Task{Course: "course", Title: "Write a loop", Body: "<p>Any loop.</p>", Due: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC)}
	check(u.svc.Tasks.Add(ctx, "ada", task))
	sent("task_add")
	edited := *task
	edited.Body, edited.Source = "", "Any loop, in **Go**: see https://go.dev/tour/flowcontrol/1." // written in Markdown
	check(u.svc.Tasks.Edit(ctx, "ada", &edited))
	sent("task_edit")
	undated := &domain.Task{Course: "course", Title: "Read", Body: "<p>A book.</p>"}
	check(u.svc.Tasks.Add(ctx, "ada", undated))
	sent("task_add_undated")
	check(u.svc.Tasks.Reorder(ctx, "ada", "course", []string{undated.ID, task.ID}))
	sent("task_reorder")

	// The course's Update{Group}.
	var course *domain.Course
	u.view(func(tx domain.Tx) error { var err error; course, err = tx.Course("course"); return err })
	course.Summary = "A course about loops."
	check(u.svc.Courses.Update(ctx, "ada", course))
	sent("course_update")

	// A badge award's note, as sent and as served, then its revocation.
	badgeID := u.badge(&domain.Badge{Name: "Looper", Description: "Wrote loops.", Criteria: domain.CriteriaOrganiser}, "")
	award, err := u.svc.Badges.Award(ctx, "ada", badgeID, raeID)
	check(err)
	sent("award")
	note, err := u.svc.Documents.Note(ctx, award.NoteURI)
	check(err)
	got["award_note_document"] = note.JSON
	check(u.svc.Badges.Revoke(ctx, "ada", award.ID, "By mistake."))
	sent("revoke")

	// A completion of a task of the remote course, and taking it back.
	_, err = u.svc.Tasks.Complete(ctx, "ada", gID, gID+"/tasks/t1", "https://code.test/ada/loop", "Done.")
	check(err)
	sent("complete")
	check(u.svc.Tasks.Redo(ctx, "ada", gID, gID+"/tasks/t1"))
	sent("uncomplete")

	// Enrolment in a remote course, following a person, and leaving.
	_, err = u.svc.Enrolment.Enrol(ctx, "bob", gID, "I like loops.")
	check(err)
	sent("enrol")
	check(u.svc.Enrolment.Unfollow(ctx, "bob", gID))
	sent("leave")
	_, err = u.svc.Enrolment.Follow(ctx, "bob", raeID)
	check(err)
	sent("follow")
	check(u.svc.Enrolment.Unfollow(ctx, "bob", raeID))
	sent("unfollow")

	// Deleting a post, and the tombstone its id serves.
	check(u.svc.Posts.Delete(ctx, "ada", bobs.URI))
	sent("delete_post")
	doc, err = u.svc.Documents.Post(ctx, bobs.URI)
	check(err)
	got["tombstone_document"] = doc.JSON

	// Actor documents.
	for _, a := range []struct {
		name   string
		typ    domain.ActorType
		handle string
	}{{"actor_person", domain.ActorPerson, "ada"}, {"actor_course", domain.ActorCourse, "course"}, {"actor_school", domain.ActorSchool, "school"}} {
		b, err := u.svc.Documents.Actor(ctx, a.typ, a.handle)
		check(err)
		got[a.name] = b
	}

	// Answers to remote sign-ups, as the inbox calls for them: a Follow of
	// the open course by a Mastodon learner and a Join by a learner of
	// another Lernejo node (Accept each), and a Follow of a moderated
	// course with questions (the direct note that asks them). They come
	// last so that the ids above stay as recorded.
	const miaID, beaID = "https://remote.test/users/mia", "https://remote.test/people/bea"
	u.update(func(tx domain.Tx) error {
		for _, a := range []*domain.RemoteActor{
			{ID: miaID, Type: "Person", Username: "mia", Host: "remote.test", Inbox: miaID + "/inbox"},
			{ID: beaID, Type: "Person", Username: "bea", Host: "remote.test", Inbox: beaID + "/inbox", Lernejo: true},
		} {
			if err := tx.PutRemoteActor(a); err != nil {
				return err
			}
		}
		return nil
	})
	courseID := u.urls.Actor(domain.ActorCourse, "course")
	u.update(func(tx domain.Tx) error {
		return u.svc.Enrolment.Receive(tx, federation.FollowRef{ID: miaID + "/follows/1", Actor: miaID, Object: courseID}, "")
	})
	sent("accept_follow")
	u.update(func(tx domain.Tx) error {
		return u.svc.Enrolment.Receive(tx, federation.FollowRef{Type: "Join", ID: "https://remote.test/activities/join-1", Actor: beaID, Object: courseID},
			"<p>To write loops.</p>")
	})
	sent("accept_join")
	check(u.svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "moderated", Title: "Moderated", Status: domain.StatusOpen,
		SignUp: domain.SignUpModerated, Questions: []string{"Why?", "How many hours a week?"}, Organisers: []string{"ada"}}))
	u.update(func(tx domain.Tx) error {
		return u.svc.Enrolment.Receive(tx, federation.FollowRef{ID: miaID + "/follows/2", Actor: miaID,
			Object: u.urls.Actor(domain.ActorCourse, "moderated")}, "")
	})
	sent("signup_questions")

	// A vote for a fellow learner's peer-awarded badge of the remote
	// course; last, like the answers above, so that no recorded id moves.
	check(u.svc.Badges.VoteElsewhere(ctx, "ada", gID, "https://remote.test/badges/b1", raeID))
	sent("vote")

	// A course asking to join a school of another node: the Offer; last,
	// so that no recorded id moves.
	u.withSchools()
	_, err = u.svc.Schools.Ask(ctx, "ada", "course", remoteSchoolID)
	check(err)
	sent("school_offer")

	// Suspending a person (Update{Person} with Mastodon's minimal actor,
	// and that actor as served), lifting it, and the person deleting their
	// account (Delete{Person}, and the Tombstone their id answers with);
	// last, like the above, so that no recorded id moves. Rae follows bob,
	// so each reaches rae's server.
	u.update(func(tx domain.Tx) error {
		return tx.PutFollower(&domain.Follower{Local: "bob", Actor: raeID, ActivityID: raeID + "/follows/bob",
			State: domain.FollowAccepted, Inbox: raeID + "/inbox"})
	})
	check(u.svc.Accounts.Suspend(ctx, "ada", "bob"))
	sent("suspend")
	got["actor_suspended"], err = u.svc.Documents.Actor(ctx, domain.ActorPerson, "bob")
	check(err)
	check(u.svc.Accounts.Unsuspend(ctx, "bob"))
	sent("unsuspend")
	// Bob's course (from the schools above) is archived first: its sole
	// organiser could not leave it otherwise.
	u.update(func(tx domain.Tx) error {
		c, err := tx.Course("bobs")
		if err != nil {
			return err
		}
		c.Status = domain.StatusArchived
		return tx.PutCourse(c)
	})
	check(u.svc.Accounts.ResetPassword(ctx, "bob", "correct horse"))
	check(u.svc.Accounts.DeleteAccount(ctx, "bob", "correct horse"))
	sent("delete_account")
	gone, deleted, err := u.svc.Accounts.Gone(ctx, "bob")
	check(err)
	if !deleted {
		t.Fatal("the deleted account's actor is not gone")
	}
	got["actor_deleted_document"] = gone
	// Ada edits her profile with an avatar: Update{Person} with her icon
	// (the picture as this node re-encoded it) and her bio's link, to rae,
	// who follows her.
	u.update(func(tx domain.Tx) error {
		return tx.PutFollower(&domain.Follower{Local: "ada", Actor: raeID, ActivityID: raeID + "/follows/ada",
			State: domain.FollowAccepted, Inbox: raeID + "/inbox"})
	})
	check(u.svc.Profiles.Edit(ctx, "ada", ProfileEdit{DisplayName: "Ada", Bio: "Teaches at https://go.dev",
		Avatar: goldenPicture(t)}))
	sent("profile_edit")

	// Peer review: bob's work for a task that asks for it, shown in a
	// course post; ada's review of work a remote course showed, sent to it
	// as a signed record. Last, like the above, so that no recorded id
	// moves.
	u.withLearner("dee")
	loop := &domain.Task{Course: "course", Title: "Write a loop", Source: "Loop.", PeerReview: true, Rubric: []string{"It runs", "It reads well"}}
	check(u.svc.Tasks.Add(ctx, "ada", loop))
	_, err = u.svc.Tasks.Complete(ctx, "dee", "course", loop.ID, "https://example.org/dees-loop", "")
	check(err)
	sent("work_shown")
	shownID := "https://remote.test/posts/shown"
	u.update(func(tx domain.Tx) error {
		return tx.PutPost(&domain.Post{ID: "shown", Course: gID, URI: shownID, Author: gID, Thread: "shown",
			Content: "<p>rae submitted work</p>", Published: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
			Work: &domain.Work{Task: gID + "/tasks/t1", Learner: raeID, Completion: "https://remote.test/completions/c1",
				Evidence: "https://example.org/raes-loop", Rubric: []string{"It runs", "It reads well"}, Reviews: gID + "/tasks/t1/reviews"}})
	})
	check(u.svc.Reviews.ReviewElsewhere(ctx, "ada", shownID, ReviewInput{Approve: true, Ratings: []int{5, 4}, Comment: "Runs, and reads well."}))
	sent("review")

	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if *golden.Update {
				masked, err := json.Marshal(maskKeys(t, got[name]))
				if err != nil {
					t.Fatal(err)
				}
				golden.Write(t, name, masked)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			g, w := maskKeys(t, got[name]), maskKeys(t, want)
			if !reflect.DeepEqual(g, w) {
				gi, _ := json.MarshalIndent(g, "", "  ")
				wi, _ := json.MarshalIndent(w, "", "  ")
				t.Fatalf("document differs from the golden one\ngot:  %s\nwant: %s", gi, wi)
			}
		})
	}
	// Every recorded document is still made.
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	check(err)
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); got[name] == nil {
			t.Errorf("%s was not made", name)
		}
	}
}

// maskKeys decodes a document and replaces what depends on the run's key
// pair: the public key's PEM, the assertion key's multibase and proof
// values.
func maskKeys(t *testing.T, doc []byte) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch k {
				case "publicKeyPem", "publicKeyMultibase", "proofValue":
					x[k] = "(masked)"
				default:
					x[k] = walk(e)
				}
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	return walk(v)
}

// goldenPicture is a small opaque PNG, the same in every run.
func goldenPicture(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
