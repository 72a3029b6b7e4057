package service

import (
	"context"
	"fmt"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// The runs of a course: Lernernta's courses ran again, each run a cohort
// with its own dates, learners and discussion. "Run this again" clones a
// course into a new actor linked to the one it came from; the old run's
// followers are invited to the new one when it opens (a post, never an
// automatic enrolment).

// dateLayout is how forms give a run's dates.
const dateLayout = "2006-01-02"

// ParseDate reads a run's date from a form ("" is none): midnight UTC of
// that day.
func ParseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(dateLayout, s, time.UTC)
	if err != nil || d.Year() < 2000 || d.Year() > 9999 {
		return time.Time{}, domain.Errorf(domain.EINVALID, "Give a date such as 2027-01-12.").On(field)
	}
	return d, nil
}

// runAgainTx is what RunAgain reads and writes: the course and its new
// run, their tasks, badges and meetings, and the Update of the old run's
// actor to its followers.
type runAgainTx interface {
	courseSaveTx
	domain.TaskStore
	domain.BadgeStore
	domain.MeetingStore
	domain.FollowStore
	domain.DeliveryStore
}

// RunAgain makes the next run of the course handle, which organiser
// organises, under newHandle, starting on starts (midnight UTC; zero keeps
// no dates): a new course actor, a draft, with the same organisers,
// settings, tasks, badges and meetings, the meetings moved by as many days
// as the start moved (each keeping its wall-clock time in its zone). Both
// runs link to each other (Previous and Next, previousRun and nextRun in
// their actors). A course has at most one next run.
func (s *Courses) RunAgain(ctx context.Context, organiser, handle, newHandle string, starts time.Time) (*domain.Course, error) {
	keys, err := s.NewKeys()
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	var next *domain.Course
	err = s.update(ctx, func(tx domain.Tx) error {
		old, err := organisedBy(tx, handle, organiser)
		if err != nil {
			return err
		}
		kind := domain.KindName(old.Kind)
		if old.Next != "" {
			return domain.Errorf(domain.EINVALID, "This %s already has a next run: %s.", kind, old.Next).On("handle")
		}
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		n := &domain.Course{Handle: newHandle, Title: old.Title, Summary: old.Summary, Kind: old.Kind,
			Status: domain.StatusDraft, SignUp: old.SignUp, Questions: old.Questions, School: old.School,
			Organisers: old.Organisers, Language: old.Language, Tags: old.Tags, Capacity: old.Capacity,
			Image: old.Image, RedistributeReplies: old.RedistributeReplies, OpenDiscussion: old.OpenDiscussion,
			Blocked: old.Blocked, Starts: starts, Previous: old.Handle,
			PublicKeyPEM: keys.PublicPEM, AssertionKey: keys.AssertionPublic, Created: now, Updated: now}
		if !st.HasKind(n.Kind) {
			n.Kind = st.DefaultKind
		}
		if !starts.IsZero() && !old.Starts.IsZero() && !old.Ends.IsZero() {
			n.Ends = starts.Add(old.Ends.Sub(old.Starts))
		}
		n.Normalise(st)
		if err := n.Validate(st); err != nil {
			return err
		}
		n.SummaryHTML = s.Docs.Sanitizer.RichMarkdown(n.Summary)
		if err := tx.CreateCourse(n, keys); err != nil {
			return err
		}
		if err := s.cloneContent(tx, old, n, starts, now); err != nil {
			return err
		}
		old.Next, old.Updated = n.Handle, now
		if err := tx.PutCourse(old); err != nil {
			return err
		}
		next = n
		return s.sendCourseActor(tx, old)
	})
	if err != nil {
		return nil, err
	}
	return next, nil
}

