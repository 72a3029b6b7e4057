package service

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// stored is the course's meeting id as the store holds it.
func (u *useCases) stored(id string) *domain.Meeting {
	u.t.Helper()
	var m *domain.Meeting
	u.view(func(tx domain.Tx) (err error) { m, err = tx.Meeting("course", id); return err })
	return m
}

// meetingCount is how many meetings the course has.
func (u *useCases) meetingCount() int {
	u.t.Helper()
	var n int
	u.view(func(tx domain.Tx) error { ms, err := tx.Meetings("course"); n = len(ms); return err })
	return n
}

// eventActivities are the types and Event ids of the activities queued to
// inbox that carry an Event.
func (u *useCases) eventActivities(inbox string) []string {
	u.t.Helper()
	var out []string
	u.view(func(tx domain.Tx) error {
		ds, err := tx.Deliveries()
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Inbox != inbox {
				continue
			}
			a, err := tx.Activity(d.ActivityID)
			if err != nil {
				return err
			}
			var doc struct {
				Type   string
				Object struct{ Type, ID string }
			}
			if err := json.Unmarshal(a.JSON, &doc); err != nil {
				return err
			}
			if doc.Object.Type == "Event" {
				out = append(out, doc.Type+" "+doc.Object.ID)
			}
		}
		return nil
	})
	return out
}

// TestCreateMeeting: an organiser plans a meeting, kept with its first
// session's start read as the wall-clock time of its zone, and the course's
// followers are sent a Create of its Event; someone who does not organise
// the course cannot, and a meeting that does not make sense is refused on
// its field and kept nowhere.
func TestCreateMeeting(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	m := u.meeting(MeetingInput{Title: "  Kick-off  ", Agenda: "**Plan** the weeks", Start: "2026-12-01T18:30", Timezone: "Europe/Berlin",
		Place: "Room 4", Repeat: domain.RepeatWeekly, Count: 4, ReminderLead: time.Hour})
	got := u.stored(m.ID)
	if got.Title != "Kick-off" || !got.Start.Equal(time.Date(2026, 12, 1, 17, 30, 0, 0, time.UTC)) || got.Count != 4 ||
		got.AgendaHTML == "" || got.Sequence != 0 || !got.Created.Equal(ucNow) {
		t.Fatalf("kept: %+v", got)
	}
	if last := got.All()[3].Start; !last.Equal(time.Date(2026, 12, 22, 17, 30, 0, 0, time.UTC)) {
		t.Errorf("the fourth session starts at %s", last)
	}
	if ev := u.eventActivities(raeID + "/inbox"); len(ev) != 1 || ev[0] != "Create "+u.event(m) {
		t.Errorf("sent to rae: %q, want the Create of the Event", ev)
	}

	if _, err := u.svc.Meetings.Create(ctx, "bob", "course", MeetingInput{Title: "Mine", Start: "2026-12-01T18:30", Minutes: 60}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a learner plans a meeting: %v, want forbidden", err)
	}
	for _, tc := range []struct {
		name, field string
		in          MeetingInput
	}{
		{"no title", "title", MeetingInput{Start: "2026-12-01T18:30", Minutes: 60}},
		{"no start", "start", MeetingInput{Title: "T", Minutes: 60}},
		{"a start that is no time", "start", MeetingInput{Title: "T", Start: "next Tuesday", Minutes: 60}},
		{"an unknown zone", "timezone", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Timezone: "Mars/Olympus", Minutes: 60}},
		{"the server's zone", "timezone", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Timezone: "Local", Minutes: 60}},
		{"no length", "minutes", MeetingInput{Title: "T", Start: "2026-12-01T18:30"}},
		{"too long", "minutes", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Minutes: 13 * 60}},
		{"a weekly meeting of one session", "count", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Minutes: 60, Repeat: domain.RepeatWeekly, Count: 1}},
		{"too many sessions", "count", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Minutes: 60, Repeat: domain.RepeatBiweekly, Count: domain.MaxMeetingCount + 1}},
		{"an unknown repeat", "repeat", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Minutes: 60, Repeat: "daily", Count: 3}},
		{"a place on two lines", "place", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Minutes: 60, Place: "Room 4\nBcc: x"}},
		{"a reminder a month ahead", "reminder", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Minutes: 60, ReminderLead: 30 * 24 * time.Hour}},
		{"a reminder after the start", "reminder", MeetingInput{Title: "T", Start: "2026-12-01T18:30", Minutes: 60, ReminderLead: -time.Hour}},
	} {
		_, err := u.svc.Meetings.Create(ctx, "ada", "course", tc.in)
		if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorField(err) != tc.field {
			t.Errorf("%s: %v (field %q), want invalid on %s", tc.name, err, domain.ErrorField(err), tc.field)
		}
	}
	if n := u.meetingCount(); n != 1 {
		t.Errorf("%d meetings after the refusals, want 1", n)
	}
	if ev := u.eventActivities(raeID + "/inbox"); len(ev) != 1 {
		t.Errorf("the refusals sent %q", ev)
	}
}

