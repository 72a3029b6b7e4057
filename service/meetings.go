package service

import (
	"context"
	"fmt"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Meetings is the use case of a course's sessions: its organisers plan
// them (one-off or weekly, with sessions skipped and the whole called off),
// the course announces each as an Event to its followers, people say
// whether they come (here, from another Lernejo node, or by replying on
// Mastodon), a reminder goes out before each session, and the organisers
// mark who came.
type Meetings struct {
	*env
	badges *Badges
	posts  *Posts // the reminders' direct notes
}

// MeetingInput is a meeting as the organisers' form gives it: the first
// session's start as the wall-clock time "2006-01-02T15:04" in Timezone.
type MeetingInput struct {
	Title, Agenda, Notes, Place, Timezone string
	Start                                 string
	Minutes                               int
	Repeat                                domain.Repeat
	Count                                 int
	ReminderLead                          time.Duration
	RemindAll                             bool
}

// startLayout is how a form gives a session's start: an HTML datetime-local.
const startLayout = "2006-01-02T15:04"

// apply sets m's fields from in, rendering its Markdown; it validates
// nothing but the start's shape (Validate does the rest).
func (s *Meetings) apply(m *domain.Meeting, in MeetingInput) error {
	m.Title, m.Agenda, m.Notes, m.Place, m.Timezone = in.Title, in.Agenda, in.Notes, in.Place, in.Timezone
	m.Minutes, m.Repeat, m.Count, m.ReminderLead, m.RemindAll = in.Minutes, in.Repeat, in.Count, in.ReminderLead, in.RemindAll
	loc, err := domain.LoadZone(in.Timezone)
	if err != nil {
		return domain.OnField("timezone", err)
	}
	start, err := time.ParseInLocation(startLayout, in.Start, loc)
	if err != nil {
		return domain.Errorf(domain.EINVALID, "Give the first session's date and time, such as 2027-01-12 18:30.").On("start")
	}
	m.Start = start
	m.Normalise()
	m.AgendaHTML, m.NotesHTML = "", ""
	if m.Agenda != "" {
		m.AgendaHTML = s.Docs.Sanitizer.RichMarkdown(m.Agenda)
	}
	if m.Notes != "" {
		m.NotesHTML = s.Docs.Sanitizer.RichMarkdown(m.Notes)
	}
	return nil
}

// meetingEditTx is what the changes of a meeting read and write: the
// course (its organisers), its meetings, its followers' inboxes and the
// delivery queue.
type meetingEditTx interface {
	domain.CourseStore
	domain.MeetingStore
	domain.FollowStore
	domain.DeliveryStore
}

// Create plans a new meeting of a course the organiser organises, and
// announces it to the course's followers (a Create of its Event).
func (s *Meetings) Create(ctx context.Context, organiser, course string, in MeetingInput) (*domain.Meeting, error) {
	m := &domain.Meeting{ID: s.NewID(), Course: course}
	if err := s.apply(m, in); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	m.Created, m.Updated = now, now
	err := s.update(ctx, func(tx domain.Tx) error {
		c, err := organisedBy(tx, course, organiser)
		if err != nil {
			return err
		}
		all, err := tx.Meetings(course)
		if err != nil {
			return err
		}
		if len(all) >= domain.MaxMeetingsPerCourse {
			return domain.Errorf(domain.EINVALID, "This %s has %d meetings, as many as it can.", domain.KindName(c.Kind), len(all))
		}
		if err := tx.PutMeeting(m); err != nil {
			return err
		}
		return s.publish(tx, c, m, vocab.CreateType)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Edit changes a meeting: its text, times, place and reminder. Skipped
// sessions that are no longer sessions of the new schedule are dropped. A
// change a calendar shows raises its sequence; the followers get an
// Update of the Event.
func (s *Meetings) Edit(ctx context.Context, organiser, course, id string, in MeetingInput) (*domain.Meeting, error) {
	return s.change(ctx, organiser, course, id, func(m *domain.Meeting) error {
		skipped := m.Skipped
		if err := s.apply(m, in); err != nil {
			return err
		}
		m.Skipped = nil
		for _, at := range skipped {
			if _, ok := m.Session(at); ok {
				m.Skipped = append(m.Skipped, at)
			}
		}
		return nil
	})
}

// Skip calls off (skip) or puts back one session of a meeting: the one
// that starts at start.
func (s *Meetings) Skip(ctx context.Context, organiser, course, id string, start time.Time, skip bool) (*domain.Meeting, error) {
	return s.change(ctx, organiser, course, id, func(m *domain.Meeting) error {
		start = start.UTC()
		if !skip {
			m.Skipped = slicesDeleteTime(m.Skipped, start)
			return nil
		}
		if _, ok := m.Session(start); !ok {
			return domain.Errorf(domain.EINVALID, "There is no session of this meeting then.").On("start")
		}
		m.Skipped = append(m.Skipped, start)
		m.Normalise()
		return nil
	})
}

// slicesDeleteTime is ts without t.
func slicesDeleteTime(ts []time.Time, t time.Time) []time.Time {
	out := ts[:0:0]
	for _, x := range ts {
		if !x.Equal(t) {
			out = append(out, x)
		}
	}
	return out
}

// Cancel calls the whole meeting off (cancel) or puts it back on.
func (s *Meetings) Cancel(ctx context.Context, organiser, course, id string, cancel bool) (*domain.Meeting, error) {
	return s.change(ctx, organiser, course, id, func(m *domain.Meeting) error {
		m.Cancelled = cancel
		return nil
	})
}

// change applies edit to a meeting of a course the organiser organises,
// checks it, keeps it and sends the Update of its Event.
func (s *Meetings) change(ctx context.Context, organiser, course, id string, edit func(*domain.Meeting) error) (*domain.Meeting, error) {
	var out *domain.Meeting
	err := s.update(ctx, func(tx domain.Tx) error {
		c, err := organisedBy(tx, course, organiser)
		if err != nil {
			return err
		}
		m, err := tx.Meeting(course, id)
		if err != nil {
			return err
		}
		before := *m
		before.Skipped = append([]time.Time(nil), m.Skipped...)
		if err := edit(m); err != nil {
			return err
		}
		if err := m.Validate(); err != nil {
			return err
		}
		if before.CalendarChange(m) {
			m.Sequence++
		}
		m.Updated = s.Now().UTC()
		if err := tx.PutMeeting(m); err != nil {
			return err
		}
		out = m
		return s.publish(tx, c, m, vocab.UpdateType)
	})
	return out, err
}

// publish queues, inside tx, the Create or Update of m's Event to the
// followers of c, when c federates; a Create is listed in its outbox.
func (s *Meetings) publish(tx meetingEditTx, c *domain.Course, m *domain.Meeting, typ vocab.ActivityVocabularyType) error {
	if !c.Federates() {
		return nil
	}
	now := s.Now().UTC()
	ev := s.Docs.EventObject(m, now)
	id := ev.ID + "/activity"
	if typ != vocab.CreateType {
		id = s.newActivityID()
	}
	inboxes, err := tx.FollowerInboxes(c.Handle)
	if err != nil {
		return err
	}
	if err := s.Queue.Queue(tx, c.Handle, id, federation.WrapEvent(typ, id, ev, now), inboxes); err != nil {
		return err
	}
	if typ == vocab.CreateType {
		return tx.ListInOutbox(c.Handle, id, ev.ID)
	}
	return nil
}

// takesPart reports, inside tx, whether actor (an actor id) takes part in
// the local course c: one of its organisers, or a learner enrolled and
// accepted. Who may answer meetings, be marked as having come, and review
// fellow learners' work.
func (e *env) takesPart(tx domain.FollowStore, c *domain.Course, actor string) (bool, error) {
	for _, o := range c.Organisers {
		if e.URLs.Actor(domain.ActorPerson, o) == actor {
			return true, nil
		}
	}
	f, _, err := domain.Found(tx.Follower(c.Handle, actor))
	if err != nil {
		return false, fmt.Errorf("service: enrolment of %s: %w", actor, err)
	}
	return f != nil && f.State == domain.FollowAccepted, nil
}

// mayAnswer checks, inside tx, that actor may answer the meetings of c.
func (s *Meetings) mayAnswer(tx domain.FollowStore, c *domain.Course, actor string) error {
	ok, err := s.takesPart(tx, c, actor)
	if err == nil && !ok {
		err = domain.Errorf(domain.EFORBIDDEN, "Only the people who take part in this %s can answer its meetings.", domain.KindName(c.Kind))
	}
	return err
}

// rsvpTx is what an answer to a local meeting reads and writes.
type rsvpTx interface {
	domain.CourseStore
	domain.MeetingStore
	domain.FollowStore
}

// answerLocal keeps, inside tx, actor's answer to the meeting id of the
// local course.
func (s *Meetings) answerLocal(tx rsvpTx, course, id, actor string, a domain.RSVPAnswer, activity string) error {
	c, err := tx.Course(course)
	if err != nil {
		return err
	}
	m, err := tx.Meeting(course, id)
	if err != nil {
		return err
	}
	if err := s.mayAnswer(tx, c, actor); err != nil {
		return err
	}
	if m.Cancelled {
		return domain.Errorf(domain.EINVALID, "This meeting was called off.")
	}
	if _, ok := m.Next(s.Now()); !ok {
		return domain.Errorf(domain.EINVALID, "This meeting is over.")
	}
	return tx.PutRSVP(&domain.RSVP{Meeting: id, Course: course, Actor: actor, Answer: a, Activity: activity, At: s.Now().UTC()})
}

// Answer keeps a local person's answer to a meeting, given by its Event's
// id: one of this node's courses, or of a course on another server that
// the person takes part in, whose course is sent the answer (Accept,
// TentativeAccept or Reject of the Event).
func (s *Meetings) Answer(ctx context.Context, person, event string, a domain.RSVPAnswer) error {
	me := s.URLs.Actor(domain.ActorPerson, person)
	if course, id, ok := federation.MeetingOf(s.URLs, event); ok {
		return s.Store.Update(ctx, func(tx domain.Tx) error { return s.answerLocal(tx, course, id, me, a, "") })
	}
	return s.update(ctx, func(tx domain.Tx) error {
		rm, err := tx.RemoteMeeting(event)
		if err != nil {
			return err
		}
		f, _, err := domain.Found(tx.Following(person, rm.Course))
		if err != nil {
			return err
		}
		if f == nil || f.State != domain.FollowAccepted {
			return domain.Errorf(domain.EFORBIDDEN, "Only the people who take part in this course can answer its meetings.")
		}
		if rm.Cancelled {
			return domain.Errorf(domain.EINVALID, "This meeting was called off.")
		}
		ra, err := tx.RemoteActor(rm.Course)
		if err != nil {
			return err
		}
		now := s.Now().UTC()
		id := s.newActivityID()
		if err := tx.PutRSVP(&domain.RSVP{Meeting: event, Course: rm.Course, Actor: me, Answer: a, Activity: id, At: now}); err != nil {
			return err
		}
		return s.Queue.Queue(tx, person, id, federation.RSVP(id, me, rm.Course, event, a, now), []string{ra.Inbox})
	})
}

// ReceiveAnswer keeps, inside the inbox's tx, the answer of actor (who
// signed it) to a meeting of this node given by the Event's id: from
// another Lernejo node or Mobilizon (an Accept, TentativeAccept, Reject,
// Join or Leave of the Event) or a reply on Mastodon. An answer to no
// meeting here is an ENOTFOUND error; from someone who takes no part in
// the course an EFORBIDDEN one.
func (s *Meetings) ReceiveAnswer(tx domain.Tx, actor, event string, a domain.RSVPAnswer, activity string) error {
	course, id, ok := federation.MeetingOf(s.URLs, event)
	if !ok {
		return domain.Errorf(domain.ENOTFOUND, "No meeting here has that id.")
	}
	return s.answerLocal(tx, course, id, actor, a, activity)
}

// ReceiveJoin keeps, inside the inbox's tx, a Join of a meeting of this
// node (Mobilizon's "I am going"; join.Object is the Event's id) and
// answers it as a Mobilizon organiser's server does, from the course to
// the joiner's inbox: Accept{Join} when the answer is kept, Reject{Join}
// when the course refuses it (the joiner takes no part in it, the meeting
// is called off or over), so that Mobilizon shows the participation as
// approved or as refused rather than pending. A Join of no meeting here is
// an ENOTFOUND error and gets no answer; a course that does not federate
// keeps the answer and sends nothing, as it sends nothing else.
func (s *Meetings) ReceiveJoin(tx domain.Tx, join federation.FollowRef) error {
	course, id, ok := federation.MeetingOf(s.URLs, join.Object)
	if !ok {
		return domain.Errorf(domain.ENOTFOUND, "No meeting here has that id.")
	}
	answer := federation.AcceptFollow
	switch err := s.answerLocal(tx, course, id, join.Actor, domain.RSVPGoing, join.ID); domain.ErrorCode(err) {
	case "":
	case domain.EFORBIDDEN, domain.EINVALID:
		answer = federation.RejectFollow
	default:
		return err
	}
	if c, err := tx.Course(course); err != nil || !c.Federates() {
		return err // a course that does not federate sends nothing
	}
	joiner, err := tx.RemoteActor(join.Actor)
	if err != nil {
		return err
	}
	aid := s.newActivityID()
	return s.Queue.Queue(tx, course, aid, answer(aid, s.URLs.Actor(domain.ActorCourse, course), join), []string{joiner.Inbox})
}

// IsMeeting reports whether id is the Event of a meeting of this node (so a
// reply to it is an answer).
func (s *Meetings) IsMeeting(id string) bool {
	_, _, ok := federation.MeetingOf(s.URLs, id)
	return ok
}

// ReceiveEvent keeps, inside the inbox's tx, a meeting of a course on
// another server that local people take part in (a Create or Update of its
// Event, sent by the course). An older sequence than the one kept changes
// nothing; an Event of a course no one here follows is not kept.
func (s *Meetings) ReceiveEvent(tx domain.Tx, rm *domain.RemoteMeeting) error {
	followed, err := followedByLocals(tx, rm.Course)
	if err != nil || !followed {
		return err
	}
	old, found, err := domain.Found(tx.RemoteMeeting(rm.ID))
	if err != nil {
		return err
	}
	if found && (old.Course != rm.Course || old.Sequence > rm.Sequence) {
		return nil
	}
	rm.Updated = s.Now().UTC()
	return tx.PutRemoteMeeting(rm)
}

// MarkAttendance records who came to the session of a meeting that
// started at start: came are actor ids of people who take part in the
// course (what was marked before for that session is replaced). Only the
// organisers mark it, only for a session that took place and has begun.
// Those who came now and meet a badge's attendance criteria get the badge.
func (s *Meetings) MarkAttendance(ctx context.Context, organiser, course, id string, start time.Time, came []string) error {
	start = start.UTC()
	return s.update(ctx, func(tx domain.Tx) error {
		c, err := organisedBy(tx, course, organiser)
		if err != nil {
			return err
		}
		m, err := tx.Meeting(course, id)
		if err != nil {
			return err
		}
		if _, ok := m.Session(start); !ok {
			return domain.Errorf(domain.EINVALID, "There is no session of this meeting then.").On("start")
		}
		now := s.Now().UTC()
		if start.After(now) {
			return domain.Errorf(domain.EINVALID, "This session has not begun yet.").On("start")
		}
		var marks []*domain.Attendance
		seen := map[string]bool{}
		for _, actor := range came {
			if seen[actor] {
				continue
			}
			seen[actor] = true
			if ok, err := s.takesPart(tx, c, actor); err != nil {
				return err
			} else if !ok {
				return domain.Errorf(domain.EINVALID, "%s does not take part in this %s.", actor, domain.KindName(c.Kind)).On("came")
			}
			marks = append(marks, &domain.Attendance{Meeting: id, Course: course, Session: start, Actor: actor, MarkedBy: organiser, At: now})
		}
		if err := tx.SetAttendance(course, id, start, marks); err != nil {
			return err
		}
		for _, a := range marks {
			if err := s.badges.CheckAwards(tx, course, a.Actor); err != nil {
				return err
			}
		}
		return nil
	})
}

// Event is the Event document of a meeting of a course that federates,
// served at its id.
func (s *Meetings) Event(ctx context.Context, course, id string) ([]byte, error) {
	return s.eventDocument(ctx, course, id, func(m *domain.Meeting, ev federation.ASEvent) []byte {
		return federation.EventDocument(ev)
	})
}

// CreateActivity is the Create of a meeting's Event, served at its id (the
// Event's id with /activity, as the course's outbox lists it) to whoever
// may read the Event: the Event embedded as it is now, published when the
// meeting was.
func (s *Meetings) CreateActivity(ctx context.Context, course, id string) ([]byte, error) {
	return s.eventDocument(ctx, course, id, func(m *domain.Meeting, ev federation.ASEvent) []byte {
		return federation.WrapEvent(vocab.CreateType, ev.ID+"/activity", ev, m.Created)
	})
}

// eventDocument is the document doc makes of a meeting's Event, when its
// course federates; not found otherwise.
func (s *Meetings) eventDocument(ctx context.Context, course, id string, doc func(*domain.Meeting, federation.ASEvent) []byte) ([]byte, error) {
	var out []byte
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(course)
		if err != nil {
			return err
		}
		if !c.Federates() {
			return domain.Errorf(domain.ENOTFOUND, "Meeting not found.")
		}
		m, err := tx.Meeting(course, id)
		if err != nil {
			return err
		}
		out = doc(m, s.Docs.EventObject(m, s.Now()))
		return nil
	})
	return out, err
}
