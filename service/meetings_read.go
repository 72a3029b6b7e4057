package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// The read models of meetings: the course page's list of them (this
// node's courses, and the meetings a course on another server told this
// node of), a meeting's own page with its sessions, answers and, for its
// organisers, who came, and the organisers' form to edit one.

// maxAttendanceList bounds the participants the attendance form lists (a
// study group is a few dozen people): one page of followers.
const maxAttendanceList = domain.MaxPageSize

// MeetingSummary is one meeting as a course page lists it.
type MeetingSummary struct {
	Meeting *domain.Meeting
	// Event is the id of the meeting's Event: what an answer names.
	Event string
	// Next is the next session that takes place; nil when the meeting is
	// over or called off.
	Next *domain.Occurrence
	// Over is set when no session is left (and the meeting is not called
	// off).
	Over bool
	// Going, Maybe and No count the answers.
	Going, Maybe, No int
	// Answer is the viewer's own answer ("" for none).
	Answer domain.RSVPAnswer
}

// Open reports whether the meeting can still be answered.
func (m MeetingSummary) Open() bool { return m.Next != nil }

// CourseMeetings are the meetings of a course of this node as its page
// shows them to one viewer.
type CourseMeetings struct {
	Course   string
	Meetings []MeetingSummary
	// CanAnswer is set when the viewer takes part (an organiser, or a
	// learner accepted), and may answer.
	CanAnswer bool
	// Organiser is set when the viewer organises the course, and may plan
	// and change its meetings.
	Organiser bool
}

// meetingReadTx is what the meetings' read models read: the course, its
// meetings and their answers, the enrolments, and what names people.
type meetingReadTx interface {
	nameTx
	domain.MeetingStore
	domain.FollowStore
}

// OfCourse are the meetings of the course handle as its page shows them
// to viewer (a local handle, "" for a visitor): the ones to come first,
// by their next session, then those over or called off. A course that
// does not federate has none to show but to its organisers.
func (s *Meetings) OfCourse(ctx context.Context, viewer, handle string) (*CourseMeetings, error) {
	var out *CourseMeetings
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(handle)
		if err != nil {
			return err
		}
		organiser := viewer != "" && c.IsOrganiser(viewer)
		if !c.Federates() && !organiser {
			return domain.Errorf(domain.ENOTFOUND, "Course %s not found.", handle)
		}
		out = &CourseMeetings{Course: handle, Organiser: organiser}
		me := ""
		if viewer != "" {
			me = s.URLs.Actor(domain.ActorPerson, viewer)
			if out.CanAnswer, err = s.takesPart(tx, c, me); err != nil {
				return err
			}
		}
		ms, err := tx.Meetings(handle)
		if err != nil {
			return err
		}
		for _, m := range ms {
			sum, err := s.summary(tx, m, me)
			if err != nil {
				return err
			}
			out.Meetings = append(out.Meetings, sum)
		}
		slices.SortStableFunc(out.Meetings, func(a, b MeetingSummary) int {
			switch {
			case a.Next != nil && b.Next != nil:
				return a.Next.Start.Compare(b.Next.Start)
			case a.Next != nil:
				return -1
			case b.Next != nil:
				return 1
			}
			return b.Meeting.Last().Compare(a.Meeting.Last())
		})
		return nil
	})
	return out, err
}

// summary is, inside tx, meeting m with its next session, its answers
// counted and the answer of me (an actor id, "" for a visitor).
func (s *Meetings) summary(tx domain.MeetingStore, m *domain.Meeting, me string) (MeetingSummary, error) {
	sum := MeetingSummary{Meeting: m, Event: federation.MeetingURL(s.URLs, m.Course, m.ID)}
	if next, ok := m.Next(s.Now()); ok {
		sum.Next = &next
	} else if !m.Cancelled {
		sum.Over = true
	}
	rs, err := tx.RSVPs(m.ID)
	if err != nil {
		return sum, err
	}
	for _, r := range rs {
		switch r.Answer {
		case domain.RSVPGoing:
			sum.Going++
		case domain.RSVPMaybe:
			sum.Maybe++
		case domain.RSVPNo:
			sum.No++
		}
		if r.Actor == me {
			sum.Answer = r.Answer
		}
	}
	return sum, nil
}