// TestEditMeeting: an edit that changes what a calendar shows raises the
// meeting's sequence, one of the notes only does not; each sends an
// Update of the Event. Skipped sessions that the new schedule no longer
// has are dropped. A learner cannot edit, and a refused edit changes
// nothing.
func TestEditMeeting(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	in := MeetingInput{Title: "Weekly", Start: "2026-12-01T18:00", Minutes: 60, Repeat: domain.RepeatWeekly, Count: 3}
	m := u.meeting(in)
	second := m.All()[1].Start
	if _, err := u.svc.Meetings.Skip(ctx, "ada", "course", m.ID, second, true); err != nil {
		t.Fatal(err)
	}
	if got := u.stored(m.ID); got.Sequence != 1 || len(got.Skipped) != 1 {
		t.Fatalf("after the skip: sequence %d, skipped %v", got.Sequence, got.Skipped)
	}

	notes := in
	notes.Notes = "We read chapter 1."
	got, err := u.svc.Meetings.Edit(ctx, "ada", "course", m.ID, notes)
	if err != nil || got.Sequence != 1 || got.NotesHTML == "" || len(got.Skipped) != 1 {
		t.Fatalf("notes added: %+v, %v; want sequence 1, the skip kept", got, err)
	}
	moved := notes
	moved.Start = "2026-12-02T18:00"
	if got, err = u.svc.Meetings.Edit(ctx, "ada", "course", m.ID, moved); err != nil || got.Sequence != 2 || len(got.Skipped) != 0 {
		t.Fatalf("moved a day: %+v, %v; want sequence 2 and the old skip dropped", got, err)
	}
	ev := u.eventActivities(raeID + "/inbox")
	if countOf(ev, "Update "+u.event(m)) != 3 || countOf(ev, "Create "+u.event(m)) != 1 {
		t.Errorf("sent to rae: %q, want a Create and three Updates", ev)
	}

	if _, err := u.svc.Meetings.Edit(ctx, "bob", "course", m.ID, in); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a learner edits: %v, want forbidden", err)
	}
	bad := moved
	bad.Minutes = 0
	if _, err := u.svc.Meetings.Edit(ctx, "ada", "course", m.ID, bad); domain.ErrorField(err) != "minutes" {
		t.Errorf("an edit without a length: %v", err)
	}
	if _, err := u.svc.Meetings.Edit(ctx, "ada", "course", "01NOSUCHMEETING", in); !domain.IsNotFound(err) {
		t.Errorf("an edit of no meeting: %v", err)
	}
	if got := u.stored(m.ID); got.Sequence != 2 || got.Minutes != 60 || !got.Start.Equal(time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("after the refused edits: %+v", got)
	}
}

