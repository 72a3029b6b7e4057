package web

import (
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/service"
)

// organised loads a course the viewer organises, or fails: the check is
// the service's (Courses.Organised).
func (s *Server) organised(c *fiber.Ctx) (*domain.Person, *domain.Course, error) {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	co, err := s.cfg.Services.Courses.Organised(ctx, p.Handle, c.Params("handle"))
	if err != nil {
		return nil, nil, err
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

// courseFromForm reads the course form into c; an error is a date that is
// no date (the rest is the service's to check).
func courseFromForm(c *fiber.Ctx, co *domain.Course) error {
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
	var err error
	if co.Starts, err = service.ParseDate("starts", c.FormValue("starts")); err != nil {
		return err
	}
	if co.Ends, err = service.ParseDate("ends", c.FormValue("ends")); err != nil {
		return err
	}
	co.RedistributeReplies = c.FormValue("redistribute_replies") == "1"
	co.OpenDiscussion = c.FormValue("open_discussion") == "1"
	return nil
}

// courseForm is the course form's data: the read model, and the message
// of a refused change. Edit is the form shown again after a refused change
// of a course's settings (posted from the manage page) rather than a new
// course's.
type courseForm struct {
	*service.CourseForm
	Err  *formError
	Edit bool
}

// courseFields are the inputs of the course form.
var courseFields = []string{"handle", "title", "summary", "kind", "status", "signup", "questions", "school", "language", "tags",
	"capacity", "starts", "ends", "organisers"}

// courseFormAgain shows the course form again with what was typed (co) and
// why it was refused: 422, or 409 for a handle taken.
func (s *Server) courseFormAgain(c *fiber.Ctx, viewer string, co *domain.Course, edit bool, refusal error) error {
	ctx, cancel := ctx(c)
	defer cancel()
	f, err := s.cfg.Services.Courses.Form(ctx, viewer, co)
	if err != nil {
		return err
	}
	p := s.printer(c)
	title := p.T("Start something new")
	if edit {
		title = p.T("Settings of %s", co.Title)
	}
	c.Status(formStatus(refusal))
	return s.render(c, "course_form", pageData{Title: title, Data: courseForm{CourseForm: f, Err: formErrorOf(refusal, courseFields...), Edit: edit}})
}

func (s *Server) newCourseForm(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	f, err := s.cfg.Services.Courses.NewCourseForm(ctx, p.Handle)
	if err != nil {
		return err
	}
	return s.render(c, "course_form", pageData{Title: s.printer(c).T("Start something new"), Data: courseForm{CourseForm: f}})
}

func (s *Server) createCourse(c *fiber.Ctx) error {
	if previewing(c) {
		return s.previewSummary(c, s.cfg.Services.Courses.Preview, s.printer(c).T("Create"))
	}
	p := s.viewer(c) // behind the loggedIn guard
	co := &domain.Course{Handle: c.FormValue("handle"), Organisers: []string{p.Handle}}
	if err := courseFromForm(c, co); err != nil {
		return s.courseFormAgain(c, p.Handle, co, false, err)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Courses.Create(ctx, p.Handle, co); err != nil {
		// Any refusal a person can act on is the form's (a school they may
		// not place courses in, too): nothing is lost.
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		return s.courseFormAgain(c, p.Handle, co, false, err)
	}
	manage := "/courses/" + co.Handle + "/manage"
	pr := s.printer(c)
	if co.Status != domain.StatusDraft {
		return s.notice(c, manage, pr.T("%s is created and open: people can find it and join.", co.Title))
	}
	return s.flashTo(c, manage, domain.Flash{
		Text: pr.T("Your %s %s is created as a draft: only its organisers see it. Add tasks, then publish it when it is ready.",
			kindWords{pr}.Word(co.Kind), co.Title),
		Action: "/courses/" + co.Handle + "/publish", ActionLabel: pr.T("Publish %s", co.Title)})
}

// publishCourse opens a draft course: the path the notice after creating
// one offers, and the manage page's for any draft.
func (s *Server) publishCourse(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	opened := *co
	opened.Status = domain.StatusOpen
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabOverview, s.cfg.Services.Courses.Update(ctx, p.Handle, &opened),
		s.printer(c).T("%s is published: people can find it and join.", co.Title))
}

// managePage is a tab of the organisers' page: the read model, its tab
// bar and the links of its paged lists (what became of the last change is
// a flash).
type managePage struct {
	*service.ManagePage
	Tabs                               []manageTab
	QueuePages, MemberPages, PostPages pageLinks
	// AwardPages are the links of each badge's awards, as Awards lists
	// the badges.
	AwardPages []pageLinks
}

// manageTab is a link of the organisers' page's tab bar.
type manageTab struct {
	Label, URL string
	Current    bool // the tab shown (aria-current)
}

// manageTabLabel names a tab of the organisers' page in p's language.
func manageTabLabel(p *i18n.Printer, tab service.ManageTab) string {
	switch tab {
	case service.TabOverview:
		return p.T("Overview")
	case service.TabProgress:
		return p.T("Progress")
	case service.TabTasks:
		return p.T("Tasks")
	case service.TabBadges:
		return p.T("Badges")
	case service.TabDiscussion:
		return p.T("Discussion")
	case service.TabSettings:
		return p.T("Settings")
	}
	return string(tab)
}

// manageURL is the address of a tab of a course's organisers' page: the
// overview at /courses/X/manage, the others under it.
func manageURL(course string, tab service.ManageTab) string {
	if tab == service.TabOverview {
		return "/courses/" + course + "/manage"
	}
	return "/courses/" + course + "/manage/" + string(tab)
}

// manageCourse is a tab of the organisers' page (:tab, the overview
// without): the overview with a page of the sign-up queue (?queue=), the
// members' progress (?members=), the tasks, the badges with a page of
// each one's awards (?badge=, ?awards=), the discussion (?posts=) with
// the reports, or the settings.
func (s *Server) manageCourse(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	tab := service.ManageTab(c.Params("tab", string(service.TabOverview)))
	m, err := s.cfg.Services.Courses.Manage(ctx, p.Handle, c.Params("handle"),
		service.ManageQuery{Tab: tab, Queue: c.Query("queue"), Members: c.Query("members"), Posts: c.Query("posts"),
			Badge: c.Query("badge"), Awards: c.Query("awards")})
	if err != nil {
		return err
	}
	pr := s.printer(c)
	data := managePage{ManagePage: m,
		QueuePages:  linksAt(c, "queue", "queue", pr.T("Sign-up requests"), m.QueuePrev, m.QueueNext),
		MemberPages: linksAt(c, "members", "progress", pr.T("Members"), m.MembersPrev, m.MembersNext),
		PostPages:   linksAt(c, "posts", "discussion", pr.T("Discussion"), m.PostsPrev, m.PostsNext)}
	for _, t := range service.ManageTabs {
		data.Tabs = append(data.Tabs, manageTab{Label: manageTabLabel(pr, t), URL: manageURL(m.Course.Handle, t), Current: t == m.Tab})
	}
	for _, ba := range m.Awards {
		data.AwardPages = append(data.AwardPages, awardLinks(c, pr, ba))
	}
	return s.render(c, "manage", pageData{Title: pr.T("%s · Organise %s", manageTabLabel(pr, m.Tab), m.Course.Title), Data: data})
}

// awardLinks are the links of a badge's page of awards on the Badges tab:
// linksAt's, naming the badge (?badge=) whose awards ?awards= pages.
func awardLinks(c *fiber.Ctx, p *i18n.Printer, ba service.BadgeAwards) pageLinks {
	l := linksAt(c, "awards", "badge-"+ba.Badge.ID, p.T("Awards of %s", ba.Badge.Name), ba.AwardsPrev, ba.AwardsNext)
	for _, u := range []*string{&l.Prev, &l.Next} {
		if *u != "" {
			path, rest, _ := strings.Cut(*u, "?")
			query, frag, _ := strings.Cut(rest, "#")
			q, _ := url.ParseQuery(query) // linksAt encoded it
			q.Set("badge", ba.Badge.ID)
			*u = path + "?" + q.Encode() + "#" + frag
		}
	}
	return l
}

// back returns to the tab of the organisers' page that holds the form,
// with a flash: the refusal's message when err is a domain error a person
// can act on, or done.
func (s *Server) back(c *fiber.Ctx, course string, tab service.ManageTab, err error, done string) error {
	return s.refused(c, manageURL(course, tab), err, done)
}

func (s *Server) editCourse(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	if previewing(c) {
		return s.previewSummary(c, s.cfg.Services.Courses.Preview, s.printer(c).T("Save"))
	}
	edited := *co
	if err := courseFromForm(c, &edited); err != nil {
		return s.courseFormAgain(c, p.Handle, &edited, true, err)
	}
	edited.Organisers = append(lines(strings.ReplaceAll(c.FormValue("organisers"), ",", "\n")), p.Handle)
	ctx, cancel := ctx(c)
	defer cancel()
	// As for a new course, any refusal a person can act on is the form's.
	if err := s.cfg.Services.Courses.Update(ctx, p.Handle, &edited); err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		return s.courseFormAgain(c, p.Handle, &edited, true, err)
	}
	return s.back(c, co.Handle, service.TabSettings, nil, s.printer(c).T("The settings are saved."))
}

func (s *Server) answerRequest(c *fiber.Ctx) error {
	_, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	actor := c.FormValue("actor")
	p := s.printer(c)
	done := p.T("The sign-up is approved.")
	if c.Params("answer") == "approve" {
		err = s.cfg.Services.Enrolment.Approve(ctx, co.Handle, actor)
	} else {
		err = s.cfg.Services.Enrolment.Decline(ctx, co.Handle, actor, c.FormValue("reason"))
		done = p.T("The sign-up is declined.")
	}
	return s.back(c, co.Handle, service.TabOverview, err, done)
}

func (s *Server) addTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	if previewing(c) {
		return s.previewTask(c)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	t := &domain.Task{Course: co.Handle, Title: c.FormValue("title"), Source: c.FormValue("body")}
	reviewFromForm(c, t)
	if err := s.cfg.Services.Tasks.Add(ctx, p.Handle, t); isFormError(err) {
		return s.taskFormAgain(c, &service.TaskForm{Course: co, Task: t, Text: t.Source}, true, err)
	} else if err != nil {
		return s.back(c, co.Handle, service.TabTasks, err, "")
	}
	return s.back(c, co.Handle, service.TabTasks, nil, s.printer(c).T("The task “%s” is added.", t.Title))
}

// taskForm is the task form's data: the read model, the message of a
// refused change, and New for a task not yet added (posted from the
// manage page's Tasks tab).
type taskForm struct {
	*service.TaskForm
	Err *formError
	New bool
}

// taskFormAgain shows the task form again with what was typed (f.Task) and
// why it was refused, 422.
func (s *Server) taskFormAgain(c *fiber.Ctx, f *service.TaskForm, isNew bool, refusal error) error {
	p := s.printer(c)
	title := p.T("Edit %s", f.Task.Title)
	if isNew {
		title = p.T("New task")
	}
	c.Status(formStatus(refusal))
	return s.render(c, "task_form", pageData{Title: title, Data: taskForm{TaskForm: f, Err: formErrorOf(refusal, "title", "body", "rubric"), New: isNew}})
}

func (s *Server) editTaskForm(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	f, err := s.cfg.Services.Tasks.Form(ctx, p.Handle, c.Params("handle"), c.Params("id"))
	if err != nil {
		return err
	}
	return s.render(c, "task_form", pageData{Title: s.printer(c).T("Edit %s", f.Task.Title), Data: taskForm{TaskForm: f}})
}

func (s *Server) editTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	if previewing(c) {
		// The edit form again, with what was typed and its preview.
		f, err := s.cfg.Services.Tasks.Form(ctx, p.Handle, co.Handle, c.Params("id"))
		if err != nil {
			return err
		}
		f.Task.Title, f.Text, f.Preview = c.FormValue("title"), c.FormValue("body"), s.cfg.Services.Tasks.Preview(c.FormValue("body"))
		return s.render(c, "task_form", pageData{Title: s.printer(c).T("Edit %s", f.Task.Title), Data: taskForm{TaskForm: f}})
	}
	t := &domain.Task{ID: c.Params("id"), Course: co.Handle, Title: c.FormValue("title"), Source: c.FormValue("body")}
	reviewFromForm(c, t)
	err = s.cfg.Services.Tasks.Edit(ctx, p.Handle, t)
	if isFormError(err) {
		f, ferr := s.cfg.Services.Tasks.Form(ctx, p.Handle, co.Handle, t.ID)
		if ferr != nil {
			return ferr
		}
		typed := *f.Task
		typed.Title, typed.PeerReview, typed.Rubric = t.Title, t.PeerReview, t.Rubric
		f.Task, f.Text = &typed, t.Source
		return s.taskFormAgain(c, f, false, err)
	}
	return s.back(c, co.Handle, service.TabTasks, err, s.printer(c).T("The task is saved; the version it replaces is kept."))
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
	return s.back(c, co.Handle, service.TabTasks, err, s.printer(c).T("The earlier version is restored."))
}

