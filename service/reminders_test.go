package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// ucNow is the clock of newUseCases.
var ucNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// setNow moves the services' clock to t.
func (u *useCases) setNow(t time.Time) { u.svc.Meetings.env.Now = func() time.Time { return t } }

// meeting has ada plan a meeting of the course.
func (u *useCases) meeting(in MeetingInput) *domain.Meeting {
	u.t.Helper()
	if in.Title == "" {
		in.Title = "Study session"
	}
	if in.Minutes == 0 {
		in.Minutes = 90
	}
	m, err := u.svc.Meetings.Create(context.Background(), "ada", "course", in)
	if err != nil {
		u.t.Fatal(err)
	}
	return m
}

// event is the Event id of the course's meeting m.
func (u *useCases) event(m *domain.Meeting) string {
	return federation.MeetingURL(u.urls, "course", m.ID)
}

// answer keeps who's answer to m: a local person's through Answer, rae's
// as her node sends it.
func (u *useCases) answer(who string, m *domain.Meeting, a domain.RSVPAnswer) {
	u.t.Helper()
	if who == raeID {
		if err := u.st.Update(context.Background(), func(tx domain.Tx) error {
			return u.svc.Meetings.ReceiveAnswer(tx, raeID, u.event(m), a, raeID+"/answers/"+string(a))
		}); err != nil {
			u.t.Fatal(err)
		}
		return
	}
	if err := u.svc.Meetings.Answer(context.Background(), who, u.event(m), a); err != nil {
		u.t.Fatal(err)
	}
}

// remind runs a round of reminders and checks how many sessions it sent.
func (u *useCases) remind(want int) {
	u.t.Helper()
	n, err := u.svc.Meetings.SendReminders(context.Background())
	if err != nil || n != want {
		u.t.Fatalf("SendReminders = %d, %v; want %d", n, err, want)
	}
}

// notes are the direct notes queued to inbox, as their Create activities.
func (u *useCases) notes(inbox string) []map[string]any {
	u.t.Helper()
	var out []map[string]any
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
			doc := map[string]any{}
			if err := json.Unmarshal(a.JSON, &doc); err != nil {
				return err
			}
			if obj, ok := doc["object"].(map[string]any); ok && doc["type"] == "Create" && obj["type"] == "Note" {
				out = append(out, doc)
			}
		}
		return nil
	})
	return out
}

// reminders are the kinds and subjects of person's unread reminders.
func (u *useCases) reminders(person string) []string {
	u.t.Helper()
	var out []string
	u.view(func(tx domain.Tx) error {
		p, err := tx.NotificationsPage(person, "", 100)
		for _, n := range p.Items {
			if n.Kind == domain.NotifyReminder {
				out = append(out, n.Subject+" "+n.At.Format(time.RFC3339)+" "+n.URL)
			}
		}
		return err
	})
	return out
}

