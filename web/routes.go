package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/lernejo/lernejo/domain"
)

// routes registers every route of the node in one place, each with its
// guard: loggedIn (a person with an account) or operator (an admin); a
// route with neither is open to anyone, and what it shows or changes is
// still decided by the service it calls.
func (s *Server) routes() {
	a := s.App
	// People first: while a page is being made, the inbox's work waits.
	a.Use(s.foreground)
	// Before anything can read a body: no compressed ones (HOSTILE P1).
	a.Use(refuseEncodedBodies)
	a.Use(recover.New())
	// Overload: a bounded number of requests in flight, then 503 (P11).
	a.Use(s.limitInFlight(512))
	a.Use(s.observeRequests)
	a.Use(securityHeaders)
	a.Use(s.limitPerIP)
	a.Use(s.refuseWorkWhenDiskLow)
	// Accounts: who is asking, then CSRF on every unsafe method but the inboxes (HOSTILE W1).
	a.Use(s.loadViewer)
	a.Use(s.checkCSRF)

	// Health and metrics (metrics only for the configured networks)
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.healthz)
	a.Get("/metrics", s.metricsHandler())

	// Discovery
	a.Get("/.well-known/webfinger", s.webfinger)
	a.Get("/.well-known/host-meta", s.hostMeta)
	a.Get("/.well-known/nodeinfo", s.nodeinfoWellKnown)
	a.Get("/nodeinfo/2.1", s.nodeinfo)

	// Inboxes: shared, per actor (HOSTILE P1: 1 MiB cap checked by inbox)
	a.Post("/inbox", s.postInbox)
	a.Post("/actor/inbox", s.postInbox)
	for _, kind := range []string{"people", "courses", "schools", "users"} {
		a.Post("/"+kind+"/:handle/inbox", s.postInbox)
	}
	a.Get("/activities/:id", s.activity)
	a.Get("/posts/:id", s.post)
	a.Get("/posts/:id/activity", s.activity)
	a.Get("/notes/:id", s.note)
	a.Get("/notes/:id/activity", s.activity)
	a.Get("/posts/:id/replies", s.postReplies)
	a.Get("/threads/:id", s.thread)
	a.Get("/tags/:tag", s.tag)

	// The node's Application actor
	a.Get("/actor", s.instanceActor)
	a.Get("/actor/:collection<regex(^(inbox|outbox|followers|following)$)>", s.instanceCollection)
	a.Get("/actor/featured", s.instanceFeatured)

	// Local actors: one URL each, HTML or JSON-LD by Accept
	for _, kind := range []string{"people", "courses", "schools"} {
		a.Get("/"+kind+"/:handle/icon.png", s.actorIcon(kind))
		a.Get("/"+kind+"/:handle", s.actor(kind))
		a.Get("/"+kind+"/:handle/:collection<regex(^(inbox|outbox|followers|following)$)>", s.actorCollection(kind))
	}

	// FEP-4ccd: open to anyone, as followers are, because they show only
	// their size; the members are for the organisers' manage page.
	a.Get("/courses/:handle/pendingFollowers", s.pendingCollection(domain.ActorCourse, "pendingFollowers"))
	a.Get("/people/:handle/pendingFollowing", s.pendingCollection(domain.ActorPerson, "pendingFollowing"))

	a.Get("/courses/:handle/featured", s.featured)
	a.Get("/schools/:handle/courses", s.schoolCourses)
	a.Get("/courses/:handle/feed.atom", s.feed)
	a.Get("/courses/:handle/meetings.ics", s.meetings)
	// A person's sessions, for calendar apps, which cannot log in: the
	// secret key in ?key= is the person's (web/calendar.go).
	a.Get("/people/:handle/calendar.ics", s.personCalendar)
	a.Get("/courses/:handle/tasks", s.tasks)
	a.Get("/courses/:handle/tasks/:id", s.task)
	a.Get("/courses/:handle/tasks/:id/completions", s.taskCompletions)
	a.Get("/courses/:handle/badges", s.courseBadges) // web/badges.go
	// A meeting: its page, or its Event by Accept, and the Create of its
	// Event (web/meetings.go). The organisers' form to plan one comes
	// first, as "new" is no meeting's id.
	a.Get("/courses/:handle/meetings/new", s.loggedIn, s.newMeetingForm)
	a.Get("/courses/:handle/meetings/:id", s.meeting)
	a.Get("/courses/:handle/meetings/:id/activity", s.meetingActivity)

	// Open Badges 2.0, hosted verification
	a.Get("/issuers/:handle", s.issuer)
	a.Get("/badges/:id", s.badgeClass)
	a.Get("/badges/:id/image.png", s.badgeImage)
	a.Get("/awards/:id", s.award)
	a.Get("/awards/:id/badge.png", s.bakedBadge)
	a.Get("/completions/:id", s.completion)

	// Pages anyone may read
	a.Get("/", s.home)
	a.Get("/about", s.about)
	a.Get("/static/*", s.static)
	// Pictures people uploaded and remote avatars, by hash (web/profiles.go).
	a.Get("/images/:name", s.image)
	// Open to visitors; a search needs a log-in (it fetches from other servers).
	a.Get("/lookup", s.lookup)

	// Accounts
	a.Get("/login", s.getLogin)
	a.Post("/login", s.postLogin)
	a.Post("/logout", s.postLogout)
	a.Get("/signup", s.getSignup)
	a.Post("/signup", s.postSignup)
	a.Get("/settings/password", s.loggedIn, s.getPassword)
	a.Post("/settings/password", s.loggedIn, s.postPassword)
	a.Get("/settings/language", s.loggedIn, s.getReading)
	a.Post("/settings/language", s.loggedIn, s.postReading)
	a.Get("/settings/calendar", s.loggedIn, s.getCalendarSettings)
	a.Post("/settings/calendar", s.loggedIn, s.postCalendarSettings)
	a.Get("/settings/delete", s.loggedIn, s.getDeleteAccount)
	a.Post("/settings/delete", s.loggedIn, s.postDeleteAccount)
	// Their profile: name, bio, avatar and header (web/profiles.go).
	a.Get("/settings/profile", s.loggedIn, s.getProfile)
	a.Post("/settings/profile", s.loggedIn, s.postProfile)
	// Email (web/mail.go): a person's address and the mail they opt in to;
	// the mailed links that confirm an address (anyone holding the link)
	// and reset a forgotten password (only when the node sends mail).
	a.Get("/settings/email", s.loggedIn, s.getMailSettings)
	a.Post("/settings/email", s.loggedIn, s.postMailSettings)
	a.Get("/email/confirm/:token", s.getConfirmMail)
	a.Post("/email/confirm/:token", s.postConfirmMail)
	a.Get("/password/forgot", s.mailEnabled, s.getForgot)
	a.Post("/password/forgot", s.mailEnabled, s.postForgot)
	a.Get("/password/reset/:token", s.mailEnabled, s.getReset)
	a.Post("/password/reset/:token", s.mailEnabled, s.postReset)

	// A person's own pages: what they learn and organise, what they are told.
	a.Get("/learning", s.loggedIn, s.myLearning)         // web/mylearning.go
	a.Get("/notifications", s.loggedIn, s.notifications) // web/mylearning.go

	// Learners: join and leave, post and reply, mark tasks done, do them
	// again or restart a self-paced course, here and on courses of other
	// servers. Who may do each to a course
	// (enrolled, not blocked, sign-up open…) the services decide.
	a.Post("/courses/:handle/join", s.loggedIn, s.joinCourse)
	a.Post("/courses/:handle/leave", s.loggedIn, s.leaveCourse)
	a.Post("/courses/:handle/posts", s.loggedIn, s.newPost)
	a.Post("/courses/:handle/tasks/:id/done", s.loggedIn, s.markDone)
	a.Post("/courses/:handle/tasks/:id/redo", s.loggedIn, s.redoTask)
	a.Post("/courses/:handle/restart", s.loggedIn, s.restartCourse)
	a.Post("/lookup/join", s.loggedIn, s.joinRemote)
	a.Get("/remote", s.loggedIn, s.remoteCourse)
	a.Post("/remote/post", s.loggedIn, s.remotePost)
	a.Post("/remote/done", s.loggedIn, s.remoteDone)
	a.Post("/remote/restart", s.loggedIn, s.remoteRestart)
	a.Post("/remote/leave", s.loggedIn, s.remoteLeave)
	// Their own posts (edit, delete) and anyone's (report): the services
	// decide whose, and report to the organisers and the operator.
	a.Post("/courses/:handle/posts/edit", s.loggedIn, s.editPost)
	a.Post("/courses/:handle/posts/delete", s.loggedIn, s.deletePost)
	a.Post("/courses/:handle/posts/report", s.loggedIn, s.reportPost)
	// Votes for a fellow learner's peer-awarded badge (web/badges.go).
	a.Post("/courses/:handle/badges/:id/vote", s.loggedIn, s.voteBadge)
	// Reviews of a fellow learner's work (web/reviews.go).
	a.Post("/courses/:handle/tasks/:id/reviews", s.loggedIn, s.reviewWork)
	a.Post("/remote/vote", s.loggedIn, s.remoteVote)
	a.Post("/remote/review", s.loggedIn, s.remoteReview)
	// Going / Maybe / Can't to a meeting, here and on a course of another
	// server (web/meetings.go): Meetings.Answer checks who takes part.
	a.Post("/courses/:handle/meetings/:id/answer", s.loggedIn, s.answerMeeting)
	a.Post("/remote/answer", s.loggedIn, s.remoteAnswer)

	// Organisers: a logged-in person, and each handler's course must be one
	// they organise (s.organised, Courses.Organised), or the course is new.
	a.Get("/new/course", s.loggedIn, s.newCourseForm)
	a.Post("/new/course", s.loggedIn, s.createCourse)
	a.Get("/courses/:handle/manage", s.loggedIn, s.manageCourse)
	a.Get("/courses/:handle/manage/:tab", s.loggedIn, s.manageCourse)
	a.Post("/courses/:handle/edit", s.loggedIn, s.editCourse)
	a.Post("/courses/:handle/image", s.loggedIn, s.courseImage)     // web/profiles.go
	a.Post("/courses/:handle/publish", s.loggedIn, s.publishCourse) // a draft opens (web/organiser.go)
	a.Post("/courses/:handle/run-again", s.loggedIn, s.runAgain)    // the next run (web/reruns.go)
	a.Post("/courses/:handle/queue/:answer<regex(^(approve|decline)$)>", s.loggedIn, s.answerRequest)
	a.Post("/courses/:handle/tasks", s.loggedIn, s.addTask)
	a.Get("/courses/:handle/tasks/:id/edit", s.loggedIn, s.editTaskForm)
	a.Post("/courses/:handle/tasks/:id/edit", s.loggedIn, s.editTask)
	a.Post("/courses/:handle/tasks/:id/move", s.loggedIn, s.moveTask)
	a.Post("/courses/:handle/tasks/:id/restore", s.loggedIn, s.restoreTask)
	a.Post("/courses/:handle/badges", s.loggedIn, s.addBadge)
	a.Post("/courses/:handle/badges/:id/award", s.loggedIn, s.awardBadge)
	a.Post("/awards/:id/revoke", s.loggedIn, s.revokeAward)
	a.Post("/courses/:handle/manage/badges/awards/:id/revoke", s.loggedIn, s.revokeFromManage)
	// Comments on a learner's submitted work (web/badges.go).
	a.Post("/courses/:handle/tasks/:id/comments", s.loggedIn, s.commentWork)
	a.Post("/courses/:handle/posts/pin", s.loggedIn, s.pinPost)
	a.Post("/courses/:handle/posts/remove", s.loggedIn, s.removePost)
	a.Post("/courses/:handle/block", s.loggedIn, s.blockFromCourse)
	// Meetings (web/meetings.go): plan, edit, skip or put back a session,
	// call off or put back the meeting, mark who came to a session.
	a.Post("/courses/:handle/meetings", s.loggedIn, s.createMeeting)
	a.Get("/courses/:handle/meetings/:id/edit", s.loggedIn, s.editMeetingForm)
	a.Post("/courses/:handle/meetings/:id/edit", s.loggedIn, s.editMeeting)
	a.Post("/courses/:handle/meetings/:id/skip", s.loggedIn, s.skipSession)
	a.Post("/courses/:handle/meetings/:id/cancel", s.loggedIn, s.cancelMeeting)
	a.Post("/courses/:handle/meetings/:id/attendance", s.loggedIn, s.markAttendance)
	// Schools (web/schools.go): a course's organiser asks for it to join
	// one; the school's organisers edit its profile and answer the courses
	// asking (Schools.Ask, Edit and Decide check who).
	a.Post("/courses/:handle/school", s.loggedIn, s.askSchool)
	a.Post("/schools/:handle/edit", s.loggedIn, s.editSchool)
	a.Post("/schools/:handle/image", s.loggedIn, s.schoolImage) // web/profiles.go
	a.Post("/schools/:handle/queue/:answer<regex(^(accept|decline)$)>", s.loggedIn, s.answerAsk)

	// The operator: admin accounts only. The node's name and words,
	// registration, domain blocks and the reports other servers sent.
	a.Get("/admin/settings", s.operator, s.adminSettings)
	a.Post("/admin/settings", s.operator, s.saveSettings)
	a.Post("/admin/blocks", s.operator, s.blockDomain)
	a.Post("/admin/blocks/remove", s.operator, s.unblockDomain)
	a.Post("/admin/reports/resolve", s.operator, s.resolveReport)
	// The node's accounts: suspend and unsuspend.
	a.Get("/admin/users", s.operator, s.adminUsers)
	a.Post("/admin/users/suspend", s.operator, s.suspendUser)
	a.Post("/admin/users/unsuspend", s.operator, s.unsuspendUser)
	// The node's schools: create, edit (naming organisers) and retire.
	a.Get("/admin/schools", s.operator, s.adminSchools)
	a.Post("/admin/schools", s.operator, s.createSchool)
	a.Post("/admin/schools/:handle/edit", s.operator, s.editSchoolAsOperator)
	a.Post("/admin/schools/:handle/retire", s.operator, s.retireSchool)
}

