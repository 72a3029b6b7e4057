package web

import (
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
)

// organiserRoutes registers the organisers' tools: create and edit courses,
// answer sign-up requests, write and order tasks, define and award badges,
// pin and remove posts. Every handler checks the viewer organises the
// course (HOSTILE W10).
func (s *Server) organiserRoutes() {
	a := s.App
	a.Get("/new/course", s.newCourseForm)
	a.Post("/new/course", s.createCourse)
	a.Get("/courses/:handle/manage", s.manageCourse)
	a.Post("/courses/:handle/edit", s.editCourse)
	a.Post("/courses/:handle/queue/:answer<regex(^(approve|decline)$)>", s.answerRequest)
	a.Post("/courses/:handle/tasks", s.addTask)
	a.Get("/courses/:handle/tasks/:id/edit", s.editTaskForm)
	a.Post("/courses/:handle/tasks/:id/edit", s.editTask)
	a.Post("/courses/:handle/tasks/:id/move", s.moveTask)
	a.Post("/courses/:handle/tasks/:id/restore", s.restoreTask)
	a.Post("/courses/:handle/badges", s.addBadge)
	a.Post("/courses/:handle/badges/:id/award", s.awardBadge)
	a.Post("/courses/:handle/posts/pin", s.pinPost)
	a.Post("/courses/:handle/posts/remove", s.removePost)
	a.Post("/courses/:handle/posts/report", s.reportPost)
	a.Post("/courses/:handle/block", s.blockFromCourse)
}