// TestReminderGoesOutOnce: a session within its meeting's reminder lead is
// reminded to those who said they come, once however many rounds run:
// bob (going, here) is notified, rae (maybe, on another server) gets one
// direct note from the course, addressed to her alone, that says which
// meeting, when in the meeting's zone, where, and links it; ada, who did
// not answer, and cem, who said no, get nothing. The next session is
// reminded when its own time comes.
func TestReminderGoesOutOnce(t *testing.T) {
	u := newUseCases(t)
	u.withLearner("cem")
	m := u.meeting(MeetingInput{Title: "Reading group", Start: "2026-11-28T15:00", Timezone: "Europe/Berlin",
		Place: "Room 4", Repeat: domain.RepeatWeekly, Count: 3, ReminderLead: 3 * time.Hour})
	u.answer("bob", m, domain.RSVPGoing)
	u.answer(raeID, m, domain.RSVPMaybe)
	u.answer("cem", m, domain.RSVPNo)

	u.remind(1)
	first := "Reading group 2026-11-28T14:00:00Z /courses/course/meetings/" + m.ID
	if got := u.reminders("bob"); !slices.Equal(got, []string{first}) {
		t.Fatalf("bob's reminders: %q, want %q", got, first)
	}
	for _, h := range []string{"ada", "cem"} {
		if got := u.reminders(h); len(got) != 0 {
			t.Errorf("%s was reminded: %q", h, got)
		}
	}
	notes := u.notes(raeID + "/inbox")
	if len(notes) != 1 {
		t.Fatalf("%d notes to rae, want 1", len(notes))
	}
	note := notes[0]["object"].(map[string]any)
	content, _ := note["content"].(string)
	for _, want := range []string{"Reading group", "Saturday 28 November 2026, 15:00 CET", "Europe/Berlin", "Room 4", u.event(m), `href="` + raeID + `" class="u-url mention"`} {
		if !strings.Contains(content, want) {
			t.Errorf("the note does not say %q: %s", want, content)
		}
	}
	if to, _ := json.Marshal([]any{note["to"], note["cc"]}); string(to) != `[["`+raeID+`"],null]` && string(to) != `[["`+raeID+`"],[]]` {
		t.Errorf("the note is addressed to %s, want rae alone", to)
	}
	if got := notes[0]["actor"]; got != u.urls.Actor(domain.ActorCourse, "course") {
		t.Errorf("the note is from %v, want the course", got)
	}

	// Later rounds, before and in the session, send nothing more.
	u.remind(0)
	u.setNow(ucNow.Add(2*time.Hour + 30*time.Minute))
	u.remind(0)
	if got := u.reminders("bob"); len(got) != 1 || len(u.notes(raeID+"/inbox")) != 1 {
		t.Fatalf("after more rounds: bob %q, rae %d notes", got, len(u.notes(raeID+"/inbox")))
	}

	// A week later, the second session's reminder.
	u.setNow(ucNow.Add(7*24*time.Hour - time.Hour))
	u.remind(1)
	u.remind(0)
	if got := u.reminders("bob"); len(got) != 2 || !strings.Contains(got[0], "2026-12-05T14:00:00Z") {
		t.Fatalf("bob's reminders after the second session's: %q", got)
	}
	if n := len(u.notes(raeID + "/inbox")); n != 2 {
		t.Fatalf("%d notes to rae, want 2", n)
	}
}

// TestReminderNotDue: no reminder goes out before the lead time, for a
// skipped session, for a meeting called off, for a meeting without a
// reminder, or after a session began.
func TestReminderNotDue(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	early := u.meeting(MeetingInput{Start: "2026-11-28T16:00", ReminderLead: 3 * time.Hour})
	skipped := u.meeting(MeetingInput{Start: "2026-11-28T14:00", Repeat: domain.RepeatWeekly, Count: 2, ReminderLead: 2 * time.Hour})
	cancelled := u.meeting(MeetingInput{Start: "2026-11-28T13:00", ReminderLead: 2 * time.Hour})
	silent := u.meeting(MeetingInput{Start: "2026-11-28T13:00"})
	begun := u.meeting(MeetingInput{Start: "2026-11-28T11:30", ReminderLead: 2 * time.Hour})
	for _, m := range []*domain.Meeting{early, skipped, cancelled, silent, begun} {
		u.answer("bob", m, domain.RSVPGoing)
	}
	if _, err := u.svc.Meetings.Skip(ctx, "ada", "course", skipped.ID, skipped.Start, true); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Meetings.Cancel(ctx, "ada", "course", cancelled.ID, true); err != nil {
		t.Fatal(err)
	}
	u.remind(0)
	if got := u.reminders("bob"); len(got) != 0 {
		t.Fatalf("bob was reminded: %q", got)
	}
	// The lead time of the early one comes.
	u.setNow(ucNow.Add(time.Hour))
	u.remind(1)
	if got := u.reminders("bob"); len(got) != 1 || !strings.Contains(got[0], early.ID) {
		t.Fatalf("bob's reminders: %q, want the early meeting's", got)
	}
	// A skipped session put back is reminded when its time comes.
	if _, err := u.svc.Meetings.Skip(ctx, "ada", "course", skipped.ID, skipped.Start, false); err != nil {
		t.Fatal(err)
	}
	u.remind(1)
	u.remind(0)
}

