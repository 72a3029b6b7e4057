package service

import (
	"context"
	"fmt"

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
	// Done holds the ids of the tasks the viewer did.
	Done map[string]bool
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

// ManageQuery names the pages of the organisers' page's lists: cursors of
// the sign-up queue (?queue=), the members (?members=) and the discussion
// (?posts=), "" for the first.
type ManageQuery struct {
	Queue, Members, Posts string
}

// Member is a follower of a course as its organisers see them: a sign-up
// request with its answers, or a member with their progress.
type Member struct {
	Name    string // as authorOf names them
	Actor   string // their actor id
	Answers string // the answers to the sign-up questions
	Done    []bool // for each task of the course in order, whether they did it
	// Work is, for each task in order, their completion (nil: not done),
	// whose evidence link and note the organisers see.
	Work []*domain.Completion
}

// ManagePage is the organisers' page of a course: its settings form, a page
// of the sign-up queue, its tasks and badges, a page of the members with
// their progress and a page of the discussion.
type ManagePage struct {
	CourseForm
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
	Threads                  []PostView
	PostsPrev, PostsNext     string
	// Reports are the newest reports people here made about its posts.
	Reports []CourseReport
}

// Manage is the organisers' page of a course, for organiser only; drafts
// included.
func (s *Courses) Manage(ctx context.Context, organiser, handle string, q ManageQuery) (*ManagePage, error) {
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
		p := &ManagePage{CourseForm: *form}
		if p.Tasks, err = tx.Tasks(co.Handle); err != nil {
			return err
		}
		if p.Badges, err = tx.Badges(co.Handle); err != nil {
			return err
		}
		queue, err := tx.FollowersPage(co.Handle, domain.FollowPending, q.Queue, queuePerPage)
		if err != nil {
			return err
		}
		if p.Pending, err = s.members(tx, co.Handle, queue.Items, nil); err != nil {
			return err
		}
		p.QueuePrev, p.QueueNext = queue.Prev, queue.Next
		members, err := tx.FollowersPage(co.Handle, domain.FollowAccepted, q.Members, peoplePerPage)
		if err != nil {
			return err
		}
		if p.Members, err = s.members(tx, co.Handle, members.Items, p.Tasks); err != nil {
			return err
		}
		p.MembersPrev, p.MembersNext = members.Prev, members.Next
		if p.PendingCount, err = tx.CountFollowers(co.Handle, domain.FollowPending); err != nil {
			return err
		}
		if p.MemberCount, err = tx.CountFollowers(co.Handle, domain.FollowAccepted); err != nil {
			return err
		}
		d, err := s.discussion(tx, organiser, co.Handle, q.Posts)
		if err != nil {
			return err
		}
		p.Threads, p.PostsPrev, p.PostsNext = d.Threads, d.Prev, d.Next
		if p.Reports, err = s.courseReports(tx, co.Handle); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
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
		}
		out = append(out, m)
	}
	return out, nil
}