// organised loads a course the viewer organises, or fails.
func (s *Server) organised(c *fiber.Ctx) (*domain.Person, *domain.Course, error) {
	p, err := s.requireLogin(c)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	var co *domain.Course
	err = s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		co, err = tx.Course(c.Params("handle"))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !co.IsOrganiser(p.Handle) {
		return nil, nil, domain.Errorf(domain.EFORBIDDEN, "Only the organisers of this %s can do that.", strings.ToLower(co.Kind))
	}
	return p, co, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// courseFromForm reads the course form into c.
func courseFromForm(c *fiber.Ctx, co *domain.Course) {
	co.Title = c.FormValue("title")
	co.Summary = c.FormValue("summary")
	co.Kind = c.FormValue("kind")
	co.Status = domain.CourseStatus(c.FormValue("status"))
	co.SignUp = domain.SignUpMode(c.FormValue("signup"))
	co.Questions = lines(c.FormValue("questions"))
	co.School = c.FormValue("school")
	co.Language = c.FormValue("language")
	co.Tags = words(c.FormValue("tags"))
	co.Capacity, _ = strconv.Atoi(c.FormValue("capacity", "0"))
	co.RedistributeReplies = c.FormValue("redistribute_replies") == "1"
	co.OpenDiscussion = c.FormValue("open_discussion") == "1"
	co.MeetingDay = c.FormValue("meeting_day")
	co.MeetingTime = c.FormValue("meeting_time")
	co.MeetingPlace = c.FormValue("meeting_place")
	co.MeetingTimezone = c.FormValue("meeting_timezone")
}

func (s *Server) courseFormData(c *fiber.Ctx, viewer *domain.Person, co *domain.Course, errMsg string) (map[string]any, error) {
	ctx, cancel := ctx(c)
	defer cancel()
	var schools []*domain.School
	err := s.store.View(ctx, func(tx domain.Tx) error {
		all, err := tx.Schools()
		for _, sc := range all {
			if sc.IsOrganiser(viewer.Handle) || sc.Handle == co.School {
				schools = append(schools, sc)
			}
		}
		return err
	})
	return map[string]any{"Course": co, "Schools": schools, "Error": errMsg}, err
}

func (s *Server) newCourseForm(c *fiber.Ctx) error {
	p, err := s.requireLogin(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	var st domain.Settings
	if err := s.store.View(ctx, func(tx domain.Tx) error { st, err = tx.Settings(); return err }); err != nil {
		return err
	}
	data, err := s.courseFormData(c, p, &domain.Course{Status: domain.StatusDraft, SignUp: domain.SignUpOpen, Kind: st.DefaultKind}, "")
	if err != nil {
		return err
	}
	return s.render(c, "course_form", pageData{Title: "Start something new", Data: data})
}

func (s *Server) createCourse(c *fiber.Ctx) error {
	p, err := s.requireLogin(c)
	if err != nil {
		return err
	}
	co := &domain.Course{Handle: c.FormValue("handle"), Organisers: []string{p.Handle}}
	courseFromForm(c, co)
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Courses.Create(ctx, p.Handle, co); err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		data, derr := s.courseFormData(c, p, co, domain.ErrorMessage(err))
		if derr != nil {
			return derr
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "course_form", pageData{Title: "Start something new", Data: data})
	}
	return c.Redirect("/courses/"+co.Handle+"/manage", fiber.StatusSeeOther)
}

// manageCourse is the organisers' page: settings, a page of the sign-up
// queue with answers (?queue=), tasks, badges, a page of the members with
// their progress (?members=) and a page of the discussion (?posts=).
func (s *Server) manageCourse(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	data, err := s.courseFormData(c, p, co, c.Query("error"))
	if err != nil {
		return err
	}
	type row struct {
		Name, Actor, Answers string
		Done                 []bool
	}
	rows := func(tx domain.Tx, page domain.Page[*domain.Follower], tasks []*domain.Task) ([]row, error) {
		var out []row
		for _, f := range page.Items {
			name, _, err := s.authorOf(tx, f.Actor)
			if err != nil {
				return nil, err
			}
			r := row{Name: name, Actor: f.Actor, Answers: f.Answers}
			for _, t := range tasks {
				_, done, err := domain.Found(tx.Completion(co.Handle, t.ID, f.Actor))
				if err != nil {
					return nil, err
				}
				r.Done = append(r.Done, done)
			}
			out = append(out, r)
		}
		return out, nil
	}
	err = s.store.View(ctx, func(tx domain.Tx) error {
		tasks, err := tx.Tasks(co.Handle)
		if err != nil {
			return err
		}
		badges, err := tx.Badges(co.Handle)
		if err != nil {
			return err
		}
		queue, err := tx.FollowersPage(co.Handle, domain.FollowPending, c.Query("queue"), queuePerPage)
		if err != nil {
			return err
		}
		pending, err := rows(tx, queue, nil)
		if err != nil {
			return err
		}
		members, err := tx.FollowersPage(co.Handle, domain.FollowAccepted, c.Query("members"), peoplePerPage)
		if err != nil {
			return err
		}
		progress, err := rows(tx, members, tasks)
		if err != nil {
			return err
		}
		nPending, err := tx.CountFollowers(co.Handle, domain.FollowPending)
		if err != nil {
			return err
		}
		nMembers, err := tx.CountFollowers(co.Handle, domain.FollowAccepted)
		if err != nil {
			return err
		}
		threads, err := s.discussion(c, tx, co.Handle)
		if err != nil {
			return err
		}
		data["Tasks"], data["Badges"] = tasks, badges
		data["Pending"], data["PendingCount"], data["QueuePages"] = pending, nPending, linksFor(c, "queue", "queue", "Sign-up requests", queue)
		data["Members"], data["MemberCount"], data["MemberPages"] = progress, nMembers, linksFor(c, "members", "progress", "Members", members)
		data["Threads"], data["PostPages"] = threads.Threads, threads.Pages
		return nil
	})
	if err != nil {
		return err
	}
	return s.render(c, "manage", pageData{Title: "Organise " + co.Title, Data: data})
}

// back returns to the organisers' page, with an error message when err is a
// domain error a person can act on.
func (s *Server) back(c *fiber.Ctx, co *domain.Course, err error) error {
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		return c.Redirect("/courses/"+co.Handle+"/manage?error="+urlQuery(domain.ErrorMessage(err)), fiber.StatusSeeOther)
	}
	return c.Redirect("/courses/"+co.Handle+"/manage", fiber.StatusSeeOther)
}

func (s *Server) editCourse(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	edited := *co
	courseFromForm(c, &edited)
	edited.Organisers = append(lines(strings.ReplaceAll(c.FormValue("organisers"), ",", "\n")), p.Handle)
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co, s.cfg.Services.Courses.Update(ctx, p.Handle, &edited))
}

