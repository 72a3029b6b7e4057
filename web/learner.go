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
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course := c.Params("handle")
	f, err := s.cfg.Services.Enrolment.EnrolLocal(ctx, p.Handle, course, c.FormValue("answers"))
	if err != nil {
		return s.actionRefused(c, "/courses/"+course, err)
	}
	pr := s.printer(c)
	done := pr.T("You are in: welcome!")
	if f.State != domain.FollowAccepted {
		done = pr.T("Your request is sent: an organiser will answer it.")
	}
	return s.notice(c, "/courses/"+course, done)
}

func (s *Server) leaveCourse(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("You left it. You can join again while sign-up is open."), func(ctx context.Context, p *domain.Person) (string, error) {
		return "/courses/" + c.Params("handle"), s.cfg.Services.Enrolment.LeaveLocal(ctx, p.Handle, c.Params("handle"))
	})
}

func (s *Server) newPost(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course := c.Params("handle")
	if previewing(c) {
		return s.previewPost(c, s.printer(c).T("Post"))
	}
	author := p.Handle
	if c.FormValue("as_course") == "1" {
		author = course // an organiser posting as the course
		if _, err := s.cfg.Services.Courses.Organised(ctx, p.Handle, course); err != nil {
			return err
		}
	}
	text, reply := c.FormValue("text"), c.FormValue("in_reply_to")
	if _, err := s.cfg.Services.Posts.Publish(ctx, service.PostInput{Author: author, Course: course, Text: text,
		InReplyTo: reply}); err != nil {
		if !isFormError(err) {
			return err
		}
		c.Status(formStatus(err))
		return s.coursePageWith(c, course, &postDraft{Reply: reply, Text: text, Err: formErrorOf(err, "text")})
	}
	return s.notice(c, "/courses/"+course+"#discussion", s.printer(c).T("Your post is published."))
}

// postDraft is a post the service refused, shown again in the form it was
// written in (the course's, or the reply form under the post it answers)
// with the message beside it.
type postDraft struct {
	Reply string // the post it answers, "" for a new thread
	Text  string
	Err   *formError
}

// draftFor is the draft of the post form that answers reply (the zero
// draft when d is another form's, or none: a form whose dict has no Draft
// passes a nil interface), for the templates.
func draftFor(v any, reply string) postDraft {
	d, _ := v.(*postDraft)
	if d == nil || d.Reply != reply {
		return postDraft{}
	}
	return *d
}

func (s *Server) markDone(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("Marked done. Well done!"), func(ctx context.Context, p *domain.Person) (string, error) {
		course, task := c.Params("handle"), c.Params("id")
		_, err := s.cfg.Services.Tasks.Complete(ctx, p.Handle, course, task, c.FormValue("evidence"), c.FormValue("note"))
		return "/courses/" + course + "/tasks/" + task, err
	})
}

func (s *Server) redoTask(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("You can do it again: your earlier attempt is kept below."), func(ctx context.Context, p *domain.Person) (string, error) {
		course, task := c.Params("handle"), c.Params("id")
		return "/courses/" + course + "/tasks/" + task, s.cfg.Services.Tasks.Redo(ctx, p.Handle, course, task)
	})
}

// restartCourse and remoteRestart set aside what a learner did in a
// self-paced course, here or elsewhere, to go through it again.
func (s *Server) restartCourse(c *fiber.Ctx) error {
	course := c.Params("handle")
	return s.restart(c, course, "/courses/"+course)
}

func (s *Server) remoteRestart(c *fiber.Ctx) error {
	target := c.FormValue("target")
	return s.restart(c, target, "/remote?id="+url.QueryEscape(target))
}

func (s *Server) restart(c *fiber.Ctx, course, next string) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	n, err := s.cfg.Services.Tasks.RestartCourse(ctx, p.Handle, course)
	if err != nil {
		return s.actionRefused(c, next, err)
	}
	return s.notice(c, next, s.printer(c).N(n, "Restarted: %d task is set aside with your earlier attempts.",
		"Restarted: %d tasks are set aside with your earlier attempts."))
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
	pr := s.printer(c)
	title := pr.T("Find %s elsewhere", kindWords{pr}.AWord(st.DefaultKind))
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
			return s.render(c, "lookup", pageData{Title: title, Data: lookupPage{Q: q, Error: pr.T("Nothing was found at %s.", q)}})
		}
	}
	if h, typ, ok := s.urls.LocalActor(id); ok {
		return c.Redirect(s.urls.Actor(typ, h), fiber.StatusSeeOther)
	}
	if _, err := s.cfg.Resolver.Actor(ctx, id); err != nil {
		return s.render(c, "lookup", pageData{Title: title, Data: lookupPage{Q: q, Error: pr.T("That server did not answer with %s or a person.", kindWords{pr}.AWord(st.DefaultKind))}})
	}
	return c.Redirect("/remote?id="+url.QueryEscape(id), fiber.StatusSeeOther)
}