// cloneContent copies, inside tx, the tasks, badges and meetings of the
// course old to its new run n, the meetings moved to n's start.
func (s *Courses) cloneContent(tx runAgainTx, old, n *domain.Course, starts, now time.Time) error {
	tasks, err := tx.Tasks(old.Handle)
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, t := range tasks {
		c := *t
		c.ID, c.Course, c.Created, c.Updated = s.NewID(), n.Handle, now, now
		c.Due = time.Time{}
		ids[t.ID] = c.ID
		if err := tx.PutTask(&c); err != nil {
			return err
		}
	}
	badges, err := tx.Badges(old.Handle)
	if err != nil {
		return err
	}
	for _, b := range badges {
		c := *b
		c.ID, c.Issuer, c.Created = s.NewID(), n.Handle, now
		c.Tasks = nil
		for _, id := range b.Tasks {
			if nid, ok := ids[id]; ok {
				c.Tasks = append(c.Tasks, nid)
			}
		}
		if err := tx.PutBadge(&c); err != nil {
			return err
		}
	}
	meetings, err := tx.Meetings(old.Handle)
	if err != nil {
		return err
	}
	days := shiftDays(old, meetings, starts)
	for _, m := range meetings {
		c := *m
		c.ID, c.Course, c.Sequence, c.Created, c.Updated = s.NewID(), n.Handle, 0, now, now
		c.Notes, c.NotesHTML, c.Cancelled = "", "", false
		c.Start = shiftWallClock(&c, m.Start, days)
		c.Skipped = nil
		for _, at := range m.Skipped {
			c.Skipped = append(c.Skipped, shiftWallClock(&c, at, days))
		}
		c.Normalise()
		if err := c.Validate(); err != nil {
			return fmt.Errorf("service: run again: meeting %s: %w", m.ID, err)
		}
		if err := tx.PutMeeting(&c); err != nil {
			return err
		}
	}
	return nil
}

// shiftDays is how many days the new run's meetings move: from the old
// run's start (or, without one, the day of its first meeting) to the new
// start; 0 without a new start.
func shiftDays(old *domain.Course, meetings []*domain.Meeting, starts time.Time) int {
	if starts.IsZero() {
		return 0
	}
	from := old.Starts
	if from.IsZero() {
		for _, m := range meetings {
			if from.IsZero() || m.Start.Before(from) {
				from = m.Start
			}
		}
	}
	if from.IsZero() {
		return 0
	}
	y, mo, d := from.UTC().Date()
	from = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	return int(starts.Sub(from).Round(24*time.Hour) / (24 * time.Hour))
}

// shiftWallClock is at moved days later, at the same wall-clock time in
// m's zone.
func shiftWallClock(m *domain.Meeting, at time.Time, days int) time.Time {
	loc, err := m.Location()
	if err != nil {
		loc = time.UTC
	}
	l := at.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+days, l.Hour(), l.Minute(), 0, 0, loc).UTC()
}

// inviteTx is what invite reads and writes: the previous run, and the post
// it makes.
type inviteTx interface {
	domain.CourseStore
	coursePostTx
	notifyPostTx
	domain.FollowStore
}

// invite makes, inside tx, the previous run of c post to its followers
// that c is open: a public post with the new run's handle to follow, in
// the old run's discussion (so its learners here see it too). Once per
// run: c is marked Invited.
func (s *Courses) invite(tx inviteTx, c *domain.Course) error {
	if c.Previous == "" || c.Invited {
		return nil
	}
	prev, err := tx.Course(c.Previous)
	if err != nil {
		return err
	}
	c.Invited = true
	if !prev.Federates() || prev.Status == domain.StatusArchived {
		return nil
	}
	urls := s.URLs
	id := urls.Actor(domain.ActorCourse, c.Handle)
	mention := []federation.Mention{{ID: id, Name: "@" + c.Handle + "@" + urls.Host()}}
	when := ""
	if !c.Starts.IsZero() {
		when = " It starts on " + c.Starts.Format("Monday 2 January 2006") + "."
	}
	text := fmt.Sprintf("%s runs again!%s Follow %s to take part: %s", federation.EscapeMarkdown(c.Title), when, mention[0].Name, id)
	p := s.posts.localPost(PostInput{Course: prev.Handle, Text: text, Mentions: mention}, s.Now().UTC())
	p.Author = urls.Actor(domain.ActorCourse, prev.Handle)
	for _, m := range mention {
		p.Mentions = append(p.Mentions, m.ID)
	}
	if err := s.notifyPost(tx, p); err != nil {
		return err
	}
	followers, err := tx.FollowerInboxes(prev.Handle)
	if err != nil {
		return err
	}
	return s.posts.queueCoursePost(tx, prev, p, mention, followers)
}
