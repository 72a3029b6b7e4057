package web

import (
	"github.com/gofiber/fiber/v2"
)

// Previews of Markdown (posts, tasks, summaries): each form that takes
// Markdown has a "Preview" submit button (name preview) beside its own.
// Pressed, the form's handler saves nothing and answers with the form
// again, the typed text kept and the HTML it renders to shown above it, so
// a preview works without JavaScript. The HTML is the service's own
// rendering, the one saving would store.

// previewing reports whether the form was sent with its Preview button.
func previewing(c *fiber.Ctx) bool { return c.FormValue("preview") != "" }

// previewPage is the preview page's data: the form to send again (its
// action, the Markdown field with the typed text, every other field the
// form sent kept as a hidden field) and the rendered HTML.
type previewPage struct {
	Action string
	Field  string // the Markdown field's name
	Label  string // what the field is ("Your post"), in the reader's language
	Text   string // the Markdown as typed
	HTML   string // the sanitised HTML it renders to
	Submit string // the form's own button ("Post", "Save"), in the reader's language
	Hidden []formField
}

// formField is one field a form sent.
type formField struct{ Name, Value string }

// preview answers a form sent with its Preview button: the preview page,
// with the text of field shown rendered as html above the form; label and
// submit come written in the reader's language.
func (s *Server) preview(c *fiber.Ctx, field, label, html, submit string) error {
	var hidden []formField
	keep := func(k, v string) {
		if k != field && k != "_csrf" && k != "preview" {
			hidden = append(hidden, formField{k, v})
		}
	}
	if form, err := c.MultipartForm(); err == nil {
		for k, vs := range form.Value {
			for _, v := range vs {
				keep(k, v)
			}
		}
	} else {
		c.Request().PostArgs().VisitAll(func(k, v []byte) { keep(string(k), string(v)) })
	}
	return s.render(c, "preview", pageData{Title: s.printer(c).T("Preview"), Data: previewPage{Action: c.Path(), Field: field,
		Label: label, Text: c.FormValue(field), HTML: html, Submit: submit, Hidden: hidden}})
}

// previewPost previews a post form's text (a new post, a reply, an edit),
// whose own button says submit (in the reader's language).
func (s *Server) previewPost(c *fiber.Ctx, submit string) error {
	pr := s.printer(c)
	label := pr.T("Your post")
	if c.FormValue("in_reply_to") != "" {
		label, submit = pr.T("Your reply"), pr.T("Reply")
	}
	return s.preview(c, "text", label, s.cfg.Services.Posts.Preview(c.FormValue("text")), submit)
}

// previewTask previews the text of the form that adds a task.
func (s *Server) previewTask(c *fiber.Ctx) error {
	pr := s.printer(c)
	return s.preview(c, "body", pr.T("Text of the task “%s”", c.FormValue("title")), s.cfg.Services.Tasks.Preview(c.FormValue("body")), pr.T("Add task"))
}

// previewSummary previews the summary of a course or school form, as
// render (the service's Preview) makes it, with the form's button submit
// (in the reader's language).
func (s *Server) previewSummary(c *fiber.Ctx, render func(string) string, submit string) error {
	return s.preview(c, "summary", s.printer(c).T("Summary"), render(c.FormValue("summary")), submit)
}