// RemoteMeetingSummary is a meeting of a course on another server, as its
// Event told this node, with the viewer's answer.
type RemoteMeetingSummary struct {
	Meeting *domain.RemoteMeeting
	// Next is the next session that takes place; nil when the meeting is
	// over or called off; Over is set when none is left.
	Next *domain.Occurrence
	Over bool
	// Answer is what the viewer answered from here ("" for nothing).
	Answer domain.RSVPAnswer
}

// RemoteCourseMeetings are the meetings of a course on another server as
// its page here shows them to a local person.
type RemoteCourseMeetings struct {
	Course   string // the course's actor id
	Meetings []RemoteMeetingSummary
	// CanAnswer is set when the viewer takes part in the course (their
	// follow is accepted), and may answer.
	CanAnswer bool
}

// OfRemoteCourse are the meetings of the remote course actorID that this
// node was told of, as viewer (a local handle) sees them: the ones to come
// first.
func (s *Meetings) OfRemoteCourse(ctx context.Context, viewer, actorID string) (*RemoteCourseMeetings, error) {
	var out *RemoteCourseMeetings
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		out = &RemoteCourseMeetings{Course: actorID}
		f, found, err := domain.Found(tx.Following(viewer, actorID))
		if err != nil {
			return err
		}
		out.CanAnswer = found && f.State == domain.FollowAccepted
		rms, err := tx.RemoteMeetings(actorID)
		if err != nil {
			return err
		}
		me := s.URLs.Actor(domain.ActorPerson, viewer)
		for _, rm := range rms {
			sum := RemoteMeetingSummary{Meeting: rm}
			m := rm.Meeting()
			if next, ok := m.Next(s.Now()); ok {
				sum.Next = &next
			} else if !m.Cancelled {
				sum.Over = true
			}
			r, found, err := domain.Found(tx.RSVP(rm.ID, me))
			if err != nil {
				return err
			}
			if found {
				sum.Answer = r.Answer
			}
			out.Meetings = append(out.Meetings, sum)
		}
		slices.SortStableFunc(out.Meetings, func(a, b RemoteMeetingSummary) int {
			switch {
			case a.Next != nil && b.Next != nil:
				return a.Next.Start.Compare(b.Next.Start)
			case a.Next != nil:
				return -1
			case b.Next != nil:
				return 1
			}
			return 0
		})
		return nil
	})
	return out, err
}

// SessionView is one session of a meeting on its page.
type SessionView struct {
	domain.Occurrence
	// Past is set once the session has begun (its attendance may be
	// marked, it can no longer be skipped).
	Past bool
	// Came counts who was marked as having come (for the organisers).
	Came int
}

// MeetingAnswer is one person's answer, named for a page.
type MeetingAnswer struct {
	Name, Link string
	Answer     domain.RSVPAnswer
}

// Attendee is a participant in the attendance form of one session.
type Attendee struct {
	Name  string
	Actor string
	Came  bool // marked as having come to the session
}

// MeetingPage is a meeting's page as one viewer sees it.
type MeetingPage struct {
	Course *domain.Course
	MeetingSummary
	Sessions []SessionView
	// Answers name who answered what, going first.
	Answers []MeetingAnswer
	// CanAnswer and Organiser are as CourseMeetings's.
	CanAnswer, Organiser bool
	// For the organisers: the session whose attendance the form marks
	// (the one asked for, else the last one that began; nil when none
	// has), and the participants (organisers and accepted learners, at
	// most maxAttendanceList) with who was marked as having come to it.
	Marking   *SessionView
	Attendees []Attendee
}

// Page is the meeting id of the course handle as viewer (a local handle,
// "" for a visitor) sees it; session, for its organisers, is the start of
// the session whose attendance to mark (zero for the last one that began).
// A meeting of a draft is shown to its organisers only.
func (s *Meetings) Page(ctx context.Context, viewer, handle, id string, session time.Time) (*MeetingPage, error) {
	var out *MeetingPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(handle)
		if err != nil {
			return err
		}
		organiser := viewer != "" && c.IsOrganiser(viewer)
		if !c.Federates() && !organiser {
			return domain.Errorf(domain.ENOTFOUND, "Meeting not found.")
		}
		m, err := tx.Meeting(handle, id)
		if err != nil {
			return err
		}
		me := ""
		p := &MeetingPage{Course: c, Organiser: organiser}
		if viewer != "" {
			me = s.URLs.Actor(domain.ActorPerson, viewer)
			if p.CanAnswer, err = s.takesPart(tx, c, me); err != nil {
				return err
			}
		}
		if p.MeetingSummary, err = s.summary(tx, m, me); err != nil {
			return err
		}
		now := s.Now()
		for _, o := range m.All() {
			sv := SessionView{Occurrence: o, Past: !o.Start.After(now)}
			if organiser && sv.Past && !o.Skipped {
				as, err := tx.Attendance(m.ID, o.Start)
				if err != nil {
					return err
				}
				sv.Came = len(as)
			}
			p.Sessions = append(p.Sessions, sv)
		}
		if err := s.answers(tx, p); err != nil {
			return err
		}
		if organiser {
			if err := s.marking(tx, p, session); err != nil {
				return err
			}
		}
		out = p
		return nil
	})
	return out, err
}