// TestReminderToEveryone: a meeting that reminds everyone reminds the
// organisers and every accepted participant, answered or not, but not
// someone whose sign-up waits; one that reminds only those who answered
// going or maybe leaves out a participant who said no and one who left
// the course since.
func TestReminderToEveryone(t *testing.T) {
	u := newUseCases(t)
	u.withLearner("cem")
	u.withLearner("dan")
	if err := u.svc.Accounts.Register(context.Background(), &domain.Person{Handle: "eve", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u.update(func(tx domain.Tx) error {
		return tx.PutFollower(&domain.Follower{Local: "course", Actor: u.person("eve"), ActivityID: u.person("eve") + "#enrol", State: domain.FollowPending})
	})
	all := u.meeting(MeetingInput{Title: "Everyone", Start: "2026-11-28T13:00", ReminderLead: 2 * time.Hour, RemindAll: true})
	some := u.meeting(MeetingInput{Title: "Some", Start: "2026-11-28T13:30", ReminderLead: 2 * time.Hour})
	u.answer("cem", all, domain.RSVPNo) // everyone is everyone
	u.answer("bob", some, domain.RSVPGoing)
	u.answer("cem", some, domain.RSVPNo)
	u.answer("dan", some, domain.RSVPMaybe)
	u.update(func(tx domain.Tx) error { return tx.DeleteFollower("course", u.person("dan")) })

	u.remind(2)
	for h, want := range map[string][]string{
		"ada": {"Everyone"}, "bob": {"Some", "Everyone"}, "cem": {"Everyone"}, "dan": nil, "eve": nil,
	} {
		var got []string
		for _, r := range u.reminders(h) {
			got = append(got, strings.Fields(r)[0])
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s was reminded of %q, want %q", h, got, want)
		}
	}
	if n := len(u.notes(raeID + "/inbox")); n != 1 {
		t.Errorf("%d notes to rae, want 1 (the meeting for everyone)", n)
	}
}

// TestReminderMailed: a person who asked for reminders by mail gets one,
// which says the session's time in the meeting's zone; one who did not
// gets none.
func TestReminderMailed(t *testing.T) {
	m := newMailCase(t)
	ctx := context.Background()
	m.signUp(true)
	if _, err := m.svc.Mail.SaveSettings(ctx, "cem", MailForm{Address: "cem@example.org", Kinds: []domain.MailKind{domain.MailReminder}}); err != nil {
		t.Fatal(err)
	}
	if err := m.svc.Mail.Confirm(ctx, linkIn(t, m.queue()[0])); err != nil {
		t.Fatal(err)
	}
	m.queue()
	mt, err := m.svc.Meetings.Create(ctx, "ada", "course", MeetingInput{Title: "Office hour", Start: "2026-11-28T14:30",
		Timezone: "Europe/Berlin", Minutes: 30, ReminderLead: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	urls, _ := federation.NewURLs("https://node.test")
	for _, h := range []string{"ada", "cem"} {
		if err := m.svc.Meetings.Answer(ctx, h, federation.MeetingURL(urls, "course", mt.ID), domain.RSVPGoing); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := m.svc.Meetings.SendReminders(ctx); n != 1 || err != nil {
		t.Fatalf("SendReminders = %d, %v", n, err)
	}
	q := m.queue()
	if len(q) != 1 || q[0].To != "cem@example.org" || !strings.Contains(q[0].Subject, "Office hour") ||
		!strings.Contains(q[0].Text, "28 Nov 2026 14:30 CET") || !strings.Contains(q[0].Text, "/courses/course/meetings/"+mt.ID) {
		t.Fatalf("mails: %s", mailsText(q))
	}
}
