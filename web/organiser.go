package web

import (
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
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

// courseForm is the course form's data: the read model, and the message
// of a refused change.
type courseForm struct {
	*service.CourseForm
	Error string
}

func (s *Server) newCourseForm(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	f, err := s.cfg.Services.Courses.NewCourseForm(ctx, p.Handle)
	if err != nil {
		return err
	}
	return s.render(c, "course_form", pageData{Title: "Start something new", Data: courseForm{CourseForm: f}})
}

func (s *Server) createCourse(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	co := &domain.Course{Handle: c.FormValue("handle"), Organisers: []string{p.Handle}}
	courseFromForm(c, co)
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Courses.Create(ctx, p.Handle, co); err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		f, ferr := s.cfg.Services.Courses.Form(ctx, p.Handle, co)
		if ferr != nil {
			return ferr
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "course_form", pageData{Title: "Start something new", Data: courseForm{CourseForm: f, Error: domain.ErrorMessage(err)}})
	}
	return c.Redirect("/courses/"+co.Handle+"/manage", fiber.StatusSeeOther)
}

// managePage is a tab of the organisers' page: the read model, its tab
// bar, the links of its paged lists and the message of a refused change
// (?error=).
type managePage struct {
	*service.ManagePage
	Error                              string
	Asked                              string // what became of asking a school (web/schools.go)
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

// manageTabLabels name the organisers' page's tabs.
var manageTabLabels = map[service.ManageTab]string{
	service.TabOverview: "Overview", service.TabProgress: "Progress", service.TabTasks: "Tasks",
	service.TabBadges: "Badges", service.TabDiscussion: "Discussion", service.TabSettings: "Settings",
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
	data := managePage{ManagePage: m, Error: c.Query("error"), Asked: c.Query("asked"),
		QueuePages:  linksAt(c, "queue", "queue", "Sign-up requests", m.QueuePrev, m.QueueNext),
		MemberPages: linksAt(c, "members", "progress", "Members", m.MembersPrev, m.MembersNext),
		PostPages:   linksAt(c, "posts", "discussion", "Discussion", m.PostsPrev, m.PostsNext)}
	for _, t := range service.ManageTabs {
		data.Tabs = append(data.Tabs, manageTab{Label: manageTabLabels[t], URL: manageURL(m.Course.Handle, t), Current: t == m.Tab})
	}
	for _, ba := range m.Awards {
		data.AwardPages = append(data.AwardPages, awardLinks(c, ba))
	}
	return s.render(c, "manage", pageData{Title: manageTabLabels[m.Tab] + " · Organise " + m.Course.Title, Data: data})
}

// awardLinks are the links of a badge's page of awards on the Badges tab:
// linksAt's, naming the badge (?badge=) whose awards ?awards= pages.
func awardLinks(c *fiber.Ctx, ba service.BadgeAwards) pageLinks {
	l := linksAt(c, "awards", "badge-"+ba.Badge.ID, "Awards of "+ba.Badge.Name, ba.AwardsPrev, ba.AwardsNext)
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

// back returns to a tab of the organisers' page, with an error message
// when err is a domain error a person can act on.
func (s *Server) back(c *fiber.Ctx, course string, tab service.ManageTab, err error) error {
	to := manageURL(course, tab)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		return c.Redirect(to+"?error="+urlQuery(domain.ErrorMessage(err)), fiber.StatusSeeOther)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
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
	return s.back(c, co.Handle, service.TabSettings, s.cfg.Services.Courses.Update(ctx, p.Handle, &edited))
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
	return s.back(c, co.Handle, service.TabOverview, err)
}

func (s *Server) addTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	t := &domain.Task{Course: co.Handle, Title: c.FormValue("title"), Body: c.FormValue("body")}
	return s.back(c, co.Handle, service.TabTasks, s.cfg.Services.Tasks.Add(ctx, p.Handle, t))
}

func (s *Server) editTaskForm(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	f, err := s.cfg.Services.Tasks.Form(ctx, p.Handle, c.Params("handle"), c.Params("id"))
	if err != nil {
		return err
	}
	return s.render(c, "task_form", pageData{Title: "Edit " + f.Task.Title, Data: f})
}

func (s *Server) editTask(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	t := &domain.Task{ID: c.Params("id"), Course: co.Handle, Title: c.FormValue("title"), Body: c.FormValue("body")}
	return s.back(c, co.Handle, service.TabTasks, s.cfg.Services.Tasks.Edit(ctx, p.Handle, t))
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
	return s.back(c, co.Handle, service.TabTasks, err)
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
	return s.back(c, course, service.TabTasks, s.cfg.Services.Tasks.Reorder(ctx, p.Handle, course, ids))
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
			return s.back(c, co.Handle, service.TabBadges, domain.Errorf(domain.EINVALID, "The badge image is too large (at most 256 KiB)."))
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
		return s.back(c, co.Handle, service.TabBadges, err)
	}
	return s.back(c, co.Handle, service.TabBadges, nil)
}

func (s *Server) awardBadge(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	_, err = s.cfg.Services.Badges.Award(ctx, p.Handle, c.Params("id"), c.FormValue("learner"))
	return s.back(c, co.Handle, service.TabBadges, err)
}

func (s *Server) pinPost(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabDiscussion, s.cfg.Services.Posts.Pin(ctx, p.Handle, c.FormValue("post"), c.FormValue("pinned") == "1"))
}

func (s *Server) removePost(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabDiscussion, s.cfg.Services.Posts.Remove(ctx, p.Handle, c.FormValue("post")))
}

func urlQuery(s string) string { return url.QueryEscape(s) }

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
	return s.back(c, co.Handle, service.TabBadges, s.cfg.Services.Badges.Revoke(ctx, p.Handle, c.Params("id"), c.FormValue("reason")))
}

func (s *Server) blockFromCourse(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	return s.back(c, co.Handle, service.TabProgress, s.cfg.Services.Moderation.BlockFromCourse(ctx, p.Handle, co.Handle, c.FormValue("actor")))
}
