package web

import (
	"context"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

func (s *Server) joinCourse(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		_, err := s.cfg.Services.Enrolment.EnrolLocal(ctx, p.Handle, c.Params("handle"), c.FormValue("answers"))
		return "/courses/" + c.Params("handle"), err
	})
}

func (s *Server) leaveCourse(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		return "/courses/" + c.Params("handle"), s.cfg.Services.Enrolment.LeaveLocal(ctx, p.Handle, c.Params("handle"))
	})
}

func (s *Server) newPost(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course := c.Params("handle")
	if previewing(c) {
		return s.previewPost(c, "Post")
	}
	author := p.Handle
	if c.FormValue("as_course") == "1" {
		author = course // an organiser posting as the course
		if _, err := s.cfg.Services.Courses.Organised(ctx, p.Handle, course); err != nil {
			return err
		}
	}
	if _, err := s.cfg.Services.Posts.Publish(ctx, service.PostInput{Author: author, Course: course, Text: c.FormValue("text"),
		InReplyTo: c.FormValue("in_reply_to")}); err != nil {
		return err
	}
	return c.Redirect("/courses/"+course+"#discussion", fiber.StatusSeeOther)
}

func (s *Server) markDone(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		course, task := c.Params("handle"), c.Params("id")
		_, err := s.cfg.Services.Tasks.Complete(ctx, p.Handle, course, task, c.FormValue("evidence"), c.FormValue("note"))
		return "/courses/" + course + "/tasks/" + task, err
	})
}

func (s *Server) undoDone(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		course, task := c.Params("handle"), c.Params("id")
		return "/courses/" + course + "/tasks/" + task, s.cfg.Services.Tasks.Uncomplete(ctx, p.Handle, course, task)
	})
}

// lookupPage is the lookup page's data after a search that found nothing:
// what was asked and why nothing is shown.
type lookupPage struct {
	Q, Error string
}

// lookup finds a course (or anyone) on another server by handle or URL and
// shows it, with a way to join through this node.
func (s *Server) lookup(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	st, err := s.cfg.Services.Settings.Current(ctx)
	if err != nil {
		return err
	}
	title := "Find " + st.AWord() + " elsewhere"
	q := strings.TrimSpace(c.Query("q"))
	if q == "" {
		return s.render(c, "lookup", pageData{Title: title})
	}
	if _, err := s.requireLogin(c); err != nil {
		return err
	}
	id := q
	if !strings.HasPrefix(q, "https://") && !strings.HasPrefix(q, "http://") {
		var err error
		if id, err = s.cfg.Resolver.LookupHandle(ctx, q); err != nil {
			return s.render(c, "lookup", pageData{Title: title, Data: lookupPage{Q: q, Error: "Nothing was found at " + q + "."}})
		}
	}
	if h, typ, ok := s.urls.LocalActor(id); ok {
		return c.Redirect(s.urls.Actor(typ, h), fiber.StatusSeeOther)
	}
	if _, err := s.cfg.Resolver.Actor(ctx, id); err != nil {
		return s.render(c, "lookup", pageData{Title: title, Data: lookupPage{Q: q, Error: "That server did not answer with " + st.AWord() + " or a person."}})
	}
	return c.Redirect("/remote?id="+url.QueryEscape(id), fiber.StatusSeeOther)
}

// remotePage is the remote course page's data: the read model, and the
// links of its discussion's pages.
type remotePage struct {
	*service.RemoteCoursePage
	PostPages pageLinks
	Voting    *service.RemoteVoting // the vote form's choices (web/badges.go)
}

// remoteCourse shows a course on another server as this node knows it:
// its description, the tasks cached here and the mirrored discussion.
func (s *Server) remoteCourse(c *fiber.Ctx) error {
	viewer := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Enrolment.Remote(ctx, viewer.Handle, c.Query("id"), c.Query("posts"))
	if err != nil {
		return err
	}
	return s.render(c, "remote", pageData{Title: p.Actor.DisplayName(), Data: remotePage{RemoteCoursePage: p,
		PostPages: linksAt(c, "posts", "discussion", "Discussion", p.PostsPrev, p.PostsNext),
		Voting:    s.remoteVoting(ctx, viewer.Handle, p)}})
}

func (s *Server) joinRemote(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		target := c.FormValue("target")
		_, err := s.cfg.Services.Enrolment.Enrol(ctx, p.Handle, target, joinAnswers(c))
		return "/remote?id=" + url.QueryEscape(target), err
	})
}

// joinAnswers is what the remote join form says to the organisers, as one
// text like the local join's: each sign-up question the form asked
// followed by its answer, a paragraph each, or the free word when the
// course asks nothing.
func joinAnswers(c *fiber.Ctx) string {
	args := c.Request().PostArgs()
	questions, answers := args.PeekMulti("question"), args.PeekMulti("answer")
	if len(answers) == 0 {
		return c.FormValue("answers")
	}
	var parts []string
	for i, a := range answers {
		text := strings.TrimSpace(string(a))
		if i < len(questions) {
			text = strings.TrimSpace(string(questions[i])) + "\n" + text
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "\n\n")
}

func (s *Server) remoteLeave(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		target := c.FormValue("target")
		return "/remote?id=" + url.QueryEscape(target), s.cfg.Services.Enrolment.Unfollow(ctx, p.Handle, target)
	})
}

func (s *Server) remotePost(c *fiber.Ctx) error {
	if previewing(c) {
		return s.previewPost(c, "Post")
	}
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		target := c.FormValue("target")
		_, err := s.cfg.Services.Posts.Publish(ctx, service.PostInput{Author: p.Handle, Course: target, Text: c.FormValue("text"),
			InReplyTo: c.FormValue("in_reply_to")})
		return "/remote?id=" + url.QueryEscape(target), err
	})
}

func (s *Server) remoteDone(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		target, task := c.FormValue("target"), c.FormValue("task")
		next := "/remote?id=" + url.QueryEscape(target)
		if c.FormValue("undo") == "1" {
			return next, s.cfg.Services.Tasks.Uncomplete(ctx, p.Handle, target, task)
		}
		_, err := s.cfg.Services.Tasks.Complete(ctx, p.Handle, target, task, c.FormValue("evidence"), c.FormValue("note"))
		return next, err
	})
}

// asViewer runs an action of the logged-in person and sends them on to the
// page the action names.
func (s *Server) asViewer(c *fiber.Ctx, do func(ctx context.Context, p *domain.Person) (next string, err error)) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	next, err := do(ctx, p)
	if err != nil {
		return err
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}
