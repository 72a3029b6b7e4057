package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

func courseOf(t *testing.T, n *testNode, handle string) *domain.Course {
	t.Helper()
	var c *domain.Course
	err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		c, err = tx.Course(handle)
		return err
	})
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOnlySchoolOrganisersPlaceCoursesThroughTheForms: a fresh account posts
// the course form naming the School of Webcraft (which it does not organise,
// and which the form does not even offer it): refused, nothing created, so
// the school lists and announces nothing. Moving an own course into the
// school by editing it is refused the same way. Ada, the school's
// organiser, places hers.
func TestOnlySchoolOrganisersPlaceCoursesThroughTheForms(t *testing.T) {
	n := startNode(t, node.Config{})
	mallory := newBrowser(t, n.base)
	resp, body := mallory.post("/signup", signupForm(mallory.csrf("/signup"), "mallory"))
	wantStatus(t, "sign-up", resp, body, 303)

	course := func(b *browser, handle, school string) url.Values {
		return url.Values{"_csrf": {b.csrf("/new/course")}, "handle": {handle}, "title": {"Webcraft: verify your account"},
			"status": {"open"}, "signup": {"open"}, "school": {school}}
	}
	resp, body = mallory.post("/new/course", course(mallory, "phish", node.DemoSchool))
	wantStatus(t, "course in someone else's school", resp, body, 422)
	if !strings.Contains(body, "Only the organisers of School of Webcraft can place a course in it.") {
		t.Errorf("the form does not say why: %s", body)
	}
	if c := courseOf(t, n, "phish"); c != nil {
		t.Fatalf("the refused course exists: %+v", c)
	}

	resp, body = mallory.post("/new/course", course(mallory, "phish", ""))
	wantRedirect(t, "course without a school", resp, "/courses/phish/manage")
	edit := course(mallory, "phish", node.DemoSchool)
	edit.Set("_csrf", mallory.csrf("/courses/phish/manage"))
	resp, body = mallory.post("/courses/phish/edit", edit)
	if resp.StatusCode != 422 || !strings.Contains(body, "Only the organisers of School of Webcraft can place a course in it.") {
		t.Errorf("edit into the school: %d, the settings form again saying why? %s", resp.StatusCode, body)
	}
	if c := courseOf(t, n, "phish"); c == nil || c.School != "" {
		t.Fatalf("after the refused edit: %+v", c)
	}
	_, school := mallory.get("/schools/" + node.DemoSchool)
	if strings.Contains(school, "/courses/phish") {
		t.Error("the school page lists the refused course")
	}

	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	resp, _ = ada.post("/new/course", course(ada, "css-basics", node.DemoSchool))
	wantRedirect(t, "ada's course in her school", resp, "/courses/css-basics/manage")
	if c := courseOf(t, n, "css-basics"); c == nil || c.School != node.DemoSchool {
		t.Fatalf("ada's course: %+v", c)
	}
}