// moveTask moves a task one place up or down.
func (s *Server) moveTask(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course := c.Params("handle")
	ids, err := s.cfg.Services.Tasks.Order(ctx, p.Handle, course)
	if err != nil {
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
	return s.back(c, course, service.TabTasks, s.cfg.Services.Tasks.Reorder(ctx, p.Handle, course, ids), "")
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
	if b.Criteria == domain.CriteriaAttendance {
		// Not a number is no count: Validate refuses it on the field.
		b.Sessions, _ = strconv.Atoi(strings.TrimSpace(c.FormValue("sessions")))
	}
	if b.Criteria == domain.CriteriaReviewed {
		b.Approvals, _ = strconv.Atoi(strings.TrimSpace(c.FormValue("approvals")))
		if v := strings.TrimSpace(c.FormValue("min_rating")); v != "" {
			if b.MinRating, err = strconv.ParseFloat(v, 64); err != nil {
				b.MinRating = -1 // refused by Validate, on its field
			}
		}
	}
	if form, err := c.MultipartForm(); err == nil {
		b.Tasks = form.Value["tasks"]
	}
	if fh, err := c.FormFile("image"); err == nil && fh.Size > 0 {
		if fh.Size > badgepng.MaxUploadBytes {
			return s.badgeFormAgain(c, co, b, domain.Errorf(domain.EINVALID, "The badge image is too large (at most 256 KiB).").On("image"))
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
	if err := s.cfg.Services.Badges.Add(ctx, p.Handle, b); isFormError(err) {
		return s.badgeFormAgain(c, co, b, err)
	} else if err != nil {
		return s.back(c, co.Handle, service.TabBadges, err, "")
	}
	return s.back(c, co.Handle, service.TabBadges, nil, s.printer(c).T("The badge “%s” is created.", b.Name))
}

// badgeForm is the badge form's data, shown after a refused new badge
// (posted from the manage page's Badges tab): what was typed, the course's
// tasks to choose from, and why it was refused.
type badgeForm struct {
	Course *domain.Course
	Tasks  []*domain.Task
	Badge  *domain.Badge
	Err    *formError
}

// Chosen reports whether the task id was among the badge's chosen tasks.
func (f badgeForm) Chosen(id string) bool { return slices.Contains(f.Badge.Tasks, id) }

// badgeFormAgain shows the badge form again with what was typed (b) and
// why it was refused, 422. A file input cannot be filled in again: the
// form asks for the image once more.
func (s *Server) badgeFormAgain(c *fiber.Ctx, co *domain.Course, b *domain.Badge, refusal error) error {
	ctx, cancel := ctx(c)
	defer cancel()
	ts, err := s.cfg.Services.Tasks.List(ctx, co.Handle)
	if err != nil {
		return err
	}
	c.Status(formStatus(refusal))
	return s.render(c, "badge_form", pageData{Title: s.printer(c).T("New badge"), Data: badgeForm{Course: co, Tasks: ts, Badge: b,
		Err: formErrorOf(refusal, "name", "description", "criteria", "tasks", "votes", "sessions", "approvals", "min_rating", "image")}})
}

func (s *Server) awardBadge(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	_, err = s.cfg.Services.Badges.Award(ctx, p.Handle, c.Params("id"), c.FormValue("learner"))
	return s.back(c, co.Handle, service.TabBadges, err, s.printer(c).T("The badge is awarded."))
}

func (s *Server) pinPost(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabDiscussion, s.cfg.Services.Posts.Pin(ctx, p.Handle, c.FormValue("post"), c.FormValue("pinned") == "1"), "")
}

func (s *Server) removePost(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabDiscussion, s.cfg.Services.Posts.Remove(ctx, p.Handle, c.FormValue("post")), s.printer(c).T("The post is removed from the discussion."))
}

// revokeFromManage revokes an award from the organisers' Badges tab, with
// their reason, as the award's page does (Badges.Revoke checks that they
// organise its issuer), and returns to the tab.
func (s *Server) revokeFromManage(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabBadges, s.cfg.Services.Badges.Revoke(ctx, p.Handle, c.Params("id"), c.FormValue("reason")),
		s.printer(c).T("The award is revoked."))
}

func (s *Server) blockFromCourse(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabProgress, s.cfg.Services.Moderation.BlockFromCourse(ctx, p.Handle, co.Handle, c.FormValue("actor")),
		s.printer(c).T("They are blocked from this course."))
}
