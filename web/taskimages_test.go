package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestTaskImagesOnlyFromThisNode: an organiser's task body with a tracking
// pixel from another server (which every learner's browser would fetch as
// the task opens) and a badge image of this node, written in Markdown. On the task page the
// node's image shows and the other is a link to it; a task saved by an
// older version, pixel and all, is shown the same way.
func TestTaskImagesOnlyFromThisNode(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	body := "Look:\n\n![](https://tracker.example/p.gif?u=1) ![our picture](/static/style.css)" // Markdown, as the form takes it
	resp, _ := ada.post("/courses/"+node.DemoCourse+"/tasks", url.Values{"_csrf": {ada.csrf("/courses/" + node.DemoCourse + "/manage")},
		"title": {"Pixel"}, "body": {body}})
	if resp.StatusCode != 303 || strings.Contains(resp.Header.Get("Location"), "error=") {
		t.Fatalf("add task: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var added *domain.Task
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		ts, err := tx.Tasks(node.DemoCourse)
		for _, task := range ts {
			if task.Title == "Pixel" {
				added = task
			}
		}
		return err
	})
	if added == nil {
		t.Fatal("the task was not saved")
	}
	if strings.Contains(added.Body, "<img src=\"https://tracker") {
		t.Errorf("saved with the pixel: %s", added.Body)
	}

	// As an older version saved it.
	old := *added
	old.ID, old.Title, old.Position = "01OLDTASK0000000000000000", "Old pixel", added.Position+1
	old.Body = `<p>Old</p><img src="https://tracker.example/old.gif">`
	if err := n.Store.Update(context.Background(), func(tx domain.Tx) error { return tx.PutTask(&old) }); err != nil {
		t.Fatal(err)
	}
	imgs := regexp.MustCompile(`<img [^>]*src="([^"]*)"`)
	for _, task := range []*domain.Task{added, &old} {
		_, page := ada.get("/courses/" + node.DemoCourse + "/tasks/" + task.ID)
		for _, m := range imgs.FindAllStringSubmatch(page, -1) {
			if !strings.HasPrefix(m[1], "/") && !strings.HasPrefix(m[1], n.base+"/") {
				t.Errorf("task %q shows an image from %s", task.Title, m[1])
			}
		}
		if !strings.Contains(page, `href="https://tracker.example/`) {
			t.Errorf("task %q has no link to the other server's image", task.Title)
		}
	}
	_, page := ada.get("/courses/" + node.DemoCourse + "/tasks/" + added.ID)
	if !strings.Contains(page, `<img src="`+n.base+`/static/style.css" alt="our picture">`) {
		t.Errorf("the node's own image is not shown")
	}
}