// loggedIn is the guard of the routes for people with an account: a
// visitor is sent to log in (a page) or refused with 401 (a form). Behind
// it, s.viewer(c) is the person.
func (s *Server) loggedIn(c *fiber.Ctx) error {
	if _, err := s.requireLogin(c); err != nil {
		return err
	}
	return c.Next()
}

// operator is the guard of the operator's routes: a logged-in admin.
func (s *Server) operator(c *fiber.Ctx) error {
	p, err := s.requireLogin(c)
	if err != nil {
		return err
	}
	if !p.Admin {
		return domain.Errorf(domain.EFORBIDDEN, "Only the node's operators can change its settings.")
	}
	return c.Next()
}

// securityHeaders sets headers every response carries. The CSP is the last
// line of defence against a sanitiser miss (HOSTILE H8).
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	return c.Next()
}

// healthz answers 200 "ok" when the node is ready for work, and 503 with the
// reason when it is not: starting, or short of disk space.
func (s *Server) healthz(c *fiber.Ctx) error {
	if s.cfg.Ready != nil && !s.cfg.Ready() {
		return c.Status(fiber.StatusServiceUnavailable).SendString("starting\n")
	}
	if reason := s.space().Reason(); reason != "" {
		return c.Status(fiber.StatusServiceUnavailable).SendString(reason + "\n")
	}
	return c.SendString("ok\n")
}
