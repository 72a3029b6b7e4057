package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/lernejo/lernejo/domain"
)

// The read models of the course pages: the course's own page, the
// organisers' page and the form to start or edit a course. Each is read in
// one transaction, a page of each list at a time.

// CoursePageQuery names the pages of the course page's lists: cursors of
// the discussion (?posts=) and of the participants (?people=), "" for the
// first.
type CoursePageQuery struct {
	Posts, People string
}

// CoursePage is what a course's page shows to one viewer.
type CoursePage struct {
	Course *domain.Course
	Tasks  []*domain.Task
	Badges []*domain.Badge
	// Threads are a page of the discussion; PostsPrev and PostsNext the
	// cursors of its neighbouring pages ("" at an end).
	Threads              []PostView
	PostsPrev, PostsNext string
	// Participants name a page of the accepted members, of
	// ParticipantCount; PeoplePrev and PeopleNext are its neighbours.
	Participants []string
	// People are the same page of members with their actor ids, whom a
	// learner may vote for (peer-awarded badges).
	People                 []Member
	ParticipantCount       int
	PeoplePrev, PeopleNext string
	// Done holds the ids of the tasks the viewer did; DoneCount is how
	// many of Tasks they are.
	Done      map[string]bool
	DoneCount int
	// Earlier are the attempts the viewer set aside by doing tasks again
	// or restarting the course (restart.go), in the order they were.
	Earlier []*domain.PastCompletion
	// Enrolment is the state of the viewer's enrolment ("" for none).
	Enrolment string
	// Organiser is set when the viewer organises the course.
	Organiser bool
}

// Page is a course's page as viewer (a local handle, "" for a visitor)
// sees it. A course that does not federate (a draft) is not found: drafts
// have no page yet, not even for their organisers, who reach them through
// Manage.
func (s *Courses) Page(ctx context.Context, viewer, handle string, q CoursePageQuery) (*CoursePage, error) {
	var out *CoursePage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		co, err := visibleCourse(tx, handle)
		if err != nil {
			return err
		}
		p := &CoursePage{Course: co, Done: map[string]bool{}}
		if p.Tasks, err = tx.Tasks(co.Handle); err != nil {
			return err
		}
		if p.Badges, err = tx.Badges(co.Handle); err != nil {
			return err
		}
		d, err := s.discussion(tx, viewer, co.Handle, q.Posts)
		if err != nil {
			return err
		}
		p.Threads, p.PostsPrev, p.PostsNext = d.Threads, d.Prev, d.Next
		people, err := tx.FollowersPage(co.Handle, domain.FollowAccepted, q.People, peoplePerPage)
		if err != nil {
			return err
		}
		for _, f := range people.Items {
			name, _, err := s.authorOf(tx, f.Actor)
			if err != nil {
				return err
			}
			p.Participants = append(p.Participants, name)
			p.People = append(p.People, Member{Name: name, Actor: f.Actor})
		}
		p.PeoplePrev, p.PeopleNext = people.Prev, people.Next
		if p.ParticipantCount, err = tx.CountFollowers(co.Handle, domain.FollowAccepted); err != nil {
			return err
		}
		if viewer != "" {
			id := s.URLs.Actor(domain.ActorPerson, viewer)
			f, enrolled, err := domain.Found(tx.Follower(co.Handle, id))
			if err != nil {
				return fmt.Errorf("service: enrolment: %w", err)
			}
			if enrolled {
				p.Enrolment = string(f.State)
			}
			cs, err := tx.CompletionsOf(co.Handle, id)
			if err != nil {
				return err
			}
			for _, c := range cs {
				p.Done[c.Task] = true
			}
			for _, t := range p.Tasks {
				if p.Done[t.ID] {
					p.DoneCount++
				}
			}
			if p.Earlier, err = tx.PastCompletions(co.Handle, id); err != nil {
				return err
			}
			p.Organiser = co.IsOrganiser(viewer)
		}
		out = p
		return nil
	})
	return out, err
}

// visibleCourse loads, inside tx, a course the public may see: unknown
// courses and drafts are not found alike.
func visibleCourse(tx domain.CourseStore, handle string) (*domain.Course, error) {
	co, err := tx.Course(handle)
	if err != nil {
		return nil, err
	}
	if !co.Federates() {
		return nil, domain.Errorf(domain.ENOTFOUND, "Course %s not found.", handle)
	}
	return co, nil
}

// Organised loads a course that organiser (a local handle) organises, for
// the organisers' tools; anyone else is refused, as organisedBy refuses
// them every change.
func (s *Courses) Organised(ctx context.Context, organiser, handle string) (*domain.Course, error) {
	var co *domain.Course
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		co, err = organisedBy(tx, handle, organiser)
		return err
	})
	return co, err
}

// CourseForm is what the form to start or edit a course offers: the course
// as it stands (or as the viewer last filled it in) and the schools the
// viewer may place it in.
type CourseForm struct {
	Course  *domain.Course
	Schools []*domain.School
}