// answers fills, inside tx, the page's named answers: going, then maybe,
// then no, each in the order given.
func (s *Meetings) answers(tx meetingReadTx, p *MeetingPage) error {
	rs, err := tx.RSVPs(p.Meeting.ID)
	if err != nil {
		return err
	}
	order := map[domain.RSVPAnswer]int{domain.RSVPGoing: 0, domain.RSVPMaybe: 1, domain.RSVPNo: 2}
	slices.SortStableFunc(rs, func(a, b *domain.RSVP) int {
		if d := order[a.Answer] - order[b.Answer]; d != 0 {
			return d
		}
		return a.At.Compare(b.At)
	})
	for _, r := range rs {
		name, link, err := s.badges.personName(tx, r.Actor)
		if err != nil {
			return err
		}
		p.Answers = append(p.Answers, MeetingAnswer{Name: name, Link: link, Answer: r.Answer})
	}
	return nil
}

// marking fills, inside tx, the organisers' attendance form: the session
// at start (zero: the last one that began and took place) and the
// participants, marked when they came to it.
func (s *Meetings) marking(tx meetingReadTx, p *MeetingPage, start time.Time) error {
	for i := len(p.Sessions) - 1; i >= 0; i-- {
		sv := p.Sessions[i]
		if !sv.Past || sv.Skipped || (!start.IsZero() && !sv.Start.Equal(start)) {
			continue
		}
		p.Marking = &p.Sessions[i]
		break
	}
	if p.Marking == nil {
		return nil
	}
	as, err := tx.Attendance(p.Meeting.ID, p.Marking.Start)
	if err != nil {
		return err
	}
	came := map[string]bool{}
	for _, a := range as {
		came[a.Actor] = true
	}
	var actors []string
	for _, o := range p.Course.Organisers {
		actors = append(actors, s.URLs.Actor(domain.ActorPerson, o))
	}
	fs, err := tx.FollowersPage(p.Course.Handle, domain.FollowAccepted, "", maxAttendanceList)
	if err != nil {
		return err
	}
	for _, f := range fs.Items {
		if !slices.Contains(actors, f.Actor) {
			actors = append(actors, f.Actor)
		}
	}
	for _, a := range actors {
		name, _, err := s.badges.personName(tx, a)
		if err != nil {
			return fmt.Errorf("service: attendee %s: %w", a, err)
		}
		p.Attendees = append(p.Attendees, Attendee{Name: name, Actor: a, Came: came[a]})
	}
	return nil
}

// MeetingForm is what the organisers' form to edit a meeting shows: the
// course, the meeting, and its fields as the form holds them.
type MeetingForm struct {
	Course  *domain.Course
	Meeting *domain.Meeting
	Input   MeetingInput
}

// Form is the form to edit the meeting id of the course handle, for one of
// its organisers; anyone else is refused.
func (s *Meetings) Form(ctx context.Context, organiser, handle, id string) (*MeetingForm, error) {
	var out *MeetingForm
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		c, err := organisedBy(tx, handle, organiser)
		if err != nil {
			return err
		}
		m, err := tx.Meeting(handle, id)
		if err != nil {
			return err
		}
		out = &MeetingForm{Course: c, Meeting: m, Input: InputOf(m)}
		return nil
	})
	return out, err
}

// InputOf is meeting m as its form holds it: the first session's start as
// the wall-clock time in its zone.
func InputOf(m *domain.Meeting) MeetingInput {
	loc, err := m.Location()
	if err != nil {
		loc = time.UTC
	}
	return MeetingInput{Title: m.Title, Agenda: m.Agenda, Notes: m.Notes, Place: m.Place, Timezone: m.Timezone,
		Start: m.Start.In(loc).Format(startLayout), Minutes: m.Minutes, Repeat: m.Repeat, Count: m.Count,
		ReminderLead: m.ReminderLead, RemindAll: m.RemindAll}
}
