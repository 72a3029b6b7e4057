package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestCommentOnWork: the organiser comments on a learner's submitted work
// from the organisers' page; the learner reads the comment on the task's
// page, and nobody else's page shows it. A learner cannot comment.
func TestCommentOnWork(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	s := n.Services
	if _, err := s.Accounts.Create(ctx, "bea", "Bea", false, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enrolment.EnrolLocal(ctx, "bea", node.DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	var task string
	n.Store.View(ctx, func(tx domain.Tx) error {
		ts, err := tx.Tasks(node.DemoCourse)
		if len(ts) > 0 {
			task = ts[0].ID
		}
		return err
	})
	if _, err := s.Tasks.Complete(ctx, "bea", node.DemoCourse, task, "https://work.test/bea", "My notes."); err != nil {
		t.Fatal(err)
	}
	bea := n.URLs.Actor(domain.ActorPerson, "bea")
	action := "/courses/" + node.DemoCourse + "/tasks/" + task + "/comments"
	taskPage := "/courses/" + node.DemoCourse + "/tasks/" + task

	learner := newBrowser(t, n.base)
	if resp := learner.login("bea", "correct horse battery", "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("log in: %d", resp.StatusCode)
	}
	learner.post(action, url.Values{"_csrf": {learner.csrf(taskPage)}, "learner": {bea}, "comment": {"I grade myself."}})

	org := newBrowser(t, n.base)
	if resp := org.login(node.DemoOrganiser, n.adaPW, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("log in: %d", resp.StatusCode)
	}
	manage := org.mustGet(t, "/courses/"+node.DemoCourse+"/manage/progress")
	if !strings.Contains(manage, `action="`+action+`"`) {
		t.Fatalf("the submitted work has no comment form: %s", section(t, manage, "progress"))
	}
	resp, _ := org.post(action, url.Values{"_csrf": {org.csrf("/courses/" + node.DemoCourse + "/manage")}, "learner": {bea},
		"comment": {"Clear and <b>well</b> linked."}})
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), "error") {
		t.Fatalf("comment: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(section(t, org.mustGet(t, "/courses/"+node.DemoCourse+"/manage/progress"), "progress"), "Clear and &lt;b&gt;well&lt;/b&gt; linked.") {
		t.Error("the organisers' page does not show the comment")
	}

	page := learner.mustGet(t, taskPage)
	if !strings.Contains(page, "The organisers’ comments on your work") || !strings.Contains(page, "Clear and &lt;b&gt;well&lt;/b&gt; linked.") {
		t.Errorf("the learner's task page does not show the comment: %s", page)
	}
	if strings.Contains(page, "I grade myself.") {
		t.Error("a learner's own comment was kept")
	}
	if strings.Contains(org.mustGet(t, taskPage), "Clear and") {
		t.Error("the comment shows on the organiser's own view of the task")
	}
}