// NewCourseForm is the form to start a course: a draft with open sign-up,
// of the node's default kind.
func (s *Courses) NewCourseForm(ctx context.Context, viewer string) (*CourseForm, error) {
	var out *CourseForm
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		out, err = courseForm(tx, viewer, &domain.Course{Status: domain.StatusDraft, SignUp: domain.SignUpOpen, Kind: st.DefaultKind})
		return err
	})
	return out, err
}

// Form is the course form shown again with co as viewer filled it in (after
// a refused change).
func (s *Courses) Form(ctx context.Context, viewer string, co *domain.Course) (*CourseForm, error) {
	var out *CourseForm
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		out, err = courseForm(tx, viewer, co)
		return err
	})
	return out, err
}

// courseForm offers, inside tx, the schools viewer organises and the one co
// is in already.
func courseForm(tx domain.SchoolStore, viewer string, co *domain.Course) (*CourseForm, error) {
	all, err := tx.Schools()
	if err != nil {
		return nil, err
	}
	out := &CourseForm{Course: co}
	for _, sc := range all {
		if sc.IsOrganiser(viewer) || sc.Handle == co.School {
			out.Schools = append(out.Schools, sc)
		}
	}
	return out, nil
}

// ManageTab names a tab of the organisers' page: each shows one part of
// the course's organising, so no one page holds it all.
type ManageTab string

// The organisers' page's tabs.
const (
	TabOverview   ManageTab = "overview"   // the sign-up queue and the counts
	TabProgress   ManageTab = "progress"   // the members' progress and submitted work
	TabTasks      ManageTab = "tasks"      // the tasks, their order and the form to add one
	TabBadges     ManageTab = "badges"     // the badges, their awards and the form to add one
	TabDiscussion ManageTab = "discussion" // the discussion to moderate and the reports
	TabSettings   ManageTab = "settings"   // the course's settings and its school
)

// ManageTabs are the organisers' page's tabs, in the order its tab bar
// shows them.
var ManageTabs = []ManageTab{TabOverview, TabProgress, TabTasks, TabBadges, TabDiscussion, TabSettings}

// ManageQuery names the tab of the organisers' page and the pages of its
// lists: cursors of the sign-up queue (?queue=), the members (?members=)
// and the discussion (?posts=), and of the awards (?awards=) of one badge
// (?badge=), "" for the first.
type ManageQuery struct {
	Tab                   ManageTab
	Queue, Members, Posts string
	Badge, Awards         string
}

// Member is a follower of a course as its organisers see them: a sign-up
// request with its answers, or a member with their progress.
type Member struct {
	Name    string // as authorOf names them
	Actor   string // their actor id
	Answers string // the answers to the sign-up questions
	Done    []bool // for each task of the course in order, whether they did it
	// DoneCount is how many of the course's tasks they did; Submitted how
	// many of those completions came with a link or a note.
	DoneCount, Submitted int
	// Work is, for each task in order, their completion (nil: not done),
	// whose evidence link and note the organisers see.
	Work []*domain.Completion
	// Comments are, for each task in order, the organisers' comments on
	// their work (service/evidence.go).
	Comments [][]*domain.EvidenceComment
}

// BadgeAwards is a badge with a page of its awards, as its organisers see
// them on the Badges tab; AwardsPrev and AwardsNext are the cursors of the
// neighbouring pages ("" at an end).
type BadgeAwards struct {
	Badge                  *domain.Badge
	Awards                 []AwardView
	AwardsPrev, AwardsNext string
}

// AwardView is an award with its learner's name.
type AwardView struct {
	Award   *domain.Award
	Learner string // as authorOf names them
}

// ManagePage is one tab of the organisers' page of a course. Every tab has
// the course, its tasks and badges and the counts of its members and
// sign-up requests; the rest is read for the tab that shows it: a page of
// the sign-up queue (Overview), a page of the members with their progress
// (Progress; without progress for the award form on Badges), the badges'
// awards (Badges), a page of the discussion and the reports (Discussion)
// and the settings form's schools (Settings).
type ManagePage struct {
	CourseForm
	Tab    ManageTab
	Tasks  []*domain.Task
	Badges []*domain.Badge
	// Pending is a page of the sign-up requests, of PendingCount.
	Pending              []Member
	PendingCount         int
	QueuePrev, QueueNext string
	// Members is a page of the members with their progress, of MemberCount.
	Members                  []Member
	MemberCount              int
	MembersPrev, MembersNext string
	// Submitted is how many completions of the members on this page came
	// with a link or a note (their submitted work).
	Submitted int
	// Awards are the badges, each with a page of its awards.
	Awards               []BadgeAwards
	Threads              []PostView
	PostsPrev, PostsNext string
	// Reports are the newest reports about its posts, made here or sent
	// by other servers.
	Reports []CourseReport
}

