package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// ReminderRound is how often the node looks for sessions whose reminder is
// due (node runs SendReminders this often, and once at start).
const ReminderRound = 30 * time.Second

// dueSession is one session of a meeting whose reminder time has come.
type dueSession struct {
	course, meeting string
	start           time.Time
}

// SendReminders sends the reminder of every session whose time for it has
// come: of a meeting with a reminder lead that is not called off, a session
// that takes place and starts within the lead from now. Each goes out
// once, across restarts too: the session is marked reminded and its
// notifications and notes are queued in one transaction, so a crash keeps
// both or neither. Who is reminded: those who answered going or maybe, or,
// for a meeting that reminds everyone, every participant of the course and
// its organisers; people of this node get a notification (and a mail, when
// they asked for reminders by mail), people on other servers one direct
// note from the course that mentions each of them. It returns how many
// sessions were reminded; a session that failed does not stop the others.
func (s *Meetings) SendReminders(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	var due []dueSession
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		ms, err := tx.AllMeetings()
		if err != nil {
			return err
		}
		for _, m := range ms {
			for _, start := range reminderDue(m, now) {
				due = append(due, dueSession{course: m.Course, meeting: m.ID, start: start})
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, d := range due {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		fresh := false
		err := s.update(ctx, func(tx domain.Tx) error {
			var err error
			fresh, err = s.remindSession(tx, d, now)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("service: reminder of meeting %s at %s: %w", d.meeting, d.start.Format(time.RFC3339), err))
			continue
		}
		if fresh {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// reminderDue are the starts of m's sessions whose reminder is due at now:
// sessions that take place, start after now and at most the lead later.
func reminderDue(m *domain.Meeting, now time.Time) []time.Time {
	if m.ReminderLead <= 0 || m.Cancelled {
		return nil
	}
	var out []time.Time
	for _, o := range m.Occurrences(now, now.Add(m.ReminderLead+time.Nanosecond)) {
		if !o.Skipped && o.Start.After(now) && !o.Start.Add(-m.ReminderLead).After(now) {
			out = append(out, o.Start)
		}
	}
	return out
}

// remindTx is what reminding one session reads and writes: the meeting
// and its mark, the course, who answered or takes part, the remote actors'
// inboxes, the notifications (and mails) of local people and the delivery
// queue.
type remindTx interface {
	domain.CourseStore
	domain.MeetingStore
	domain.FollowStore
	notifyTx
	noteTx
}

// remindSession marks, inside tx, the session d reminded and sends its
// reminder, if it is still due and was not reminded before; false when
// nothing was sent. A course or meeting gone sends nothing.
func (s *Meetings) remindSession(tx remindTx, d dueSession, now time.Time) (bool, error) {
	c, found, err := domain.Found(tx.Course(d.course))
	if err != nil || !found {
		return false, err
	}
	m, found, err := domain.Found(tx.Meeting(d.course, d.meeting))
	if err != nil || !found {
		return false, err
	}
	// The meeting may have changed since the round read it.
	stillDue := false
	for _, at := range reminderDue(m, now) {
		stillDue = stillDue || at.Equal(d.start)
	}
	if !stillDue {
		return false, nil
	}
	fresh, err := tx.MarkReminded(m.ID, d.start)
	if err != nil || !fresh {
		return false, err
	}
	who, err := s.reminded(tx, c, m)
	if err != nil {
		return false, err
	}
	return true, s.remind(tx, c, m, d.start, who)
}

// reminded are the actor ids of who is reminded of m's sessions: those
// who answered going or maybe and still take part, or, when m reminds
// everyone, the course's organisers and accepted participants.
func (s *Meetings) reminded(tx remindTx, c *domain.Course, m *domain.Meeting) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if m.RemindAll {
		for _, o := range c.Organisers {
			add(s.URLs.Actor(domain.ActorPerson, o))
		}
		fs, err := tx.Followers(c.Handle)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.State == domain.FollowAccepted {
				add(f.Actor)
			}
		}
		return out, nil
	}
	rs, err := tx.RSVPs(m.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Answer != domain.RSVPGoing && r.Answer != domain.RSVPMaybe {
			continue
		}
		if ok, err := s.takesPart(tx, c, r.Actor); err != nil {
			return nil, err
		} else if !ok {
			continue // they left the course since they answered
		}
		add(r.Actor)
	}
	return out, nil
}

// remind tells, inside tx, each of who (actor ids) that the session of m
// at start begins soon: a notification to each person of this node, and
// one direct note from the course to those on other servers, mentioning
// each of them.
func (s *Meetings) remind(tx remindTx, c *domain.Course, m *domain.Meeting, start time.Time, who []string) error {
	course := s.URLs.Actor(domain.ActorCourse, c.Handle)
	var mentions []federation.Mention
	var inboxes []string
	for _, id := range who {
		handle, typ, local, err := localActor(tx, s.URLs, id)
		if err != nil {
			return err
		}
		if local {
			if typ != domain.ActorPerson {
				continue
			}
			n := domain.Notification{Kind: domain.NotifyReminder, Actor: course, ActorName: c.Title, Subject: m.Title,
				URL: "/courses/" + c.Handle + "/meetings/" + m.ID, At: start, Zone: m.Timezone}
			if err := s.notifyPerson(tx, handle, n); err != nil {
				return err
			}
			continue
		}
		ra, err := remoteActor(tx, id)
		if err != nil {
			return err
		}
		if ra == nil || ra.Inbox == "" {
			continue // never seen here: no inbox to write to
		}
		mentions = append(mentions, federation.Mention{ID: ra.ID, Name: ra.Handle()})
		inboxes = append(inboxes, ra.Inbox)
	}
	if len(mentions) == 0 || !c.Federates() {
		return nil
	}
	_, err := s.posts.note(tx, c.Handle, s.reminderText(c, m, start, mentions), mentions, federation.DirectAddress(mentions), inboxes)
	return err
}

// reminderText is the direct note's text: whom it is for, which meeting,
// when in the meeting's own time zone, where, and the meeting's link.
func (s *Meetings) reminderText(c *domain.Course, m *domain.Meeting, start time.Time, to []federation.Mention) string {
	var names []string
	for _, t := range to {
		names = append(names, t.Name)
	}
	loc, err := m.Location()
	if err != nil {
		loc = time.UTC
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s A reminder from %s: “%s” starts on %s (%s) and lasts %d minutes.",
		strings.Join(names, " "), c.Title, m.Title, start.In(loc).Format("Monday 2 January 2006, 15:04 MST"), m.Timezone, m.Minutes)
	if m.Place != "" {
		fmt.Fprintf(&b, "\n\nWhere: %s", m.Place)
	}
	fmt.Fprintf(&b, "\n\nThe meeting: %s", federation.MeetingURL(s.URLs, c.Handle, m.ID))
	return b.String()
}