// TestSkipAndCancelMeeting: an organiser skips one session and puts it
// back, and calls the whole meeting off and back on; a start that is no
// session of the meeting is refused, and so is a learner.
func TestSkipAndCancelMeeting(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	m := u.meeting(MeetingInput{Start: "2026-12-01T18:00", Repeat: domain.RepeatBiweekly, Count: 3})
	third := m.All()[2].Start
	if !third.Equal(time.Date(2026, 12, 29, 18, 0, 0, 0, time.UTC)) {
		t.Fatalf("the third biweekly session starts at %s", third)
	}
	if _, err := u.svc.Meetings.Skip(ctx, "ada", "course", m.ID, third.Add(time.Hour), true); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("skip an hour that is no session: %v", err)
	}
	if _, err := u.svc.Meetings.Skip(ctx, "bob", "course", m.ID, third, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a learner skips: %v", err)
	}
	got, err := u.svc.Meetings.Skip(ctx, "ada", "course", m.ID, third, true)
	if err != nil || len(got.Skipped) != 1 || !got.IsSkipped(third) {
		t.Fatalf("skipped: %+v, %v", got, err)
	}
	if _, ok := got.Session(third); ok {
		t.Error("a skipped session still takes place")
	}
	if _, err := u.svc.Meetings.Skip(ctx, "ada", "course", m.ID, third, true); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("skip it twice: %v", err)
	}
	if got, err = u.svc.Meetings.Skip(ctx, "ada", "course", m.ID, third, false); err != nil || len(got.Skipped) != 0 {
		t.Fatalf("put back: %+v, %v", got, err)
	}
	if got, err = u.svc.Meetings.Cancel(ctx, "ada", "course", m.ID, true); err != nil || !got.Cancelled || len(got.All()) != 0 {
		t.Fatalf("called off: %+v, %v", got, err)
	}
	if _, err := u.svc.Meetings.Cancel(ctx, "bob", "course", m.ID, false); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a learner puts it back on: %v", err)
	}
	if got, err = u.svc.Meetings.Cancel(ctx, "ada", "course", m.ID, false); err != nil || got.Cancelled || got.Sequence != 4 {
		t.Fatalf("back on: %+v, %v; want sequence 4", got, err)
	}
}

// TestAnswerMeeting: a participant of the course answers a meeting and
// changes their answer; someone who takes no part cannot, nor anyone once
// the meeting is called off or over; an answer from another server to no
// meeting here is not found.
func TestAnswerMeeting(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	if err := u.svc.Accounts.Register(ctx, &domain.Person{Handle: "zed", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	m := u.meeting(MeetingInput{Start: "2026-12-01T18:00"})
	rsvp := func(actor string) domain.RSVPAnswer {
		var r *domain.RSVP
		u.view(func(tx domain.Tx) error {
			var err error
			r, _, err = domain.Found(tx.RSVP(m.ID, actor))
			return err
		})
		if r == nil {
			return ""
		}
		return r.Answer
	}
	u.answer("bob", m, domain.RSVPGoing)
	u.answer("bob", m, domain.RSVPMaybe)
	u.answer("ada", m, domain.RSVPGoing) // organisers come too
	u.answer(raeID, m, domain.RSVPNo)
	if a, b, r := rsvp(u.person("bob")), rsvp(u.person("ada")), rsvp(raeID); a != domain.RSVPMaybe || b != domain.RSVPGoing || r != domain.RSVPNo {
		t.Fatalf("answers: bob %q, ada %q, rae %q", a, b, r)
	}
	if err := u.svc.Meetings.Answer(ctx, "zed", u.event(m), domain.RSVPGoing); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("someone who takes no part answers: %v", err)
	}
	err := u.st.Update(ctx, func(tx domain.Tx) error {
		return u.svc.Meetings.ReceiveAnswer(tx, raeID, u.event(m)+"x", domain.RSVPGoing, raeID+"/a/2")
	})
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("an answer to no meeting: %v", err)
	}
	if err := u.st.Update(ctx, func(tx domain.Tx) error {
		return u.svc.Meetings.ReceiveAnswer(tx, "https://elsewhere.test/users/x", u.event(m), domain.RSVPGoing, "https://elsewhere.test/a/1")
	}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("an answer from a stranger on another server: %v", err)
	}
	if rsvp("https://elsewhere.test/users/x") != "" || rsvp(u.person("zed")) != "" {
		t.Error("a refused answer was kept")
	}

	if _, err := u.svc.Meetings.Cancel(ctx, "ada", "course", m.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Meetings.Answer(ctx, "bob", u.event(m), domain.RSVPGoing); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("an answer to a meeting called off: %v", err)
	}
	if _, err := u.svc.Meetings.Cancel(ctx, "ada", "course", m.ID, false); err != nil {
		t.Fatal(err)
	}
	u.setNow(time.Date(2026, 12, 1, 19, 31, 0, 0, time.UTC)) // it ended at 19:30
	if err := u.svc.Meetings.Answer(ctx, "bob", u.event(m), domain.RSVPGoing); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("an answer to a meeting that is over: %v", err)
	}
	if rsvp(u.person("bob")) != domain.RSVPMaybe {
		t.Error("a refused answer replaced bob's")
	}
}