// Manage is a tab of the organisers' page of a course, for organiser only;
// drafts included. An unknown tab is not found.
func (s *Courses) Manage(ctx context.Context, organiser, handle string, q ManageQuery) (*ManagePage, error) {
	if q.Tab == "" {
		q.Tab = TabOverview
	}
	if !slices.Contains(ManageTabs, q.Tab) {
		return nil, domain.Errorf(domain.ENOTFOUND, "The organisers' page has no tab %q.", q.Tab)
	}
	var out *ManagePage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		co, err := organisedBy(tx, handle, organiser)
		if err != nil {
			return err
		}
		form, err := courseForm(tx, organiser, co)
		if err != nil {
			return err
		}
		p := &ManagePage{CourseForm: *form, Tab: q.Tab}
		if p.Tasks, err = tx.Tasks(co.Handle); err != nil {
			return err
		}
		if p.Badges, err = tx.Badges(co.Handle); err != nil {
			return err
		}
		if p.PendingCount, err = tx.CountFollowers(co.Handle, domain.FollowPending); err != nil {
			return err
		}
		if p.MemberCount, err = tx.CountFollowers(co.Handle, domain.FollowAccepted); err != nil {
			return err
		}
		switch q.Tab {
		case TabOverview:
			queue, err := tx.FollowersPage(co.Handle, domain.FollowPending, q.Queue, queuePerPage)
			if err != nil {
				return err
			}
			if p.Pending, err = s.members(tx, co.Handle, queue.Items, nil); err != nil {
				return err
			}
			p.QueuePrev, p.QueueNext = queue.Prev, queue.Next
		case TabProgress, TabBadges:
			members, err := tx.FollowersPage(co.Handle, domain.FollowAccepted, q.Members, peoplePerPage)
			if err != nil {
				return err
			}
			var tasks []*domain.Task
			if q.Tab == TabProgress {
				tasks = p.Tasks
			}
			if p.Members, err = s.members(tx, co.Handle, members.Items, tasks); err != nil {
				return err
			}
			for _, m := range p.Members {
				p.Submitted += m.Submitted
			}
			p.MembersPrev, p.MembersNext = members.Prev, members.Next
			if q.Tab == TabBadges {
				if p.Awards, err = s.badgeAwards(tx, p.Badges, q); err != nil {
					return err
				}
			}
		case TabDiscussion:
			d, err := s.discussion(tx, organiser, co.Handle, q.Posts)
			if err != nil {
				return err
			}
			p.Threads, p.PostsPrev, p.PostsNext = d.Threads, d.Prev, d.Next
			if p.Reports, err = s.courseReports(tx, co.Handle); err != nil {
				return err
			}
		}
		out = p
		return nil
	})
	return out, err
}

// badgeAwardsTx is what badgeAwards reads: the awards, and their
// learners' names.
type badgeAwardsTx interface {
	authorTx
	domain.BadgeStore
}

// badgeAwards is each of badges with a page of its awards: the page q
// names for the badge q.Badge, the first for the others.
func (s *Courses) badgeAwards(tx badgeAwardsTx, badges []*domain.Badge, q ManageQuery) ([]BadgeAwards, error) {
	var out []BadgeAwards
	for _, b := range badges {
		cursor := ""
		if b.ID == q.Badge {
			cursor = q.Awards
		}
		page, err := tx.BadgeAwardsPage(b.ID, cursor, awardsPerPage)
		if err != nil {
			return nil, err
		}
		ba := BadgeAwards{Badge: b, AwardsPrev: page.Prev, AwardsNext: page.Next}
		for _, a := range page.Items {
			name, _, err := s.authorOf(tx, a.Learner)
			if err != nil {
				return nil, err
			}
			ba.Awards = append(ba.Awards, AwardView{Award: a, Learner: name})
		}
		out = append(out, ba)
	}
	return out, nil
}

// membersTx is what members reads: the members' names (as authorOf reads
// them) and their completions.
type membersTx interface {
	authorTx
	domain.CompletionStore
}

// members names followers of course for its organisers, each with whether
// they did each of tasks.
func (s *Courses) members(tx membersTx, course string, fs []*domain.Follower, tasks []*domain.Task) ([]Member, error) {
	var out []Member
	for _, f := range fs {
		name, _, err := s.authorOf(tx, f.Actor)
		if err != nil {
			return nil, err
		}
		m := Member{Name: name, Actor: f.Actor, Answers: f.Answers}
		for _, t := range tasks {
			c, done, err := domain.Found(tx.Completion(course, t.ID, f.Actor))
			if err != nil {
				return nil, err
			}
			m.Done, m.Work = append(m.Done, done), append(m.Work, c)
			if done {
				m.DoneCount++
				if c.Evidence != "" || c.Note != "" {
					m.Submitted++
				}
			}
			cs, err := tx.EvidenceComments(course, t.ID, f.Actor)
			if err != nil {
				return nil, err
			}
			m.Comments = append(m.Comments, cs)
		}
		out = append(out, m)
	}
	return out, nil
}
