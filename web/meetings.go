package web

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/service"
)

// A course's meetings (service.Meetings): the list on the course page and
// on the page of a course on another server, each meeting's page (its
// Event to ActivityPub clients), the organisers' forms to plan, change,
// skip, call off and take the attendance of a meeting, and the Going /
// Maybe / Can't answers of those who take part.

// sessionParam is how a session's start is written in a form or a link:
// UTC, to the minute.
const sessionParam = "2006-01-02T15:04Z"

// meetingFields are the inputs of the meeting form.
var meetingFields = []string{"title", "start", "timezone", "minutes", "repeat", "count", "place", "agenda", "notes", "reminder", "remind"}

// reminderChoices are the reminder leads the form offers, in minutes.
var reminderChoices = []int{0, 60, 180, 1440, 2880, 10080}

// when writes a session's start for a reader: in the meeting's own zone
// and, when the reader's clock says otherwise, in theirs too.
type when struct {
	p      *i18n.Printer
	reader *time.Location
}

// at is start in the zone named zone ("" is UTC), and in the reader's
// zone when that shows another time ("" then).
func (w when) at(start time.Time, zone string) (there, yours string) {
	loc, err := domain.LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	there = w.p.Date(start, loc)
	_, a := start.In(loc).Zone()
	if _, b := start.In(w.reader).Zone(); a != b {
		yours = w.p.Date(start, w.reader)
	}
	return there, yours
}

// when is the writer of session times for this request's reader.
func (s *Server) when(c *fiber.Ctx) when {
	_, loc := s.reader(c)
	return when{p: s.printer(c), reader: loc}
}

// meetingItem is a meeting as a list shows it, its next session written
// for the reader.
type meetingItem struct {
	service.MeetingSummary
	NextAt, NextYours string
}

// courseMeetings is the course page's meetings section.
type courseMeetings struct {
	*service.CourseMeetings
	Items []meetingItem
}