// TestMarkAttendance: organisers mark who came to a session that took
// place and has begun, of people who take part; a learner who comes to as
// many sessions as an attendance badge needs gets it, once. Marking the
// same session again, or naming someone twice, counts one session.
func TestMarkAttendance(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	if err := u.svc.Accounts.Register(ctx, &domain.Person{Handle: "zed", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	badge := u.badge(&domain.Badge{Name: "Regular", Criteria: domain.CriteriaAttendance, Sessions: 2}, "")
	// Weekly from three weeks ago: the fourth session began at 10:00 today,
	// the fifth is next week.
	m := u.meeting(MeetingInput{Start: "2026-11-07T10:00", Repeat: domain.RepeatWeekly, Count: 5})
	s := m.All()
	bob := u.person("bob")
	mark := func(who string, at time.Time, came ...string) error {
		return u.svc.Meetings.MarkAttendance(ctx, who, "course", m.ID, at, came)
	}
	counted := func() int {
		var n int
		u.view(func(tx domain.Tx) (err error) { n, err = tx.CountAttended("course", bob); return err })
		return n
	}

	if err := mark("ada", s[4].Start, bob); domain.ErrorField(err) != "start" {
		t.Errorf("a session that has not begun: %v", err)
	}
	if err := mark("ada", s[0].Start.Add(time.Minute), bob); domain.ErrorField(err) != "start" {
		t.Errorf("a time that is no session: %v", err)
	}
	if err := mark("bob", s[0].Start, bob); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a learner marks: %v", err)
	}
	if err := mark("ada", s[0].Start, bob, u.person("zed")); domain.ErrorField(err) != "came" {
		t.Errorf("someone who takes no part: %v", err)
	}
	if _, err := u.svc.Meetings.Skip(ctx, "ada", "course", m.ID, s[1].Start, true); err != nil {
		t.Fatal(err)
	}
	if err := mark("ada", s[1].Start, bob); domain.ErrorField(err) != "start" {
		t.Errorf("a skipped session: %v", err)
	}
	if n := counted(); n != 0 {
		t.Fatalf("%d sessions counted after the refusals", n)
	}

	for range 2 {
		if err := mark("ada", s[0].Start, bob, bob, raeID); err != nil {
			t.Fatal(err)
		}
	}
	if n, a := counted(), u.awards(bob, badge); n != 1 || a != 0 {
		t.Fatalf("one session marked twice: %d counted, %d awards; want 1 and none", n, a)
	}
	if err := mark("ada", s[2].Start, bob); err != nil {
		t.Fatal(err)
	}
	if n, a := counted(), u.awards(bob, badge); n != 2 || a != 1 {
		t.Fatalf("two sessions: %d counted, %d awards; want 2 and one", n, a)
	}
	if err := mark("ada", s[2].Start, bob); err != nil {
		t.Fatal(err)
	}
	if a := u.awards(bob, badge); a != 1 {
		t.Errorf("%d awards after marking again, want one", a)
	}
	// Unmarking takes the session out of the count.
	if err := mark("ada", s[0].Start); err != nil {
		t.Fatal(err)
	}
	if n := counted(); n != 1 {
		t.Errorf("%d sessions counted after bob was unmarked from one", n)
	}
}
