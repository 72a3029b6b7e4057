package browsertest

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// seedStory gives the demo node something to show: pat has done every task
// of gentle-python and holds its badge, ada and pat have talked in the
// discussion, and (the course now being moderated) quinn waits in the
// organisers' queue. It returns the id of the first task.
func seedStory(t testing.TB, n *testNode) string {
	t.Helper()
	ctx := context.Background()
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*domain.Person{
		{Handle: "pat", DisplayName: "Pat Learner", Bio: "Learning Python in the evenings.", PasswordHash: hash},
		{Handle: "quinn", DisplayName: "Quinn", PasswordHash: hash},
	} {
		if err := n.Services.Accounts.Register(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "pat", node.DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	var tasks []*domain.Task
	n.view(t, func(tx domain.Tx) error {
		var err error
		tasks, err = tx.Tasks(node.DemoCourse)
		return err
	})
	for _, task := range tasks {
		if _, err := n.Services.Tasks.Complete(ctx, "pat", node.DemoCourse, task.ID, "https://example.com/pat/"+task.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	post, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: "ada", Course: node.DemoCourse,
		Text: "Welcome, everyone! Say hello here and tell us what you hope to make. #python"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: "pat", Course: node.DemoCourse, InReplyTo: post.URI,
		Text: "Hello! I want to automate my spreadsheets."}); err != nil {
		t.Fatal(err)
	}
	var co *domain.Course
	n.view(t, func(tx domain.Tx) error {
		var err error
		co, err = tx.Course(node.DemoCourse)
		return err
	})
	edited := *co
	edited.SignUp = domain.SignUpModerated
	edited.Questions = []string{"What would you like to build with Python?"}
	if err := n.Services.Courses.Update(ctx, "ada", &edited); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "quinn", node.DemoCourse, "A bot that tells me when my train is late."); err != nil {
		t.Fatal(err)
	}
	return tasks[0].ID
}

// TestScreenshotsOfMainPages saves full-page screenshots of the main pages
// at phone (390×844) and desktop (1280×900) width to /screenshots at the
// repository root (not committed), as the organiser ada sees them.
func TestScreenshotsOfMainPages(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	task := seedStory(t, n)
	b := newBrowser(t)
	ada := b.as("ada", n.Base)
	ada.logIn("ada", n.AdaPassword)

	for _, pg := range []struct{ name, path, shows string }{
		{"home", "/", "A Gentle Introduction to Python"},
		{"course", "/courses/gentle-python", "Say hello to Python"},
		{"task", "/courses/gentle-python/tasks/" + task, "Say hello to Python"},
		{"profile", "/people/pat", "Python Basics"},
		{"organiser-queue", "/courses/gentle-python/manage", "A bot that tells me when my train is late."},
		{"settings", "/admin/settings", "Blocked domains"},
	} {
		t.Run(pg.name, func(t *testing.T) {
			u := ada.in(t)
			u.openOK(pg.path)
			u.sees(pg.shows)
			u.screenshot(pg.name)
		})
	}
}