func (s *Server) answerRequest(c *fiber.Ctx) error {
	_, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	actor := c.FormValue("actor")
	if c.Params("answer") == "approve" {
		err = s.cfg.Services.Enrolment.Approve(ctx, co.Handle, actor)
	} else {
		err = s.cfg.Services.Enrolment.Decline(ctx, co.Handle, actor, c.FormValue("reason"))
	}
	return s.back(c, co, err)
}

func (s *Server) addTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	t := &domain.Task{Course: co.Handle, Title: c.FormValue("title"), Body: c.FormValue("body")}
	return s.back(c, co, s.cfg.Services.Tasks.Add(ctx, p.Handle, t))
}

func (s *Server) editTaskForm(c *fiber.Ctx) error {
	_, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	var t *domain.Task
	var revs []*domain.TaskRevision
	if err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		if t, err = tx.Task(co.Handle, c.Params("id")); err != nil {
			return err
		}
		revs, err = tx.TaskRevisions(co.Handle, t.ID)
		return err
	}); err != nil {
		return err
	}
	return s.render(c, "task_form", pageData{Title: "Edit " + t.Title, Data: map[string]any{"Course": co, "Task": t, "Revisions": revs}})
}

func (s *Server) editTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	t := &domain.Task{ID: c.Params("id"), Course: co.Handle, Title: c.FormValue("title"), Body: c.FormValue("body")}
	return s.back(c, co, s.cfg.Services.Tasks.Edit(ctx, p.Handle, t))
}

func (s *Server) restoreTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	rev, _ := strconv.Atoi(c.FormValue("rev"))
	_, err = s.cfg.Services.Tasks.Restore(ctx, p.Handle, co.Handle, c.Params("id"), rev)
	return s.back(c, co, err)
}

// moveTask moves a task one place up or down.
func (s *Server) moveTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	var ids []string
	if err := s.store.View(ctx, func(tx domain.Tx) error {
		ts, err := tx.Tasks(co.Handle)
		for _, t := range ts {
			ids = append(ids, t.ID)
		}
		return err
	}); err != nil {
		return err
	}
	id := c.Params("id")
	for i := range ids {
		if ids[i] != id {
			continue
		}
		j := i - 1
		if c.FormValue("dir") == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(ids) {
			ids[i], ids[j] = ids[j], ids[i]
		}
		break
	}
	return s.back(c, co, s.cfg.Services.Tasks.Reorder(ctx, p.Handle, co.Handle, ids))
}

func (s *Server) addBadge(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	votes, _ := strconv.Atoi(c.FormValue("votes", "0"))
	b := &domain.Badge{Issuer: co.Handle, Name: c.FormValue("name"), Description: c.FormValue("description"),
		Criteria: domain.BadgeCriteria(c.FormValue("criteria")), Votes: votes}
	if form, err := c.MultipartForm(); err == nil {
		b.Tasks = form.Value["tasks"]
	}
	if fh, err := c.FormFile("image"); err == nil && fh.Size > 0 {
		if fh.Size > badgepng.MaxUploadBytes {
			return s.back(c, co, domain.Errorf(domain.EINVALID, "The badge image is too large (at most 256 KiB)."))
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		b.Image, err = io.ReadAll(io.LimitReader(f, badgepng.MaxUploadBytes+1))
		f.Close()
		if err != nil {
			return err
		}
	}
	if err := s.cfg.Services.Badges.Add(ctx, p.Handle, b); err != nil {
		return s.back(c, co, err)
	}
	return s.back(c, co, nil)
}

func (s *Server) awardBadge(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	_, err = s.cfg.Services.Badges.Award(ctx, p.Handle, c.Params("id"), c.FormValue("learner"))
	return s.back(c, co, err)
}

func (s *Server) pinPost(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co, s.cfg.Services.Posts.Pin(ctx, p.Handle, c.FormValue("post"), c.FormValue("pinned") == "1"))
}

func (s *Server) removePost(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co, s.cfg.Services.Posts.Remove(ctx, p.Handle, c.FormValue("post")))
}

func urlQuery(s string) string { return url.QueryEscape(s) }

func (s *Server) reportPost(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co, s.cfg.Services.Moderation.Report(ctx, p.Handle, c.FormValue("post"), c.FormValue("comment")))
}

func (s *Server) blockFromCourse(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co, s.cfg.Services.Moderation.BlockFromCourse(ctx, p.Handle, co.Handle, c.FormValue("actor")))
}