// remotePage is the remote course page's data: the read model, and the
// links of its discussion's pages.
type remotePage struct {
	*service.RemoteCoursePage
	PostPages pageLinks
	Voting    *service.RemoteVoting // the vote form's choices (web/badges.go)
	Meetings  *remoteMeetings       // its meetings this node was told of (web/meetings.go)
	Work      []service.RemoteWork  // fellow learners' work to review (web/reviews.go)
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
	meetings, err := s.remoteMeetings(c, ctx, viewer.Handle, p.Actor.ID)
	if err != nil {
		return err
	}
	work, err := s.cfg.Services.Reviews.RemoteWork(ctx, viewer.Handle, p.Actor.ID)
	if err != nil {
		return err
	}
	return s.render(c, "remote", pageData{Title: p.Actor.DisplayName(), Data: remotePage{RemoteCoursePage: p,
		PostPages: linksAt(c, "posts", "discussion", s.printer(c).T("Discussion"), p.PostsPrev, p.PostsNext),
		Voting:    s.remoteVoting(ctx, viewer.Handle, p), Meetings: meetings, Work: work}})
}

func (s *Server) joinRemote(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("Your request is sent to its server."), func(ctx context.Context, p *domain.Person) (string, error) {
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
	return s.asViewer(c, s.printer(c).T("You left it; its server is told."), func(ctx context.Context, p *domain.Person) (string, error) {
		target := c.FormValue("target")
		return "/remote?id=" + url.QueryEscape(target), s.cfg.Services.Enrolment.Unfollow(ctx, p.Handle, target)
	})
}

func (s *Server) remotePost(c *fiber.Ctx) error {
	if previewing(c) {
		return s.previewPost(c, s.printer(c).T("Post"))
	}
	return s.asViewer(c, s.printer(c).T("Your post is sent."), func(ctx context.Context, p *domain.Person) (string, error) {
		target := c.FormValue("target")
		_, err := s.cfg.Services.Posts.Publish(ctx, service.PostInput{Author: p.Handle, Course: target, Text: c.FormValue("text"),
			InReplyTo: c.FormValue("in_reply_to")})
		return "/remote?id=" + url.QueryEscape(target), err
	})
}

func (s *Server) remoteDone(c *fiber.Ctx) error {
	pr := s.printer(c)
	done := pr.T("Marked done. Well done!")
	if c.FormValue("redo") == "1" {
		done = pr.T("You can do it again: your earlier attempt is kept below.")
	}
	return s.asViewer(c, done, func(ctx context.Context, p *domain.Person) (string, error) {
		target, task := c.FormValue("target"), c.FormValue("task")
		next := "/remote?id=" + url.QueryEscape(target)
		if c.FormValue("redo") == "1" {
			return next, s.cfg.Services.Tasks.Redo(ctx, p.Handle, target, task)
		}
		_, err := s.cfg.Services.Tasks.Complete(ctx, p.Handle, target, task, c.FormValue("evidence"), c.FormValue("note"))
		return next, err
	})
}

// asViewer runs an action of the logged-in person and sends them on to the
// page the action names, with done as a flash notice there, or the
// refusal's message (actionRefused).
func (s *Server) asViewer(c *fiber.Ctx, done string, do func(ctx context.Context, p *domain.Person) (next string, err error)) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	next, err := do(ctx, p)
	if err != nil {
		return s.actionRefused(c, next, err)
	}
	return s.notice(c, next, done)
}

// actionRefused answers a person's refused action: a refusal they can act
// on (what they sent will not do, or is not theirs to do) is a flash error
// on the page next, where they acted; anything else (not found, the node
// short of space, a failure) goes to the error handler, with its status.
func (s *Server) actionRefused(c *fiber.Ctx, next string, err error) error {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT, domain.EFORBIDDEN:
		return s.flashTo(c, next, domain.Flash{Error: true, Text: s.message(c, err)})
	}
	return err
}