// courseMeetings reads the meetings of a course's page for the viewer.
func (s *Server) courseMeetings(c *fiber.Ctx, ctx context.Context, course string) (*courseMeetings, error) {
	cm, err := s.cfg.Services.Meetings.OfCourse(ctx, s.viewerHandle(c), course)
	if err != nil {
		return nil, err
	}
	w := s.when(c)
	out := &courseMeetings{CourseMeetings: cm}
	for _, m := range cm.Meetings {
		it := meetingItem{MeetingSummary: m}
		if m.Next != nil {
			it.NextAt, it.NextYours = w.at(m.Next.Start, m.Meeting.Timezone)
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// remoteMeetingItem is a meeting of a course on another server as its
// page here lists it.
type remoteMeetingItem struct {
	service.RemoteMeetingSummary
	NextAt, NextYours string
}

// remoteMeetings is the meetings section of a course on another server.
type remoteMeetings struct {
	*service.RemoteCourseMeetings
	Items []remoteMeetingItem
}

// remoteMeetings reads the meetings of a remote course's page for the
// viewer.
func (s *Server) remoteMeetings(c *fiber.Ctx, ctx context.Context, viewer, course string) (*remoteMeetings, error) {
	rm, err := s.cfg.Services.Meetings.OfRemoteCourse(ctx, viewer, course)
	if err != nil {
		return nil, err
	}
	w := s.when(c)
	out := &remoteMeetings{RemoteCourseMeetings: rm}
	for _, m := range rm.Meetings {
		it := remoteMeetingItem{RemoteMeetingSummary: m}
		if m.Next != nil {
			it.NextAt, it.NextYours = w.at(m.Next.Start, m.Meeting.Timezone)
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// sessionItem is one session on a meeting's page.
type sessionItem struct {
	service.SessionView
	At, Yours string
	Key       string // its start as sessionParam writes it
}

// meetingPage is a meeting's page: the read model with its times written
// for the reader.
type meetingPage struct {
	*service.MeetingPage
	NextAt, NextYours string
	Items             []sessionItem
	Marking           *sessionItem
	// PlaceLink is set when the place is a link (an online meeting).
	PlaceLink bool
}

// meetingActivity serves the Create of a meeting's Event, the id the
// course's outbox lists it by, to whoever may read the Event.
func (s *Server) meetingActivity(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	doc, err := s.cfg.Services.Meetings.CreateActivity(ctx, c.Params("handle"), c.Params("id"))
	if err != nil {
		return err
	}
	return sendActivity(c, doc)
}

// meeting serves a meeting: its Event to ActivityPub clients, its page to
// people (?session= names the session whose attendance the organisers'
// form marks).
func (s *Server) meeting(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	handle, id := c.Params("handle"), c.Params("id")
	c.Vary(fiber.HeaderAccept)
	if wantsActivity(c) {
		doc, err := s.cfg.Services.Meetings.Event(ctx, handle, id)
		if err != nil {
			return err
		}
		return sendActivity(c, doc)
	}
	var session time.Time
	if q := c.Query("session"); q != "" {
		session, _ = time.Parse(sessionParam, q) // a start that is no session marks the last one
	}
	p, err := s.cfg.Services.Meetings.Page(ctx, s.viewerHandle(c), handle, id, session)
	if err != nil {
		return err
	}
	w := s.when(c)
	data := meetingPage{MeetingPage: p, PlaceLink: federation.IsLink(p.Meeting.Place)}
	if p.Next != nil {
		data.NextAt, data.NextYours = w.at(p.Next.Start, p.Meeting.Timezone)
	}
	for _, sv := range p.Sessions {
		it := sessionItem{SessionView: sv, Key: sv.Start.UTC().Format(sessionParam)}
		it.At, it.Yours = w.at(sv.Start, p.Meeting.Timezone)
		data.Items = append(data.Items, it)
		if p.Marking != nil && sv.Start.Equal(p.Marking.Start) {
			m := it
			data.Marking = &m
		}
	}
	alternate := "" // a draft's meeting has no Event yet
	if p.Course.Federates() {
		alternate = p.Event
	}
	return s.render(c, "meeting", pageData{Title: p.Meeting.Title, Data: data, ActorURL: alternate})
}

// meetingURL is the path of a meeting's page.
func meetingURL(course, id string) string { return "/courses/" + course + "/meetings/" + id }

// meetingForm is the meeting form's data: the course, what the form
// holds, the reminder choices, the refusal of what was sent, and the
// meeting when it is an edit (nil for a new one).
type meetingForm struct {
	Course   *domain.Course
	Meeting  *domain.Meeting
	In       service.MeetingInput
	Err      *formError
	Zones    []string
	Reminder []reminderChoice
}

// reminderChoice is an option of the reminder select.
type reminderChoice struct {
	Minutes  int
	Label    string
	Selected bool
}

// renderMeetingForm shows the meeting form with in, and why it was
// refused (nil for none: 200).
func (s *Server) renderMeetingForm(c *fiber.Ctx, co *domain.Course, m *domain.Meeting, in service.MeetingInput, refusal error) error {
	p := s.printer(c)
	f := meetingForm{Course: co, Meeting: m, In: in, Err: formErrorOf(refusal, meetingFields...), Zones: zoneSuggestions}
	lead := int(in.ReminderLead / time.Minute)
	for _, mins := range reminderChoices {
		f.Reminder = append(f.Reminder, reminderChoice{Minutes: mins, Label: reminderLabel(p, mins), Selected: mins == lead})
	}
	title := p.T("New meeting")
	if m != nil {
		title = p.T("Edit %s", m.Title)
	}
	if refusal != nil {
		c.Status(formStatus(refusal))
	}
	return s.render(c, "meeting_form", pageData{Title: title, Data: f})
}

// reminderLabel names a reminder lead of the form in p's language.
func reminderLabel(p *i18n.Printer, minutes int) string {
	switch {
	case minutes == 0:
		return p.T("No reminder")
	case minutes == 10080:
		return p.T("A week before")
	case minutes%1440 == 0:
		return p.N(minutes/1440, "%d day before", "%d days before")
	}
	return p.N(minutes/60, "%d hour before", "%d hours before")
}

// meetingInput reads the meeting form. A number that is not one is
// passed on as one the service refuses, beside its field.
func meetingInput(c *fiber.Ctx) service.MeetingInput {
	atoi := func(name string) int {
		n, err := strconv.Atoi(c.FormValue(name))
		if err != nil {
			return -1
		}
		return n
	}
	in := service.MeetingInput{Title: c.FormValue("title"), Agenda: c.FormValue("agenda"), Notes: c.FormValue("notes"),
		Place: c.FormValue("place"), Timezone: c.FormValue("timezone"), Start: c.FormValue("start"),
		Minutes: atoi("minutes"), Repeat: domain.Repeat(c.FormValue("repeat")), Count: atoi("count"),
		RemindAll: c.FormValue("remind") == "all"}
	if mins := atoi("reminder"); mins >= 0 {
		in.ReminderLead = time.Duration(mins) * time.Minute
	} else {
		in.ReminderLead = -1
	}
	if in.Repeat == domain.RepeatOnce && in.Count < 1 {
		in.Count = 1 // a one-off meeting's count field is not read
	}
	return in
}

// newMeetingForm is the form to plan a meeting: a one-off hour-long
// session in the organiser's time zone, a week from now.
func (s *Server) newMeetingForm(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	zone := p.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	_, loc := s.reader(c)
	start := time.Now().In(loc).AddDate(0, 0, 7).Truncate(time.Hour)
	return s.renderMeetingForm(c, co, nil, service.MeetingInput{Timezone: zone, Start: start.Format("2006-01-02T15:04"),
		Minutes: 60, Count: 1}, nil)
}

func (s *Server) createMeeting(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	in := meetingInput(c)
	m, err := s.cfg.Services.Meetings.Create(ctx, p.Handle, co.Handle, in)
	if isFormError(err) {
		return s.renderMeetingForm(c, co, nil, in, err)
	} else if err != nil {
		return err
	}
	return s.notice(c, meetingURL(co.Handle, m.ID), s.printer(c).T("The meeting “%s” is planned.", m.Title))
}

func (s *Server) editMeetingForm(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	f, err := s.cfg.Services.Meetings.Form(ctx, p.Handle, c.Params("handle"), c.Params("id"))
	if err != nil {
		return err
	}
	return s.renderMeetingForm(c, f.Course, f.Meeting, f.Input, nil)
}

func (s *Server) editMeeting(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course, id := c.Params("handle"), c.Params("id")
	f, err := s.cfg.Services.Meetings.Form(ctx, p.Handle, course, id)
	if err != nil {
		return err
	}
	in := meetingInput(c)
	m, err := s.cfg.Services.Meetings.Edit(ctx, p.Handle, course, id, in)
	if isFormError(err) {
		return s.renderMeetingForm(c, f.Course, f.Meeting, in, err)
	} else if err != nil {
		return err
	}
	return s.notice(c, meetingURL(course, id), s.printer(c).T("The meeting “%s” is saved.", m.Title))
}

// sessionStart reads a session's start from a form; a value that is none
// is the zero time, which is no session of any meeting.
func sessionStart(c *fiber.Ctx) time.Time {
	t, _ := time.Parse(sessionParam, c.FormValue("start"))
	return t
}

// skipSession calls off (skip=1) or puts back one session.
func (s *Server) skipSession(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course, id := c.Params("handle"), c.Params("id")
	skip := c.FormValue("skip") == "1"
	_, err := s.cfg.Services.Meetings.Skip(ctx, p.Handle, course, id, sessionStart(c), skip)
	pr := s.printer(c)
	done := pr.T("The session is back on.")
	if skip {
		done = pr.T("The session is skipped: it will not take place.")
	}
	return s.actionDone(c, meetingURL(course, id), err, done)
}

// cancelMeeting calls the whole meeting off (cancel=1) or puts it back on.
func (s *Server) cancelMeeting(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course, id := c.Params("handle"), c.Params("id")
	off := c.FormValue("cancel") == "1"
	_, err := s.cfg.Services.Meetings.Cancel(ctx, p.Handle, course, id, off)
	pr := s.printer(c)
	done := pr.T("The meeting is back on.")
	if off {
		done = pr.T("The meeting is called off.")
	}
	return s.actionDone(c, meetingURL(course, id), err, done)
}

// markAttendance records who came to one session.
func (s *Server) markAttendance(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course, id := c.Params("handle"), c.Params("id")
	var came []string
	for _, v := range c.Request().PostArgs().PeekMulti("came") {
		came = append(came, string(v))
	}
	start := sessionStart(c)
	err := s.cfg.Services.Meetings.MarkAttendance(ctx, p.Handle, course, id, start, came)
	next := meetingURL(course, id) + "?session=" + url.QueryEscape(start.UTC().Format(sessionParam)) + "#attendance"
	return s.actionDone(c, next, err, s.printer(c).N(len(came), "%d person is marked as having come.", "%d people are marked as having come."))
}

// actionDone answers a form of a meeting's page: the refusal a person can
// act on as a flash error there (others to the error handler), or done.
func (s *Server) actionDone(c *fiber.Ctx, next string, err error, done string) error {
	if err != nil {
		return s.actionRefused(c, next, err)
	}
	return s.notice(c, next, done)
}

// answerWord is an answer as the pages say it.
func answerWord(p *i18n.Printer, a domain.RSVPAnswer) string {
	switch a {
	case domain.RSVPGoing:
		return p.T("Going")
	case domain.RSVPMaybe:
		return p.T("Maybe")
	}
	return p.T("Can't")
}

// formAnswer reads the answer buttons' value.
func formAnswer(c *fiber.Ctx) (domain.RSVPAnswer, error) {
	a, ok := domain.ParseRSVP(c.FormValue("answer"))
	if !ok {
		return "", domain.Errorf(domain.EINVALID, "Answer going, maybe or no.")
	}
	return a, nil
}

// answerMeeting keeps the viewer's answer to a meeting of this node, and
// returns to the page it was given on (back=course: the course page).
func (s *Server) answerMeeting(c *fiber.Ctx) error {
	course, id := c.Params("handle"), c.Params("id")
	next := meetingURL(course, id)
	if c.FormValue("back") == "course" {
		next = "/courses/" + course + "#meetings"
	}
	return s.answerTo(c, next, federation.MeetingURL(s.urls, course, id))
}

// remoteAnswer sends the viewer's answer to a meeting of a course on
// another server, and returns to that course's page here.
func (s *Server) remoteAnswer(c *fiber.Ctx) error {
	return s.answerTo(c, "/remote?id="+url.QueryEscape(c.FormValue("target"))+"#meetings", c.FormValue("event"))
}

// answerTo keeps the viewer's answer to the Event event, and goes to next.
func (s *Server) answerTo(c *fiber.Ctx, next, event string) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	a, err := formAnswer(c)
	if err == nil {
		err = s.cfg.Services.Meetings.Answer(ctx, p.Handle, event, a)
	}
	pr := s.printer(c)
	return s.actionDone(c, next, err, pr.T("Your answer is saved: %s.", answerWord(pr, a)))
}
