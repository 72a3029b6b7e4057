package service

import (
	"context"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// TestMarkdownStoredWithItsHTML: a post, a task, a course's and a school's
// summary and a badge's description are saved with their Markdown and the
// HTML it renders to; the post's author edits the Markdown as typed. A
// post and a task saved before Markdown keep showing (and editing) as
// they were.
func TestMarkdownStoredWithItsHTML(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	p, err := u.svc.Posts.Publish(ctx, PostInput{Author: "ada", Course: "course", Text: "A **bold** start: https://meet.example/r\r\n"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "A **bold** start: https://meet.example/r" || !strings.Contains(p.Content, "<strong>bold</strong>") ||
		!strings.Contains(p.Content, `<a href="https://meet.example/r"`) {
		t.Errorf("post source %q, content %s", p.Source, p.Content)
	}
	page, err := u.svc.Posts.Page(ctx, "ada", p.URI, "")
	if err != nil {
		t.Fatal(err)
	}
	if page.View.Text != p.Source {
		t.Errorf("the edit form holds %q, want the Markdown", page.View.Text)
	}
	if got := u.svc.Posts.Preview("_x_ <script>alert(1)</script>"); got != "<p><em>x</em> &lt;script&gt;alert(1)&lt;/script&gt;</p>" { // typed HTML is text
		t.Errorf("post preview %q", got)
	}

	task := &domain.Task{Course: "course", Title: "Loops", Source: "## Do\n\n| a | b |\n|---|---|\n| 1 | 2 |"}
	if err := u.svc.Tasks.Add(ctx, "ada", task); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(task.Body, "<h3>Do</h3>") || !strings.Contains(task.Body, "<td>1</td>") {
		t.Errorf("task body %s", task.Body)
	}

	// Saved before Markdown: HTML content, no source.
	old := &domain.Post{ID: "01OLD", Course: "course", URI: u.urls.Path("/posts/01OLD"), Author: u.person("ada"), Local: true,
		Thread: "01OLD", Content: "<p>Old *text*</p><p>two</p>"}
	oldTask := &domain.Task{ID: "01OLDTASK", Course: "course", Position: 2, Title: "Old", Body: "<p>An <em>old</em> task</p><ul><li>one</li></ul>"}
	u.update(func(tx domain.Tx) error {
		if err := tx.PutPost(old); err != nil {
			return err
		}
		return tx.PutTask(oldTask)
	})
	page, err = u.svc.Posts.Page(ctx, "ada", old.URI, "")
	if err != nil {
		t.Fatal(err)
	}
	if page.View.Post.Content != old.Content || page.View.Text != "Old *text*\n\ntwo" {
		t.Errorf("an old post shows %q and edits %q", page.View.Post.Content, page.View.Text)
	}
	form, err := u.svc.Tasks.Form(ctx, "ada", "course", oldTask.ID)
	if err != nil {
		t.Fatal(err)
	}
	if form.Text != "An _old_ task\n\n- one" {
		t.Errorf("an old task edits as %q", form.Text)
	}

	c := u.course("course")
	c.Summary = "We meet at https://meet.example/weekly"
	if err := u.svc.Courses.Update(ctx, "ada", c); err != nil {
		t.Fatal(err)
	}
	if got := u.course("course").SummaryHTML; !strings.Contains(got, `<a href="https://meet.example/weekly"`) {
		t.Errorf("course summary %s", got)
	}
	sc, err := u.svc.Schools.Edit(ctx, "ada", "school", SchoolProfile{Name: "School", Summary: "The **best**"})
	if err != nil {
		t.Fatal(err)
	}
	if sc.SummaryHTML != "<p>The <strong>best</strong></p>" {
		t.Errorf("school summary %s", sc.SummaryHTML)
	}
	b := &domain.Badge{Issuer: "course", Name: "Looper", Description: "For _every_ loop", Criteria: domain.CriteriaOrganiser}
	if err := u.svc.Badges.Add(ctx, "ada", b); err != nil {
		t.Fatal(err)
	}
	if b.DescriptionHTML != "<p>For <em>every</em> loop</p>" {
		t.Errorf("badge description %s", b.DescriptionHTML)
	}
}
