package service

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// The calendars that calendar apps subscribe to: a course's meetings, and
// a person's "all my sessions" (the meetings of the courses they take part
// in, here and on other servers). Calendar apps cannot log in, so a
// person's calendar is read with a secret key of theirs instead
// (Person.CalendarKey), which they can replace.

// CalendarEntry is one meeting as a calendar lists it.
type CalendarEntry struct {
	Meeting *domain.Meeting
	// Description is its agenda as plain text.
	Description string
	// URL is its page (its Event's id).
	URL string
}

// Calendar is a list of meetings under one name.
type Calendar struct {
	Name    string
	Entries []CalendarEntry
}

// entry is the calendar entry of a meeting of a course of this node.
func (s *Meetings) entry(m *domain.Meeting) CalendarEntry {
	return CalendarEntry{Meeting: m, Description: s.Docs.Sanitizer.PlainText(m.AgendaHTML),
		URL: federation.MeetingURL(s.URLs, m.Course, m.ID)}
}

// remoteEntry is the calendar entry of a meeting of a course on another
// server.
func (s *Meetings) remoteEntry(rm *domain.RemoteMeeting) CalendarEntry {
	url := rm.URL
	if url == "" {
		url = rm.ID
	}
	return CalendarEntry{Meeting: rm.Meeting(), Description: s.Docs.Sanitizer.PlainText(rm.Content), URL: url}
}

// CourseCalendar is the calendar of a visible course's meetings, in the
// order they were made; drafts are not found.
func (s *Meetings) CourseCalendar(ctx context.Context, course string) (*Calendar, error) {
	var out *Calendar
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		c, err := visibleCourse(tx, course)
		if err != nil {
			return err
		}
		ms, err := tx.Meetings(course)
		if err != nil {
			return err
		}
		out = &Calendar{Name: c.Title}
		for _, m := range ms {
			out.Entries = append(out.Entries, s.entry(m))
		}
		return nil
	})
	return out, err
}

// errNoCalendar is what a wrong key, or no such person, gets: the same
// answer, so that a key cannot be told from a handle.
func errNoCalendar() error { return domain.Errorf(domain.ENOTFOUND, "No calendar is at that address.") }

// PersonCalendar is the calendar of every session of the local person
// handle: the meetings of the courses of this node they take part in (as
// an accepted learner or an organiser) and those of the courses on other
// servers they take part in, as those courses' Events said. key must be
// the person's calendar key; a wrong one is not found.
func (s *Meetings) PersonCalendar(ctx context.Context, handle, key string) (*Calendar, error) {
	var out *Calendar
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		p, found, err := domain.Found(tx.Person(handle))
		if err != nil {
			return err
		}
		if !found || p.IsSuspended() || p.CalendarKey == "" ||
			subtle.ConstantTimeCompare([]byte(p.CalendarKey), []byte(key)) != 1 {
			return errNoCalendar()
		}
		out = &Calendar{Name: p.Name()}
		seen := map[string]bool{}
		add := func(course string) error {
			if seen[course] {
				return nil
			}
			seen[course] = true
			ms, err := tx.Meetings(course)
			if err != nil {
				return err
			}
			for _, m := range ms {
				out.Entries = append(out.Entries, s.entry(m))
			}
			return nil
		}
		follows, err := tx.FollowedBy(s.URLs.Actor(domain.ActorPerson, handle))
		if err != nil {
			return err
		}
		for _, f := range follows {
			if f.State != domain.FollowAccepted {
				continue
			}
			if _, found, err := domain.Found(tx.Course(f.Local)); err != nil {
				return err
			} else if found {
				if err := add(f.Local); err != nil {
					return err
				}
			}
		}
		organised, err := tx.CoursesPage(domain.OrganisedCourses(handle), "", domain.MaxPageSize, nil)
		if err != nil {
			return err
		}
		for _, c := range organised.Items {
			if err := add(c.Handle); err != nil {
				return err
			}
		}
		followings, err := tx.Followings(handle)
		if err != nil {
			return err
		}
		for _, f := range followings {
			if f.State != domain.FollowAccepted {
				continue
			}
			rms, err := tx.RemoteMeetings(f.Target)
			if err != nil {
				return err
			}
			for _, rm := range rms {
				out.Entries = append(out.Entries, s.remoteEntry(rm))
			}
		}
		return nil
	})
	return out, err
}

// CalendarKey is the key of the local person's calendar, made the first
// time they ask for it (or again when renew is set: the old key then
// reads nothing).
func (s *Meetings) CalendarKey(ctx context.Context, handle string, renew bool) (string, error) {
	var key string
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		p, err := tx.Person(handle)
		if err != nil {
			return err
		}
		if p.CalendarKey != "" && !renew {
			key = p.CalendarKey
			return nil
		}
		if key, err = domain.NewToken(); err != nil {
			return fmt.Errorf("service: calendar key: %w", err)
		}
		p.CalendarKey = key
		return tx.PutPerson(p)
	})
	return key, err
}
