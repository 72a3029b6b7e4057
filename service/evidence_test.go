package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestCommentRules: only an organiser of the course comments, on work a
// learner did, with a comment that is not empty and not too long; the
// comment is kept, made HTML as posts are, and a learner here gets no note.
func TestCommentRules(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	if err := u.svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "course", Title: "Task"}); err != nil {
		t.Fatal(err)
	}
	task, bob := u.task(), u.person("bob")
	for _, c := range []struct {
		name, by, learner, text, want string
	}{
		{"on work not done", "ada", bob, "Nice.", domain.ENOTFOUND},
	} {
		if _, err := u.svc.Evidence.Comment(ctx, c.by, "course", task, c.learner, c.text); domain.ErrorCode(err) != c.want {
			t.Errorf("a comment %s: %v, want %s", c.name, err, c.want)
		}
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", task, "https://work.test/bob", "My notes."); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, by, text, want string
	}{
		{"by a learner", "bob", "Nice.", domain.EFORBIDDEN},
		{"empty", "ada", "  \n ", domain.EINVALID},
		{"too long", "ada", strings.Repeat("a", domain.MaxCommentLen+1), domain.EINVALID},
	} {
		if _, err := u.svc.Evidence.Comment(ctx, c.by, "course", task, bob, c.text); domain.ErrorCode(err) != c.want {
			t.Errorf("a comment %s: %v, want %s", c.name, err, c.want)
		}
	}
	if _, err := u.svc.Evidence.Comment(ctx, "ada", "course", "no-such-task", bob, "Nice."); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("a comment on a task that is not there: %v", err)
	}
	before := u.deliveries()
	cm, err := u.svc.Evidence.Comment(ctx, "ada", "course", task, bob, "Good work <script>x</script>, see https://docs.test/more")
	if err != nil {
		t.Fatal(err)
	}
	if cm.NoteURI != "" || u.deliveries() != before {
		t.Errorf("a comment to a learner here sent a note: %+v", cm)
	}
	if strings.Contains(cm.Content, "<script>") || !strings.Contains(cm.Content, `href="https://docs.test/more"`) {
		t.Errorf("the comment is not made HTML as posts are: %s", cm.Content)
	}
	page, err := u.svc.Tasks.Page(ctx, "bob", "course", task)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Comments) != 1 || page.Comments[0].Author != "ada" {
		t.Fatalf("the learner's task page has comments %+v", page.Comments)
	}
	// Doing the task again keeps the comment (it often asks for that)
	// with the attempt it was about, and the page shows that attempt.
	if err := u.svc.Tasks.Redo(ctx, "bob", "course", task); err != nil {
		t.Fatal(err)
	}
	if page, err = u.svc.Tasks.Page(ctx, "bob", "course", task); err != nil {
		t.Fatal(err)
	}
	if page.Mine != nil || len(page.Comments) != 0 || len(page.Earlier) != 1 || len(page.Earlier[0].Feedback) != 1 {
		t.Fatalf("after doing it again: mine %+v, comments %+v, earlier %+v", page.Mine, page.Comments, page.Earlier)
	}
	m, err := u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: TabProgress})
	if err != nil {
		t.Fatal(err)
	}
	for _, mb := range m.Members {
		if mb.Actor == bob && (len(mb.Comments) != 1 || len(mb.Comments[0]) != 1) {
			t.Errorf("the organisers' page shows bob's comments as %+v", mb.Comments)
		}
	}
}

// TestCommentToRemoteLearner: a comment on the work of a learner on another
// server goes to them alone, from the course, as a direct note that
// mentions them, in reply to their completion record.
func TestCommentToRemoteLearner(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	if err := u.svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "course", Title: "Task"}); err != nil {
		t.Fatal(err)
	}
	task := u.task()
	record := raeID + "/completions/1"
	u.update(func(tx domain.Tx) error {
		return u.svc.Tasks.RecordCompletion(tx, &domain.Completion{ID: record, Course: "course", Task: task, Learner: raeID,
			Evidence: "https://work.test/rae", At: time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC)})
	})
	before := countOf(u.sentTo(raeID+"/inbox"), "Create") // the task's announcement
	cm, err := u.svc.Evidence.Comment(ctx, "ada", "course", task, raeID, "Well argued.")
	if err != nil {
		t.Fatal(err)
	}
	if cm.NoteURI == "" {
		t.Fatal("no note for a learner elsewhere")
	}
	if got := u.sentTo(raeID + "/inbox"); countOf(got, "Create") != before+1 {
		t.Fatalf("sent to the learner: %v", got)
	}
	var create struct {
		Type   string
		Actor  string
		To, CC []string
		Object struct {
			ID, InReplyTo, Content string
			To, CC                 []string
			Tag                    []struct{ Type, Href string }
		}
	}
	var inboxes []string
	u.view(func(tx domain.Tx) error {
		a, err := tx.Activity(cm.NoteURI + "/activity")
		if err != nil {
			return err
		}
		ds, err := tx.Deliveries()
		for _, d := range ds {
			if d.ActivityID == a.ID {
				inboxes = append(inboxes, d.Inbox)
			}
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(a.JSON, &create)
	})
	o := create.Object
	if create.Actor != u.urls.Actor(domain.ActorCourse, "course") || o.ID != cm.NoteURI {
		t.Errorf("the note is %s by %s", o.ID, create.Actor)
	}
	if !slices.Equal(o.To, []string{raeID}) || len(o.CC) != 0 || !slices.Equal(create.To, []string{raeID}) || len(create.CC) != 0 {
		t.Errorf("not addressed to the learner alone: to %v cc %v (activity to %v cc %v)", o.To, o.CC, create.To, create.CC)
	}
	if o.InReplyTo != record {
		t.Errorf("inReplyTo %q, want the completion record %s", o.InReplyTo, record)
	}
	if len(o.Tag) != 1 || o.Tag[0].Type != "Mention" || o.Tag[0].Href != raeID {
		t.Errorf("tags %+v, want a Mention of the learner", o.Tag)
	}
	if !strings.Contains(o.Content, "Well argued.") {
		t.Errorf("content %s", o.Content)
	}
	if !slices.Equal(inboxes, []string{raeID + "/inbox"}) {
		t.Errorf("delivered to %v", inboxes)
	}
}
