package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// setValue sets the field labelled label to value as a browser's own
// picker would (a datetime-local input takes no typing that is the same
// in every locale), and tells the page it changed.
func (u *user) setValue(label, value string) {
	u.t.Helper()
	u.step(fmt.Sprintf("set %q", label), chromedp.WaitVisible(labelled(label)),
		chromedp.Evaluate[chromedp.Void](`(() => { const el = (`+string(labelled(label))+`); el.value = `+jsString(value)+
			`; el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	if got := js[string](u, `(`+string(labelled(label))+`).value`); got != value {
		u.t.Fatalf("%s: the field %q holds %q, want %q", u.name, label, got, value)
	}
}

// TestJourneyMeetings: the facilitator plans a weekly meeting from the
// course page with the form, skips its first session and sees it marked
// skipped (and so does the store); a learner answers Going on the course
// page and sees their answer; on a meeting whose first session is past,
// the facilitator ticks who came and saves it. Every page on the way gets
// the harness's overflow and axe-core checks.
func TestJourneyMeetings(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	demoLearner(t, n)
	course := "/courses/" + node.DemoCourse
	b := newBrowser(t)
	ada := b.as("ada", n.Base).in(t)
	ada.logIn("ada", n.AdaPassword)

	ada.openOK(course)
	ada.follow("New meeting")
	ada.fill("Title", "Weekly study session")
	first := time.Now().AddDate(0, 0, 10)
	ada.setValue("First session (date and time)", first.Format("2006-01-02")+"T18:30")
	ada.fill("Time zone", "Europe/Berlin")
	ada.fill("Length (minutes)", "90")
	ada.choose("Repeats", "weekly")
	ada.fill("Number of sessions (for a repeating meeting)", "6")
	ada.fill("Place or link", "Room 4, the library")
	ada.fill("Agenda", "We read **chapter 1**.")
	ada.choose("Reminder", "1 day before")
	ada.pressOK("Plan the meeting")
	ada.sees("The meeting “Weekly study session” is planned.", "Every week, 6 sessions in all", "Room 4, the library", "chapter 1")

	var m *domain.Meeting
	n.view(t, func(tx domain.Tx) error {
		ms, err := tx.Meetings(node.DemoCourse)
		for _, x := range ms {
			if x.Title == "Weekly study session" { // the demo's own is another
				m = x
			}
		}
		return err
	})
	if m == nil || m.Count != 6 || m.Repeat != domain.RepeatWeekly || m.Timezone != "Europe/Berlin" || m.ReminderLead != 24*time.Hour {
		t.Fatalf("the meeting kept: %+v", m)
	}

	ada.pressOK("Skip")
	ada.sees("The session is skipped: it will not take place.")
	if got := js[int](ada, `document.querySelectorAll("ol.sessions li.skipped").length`); got != 1 {
		t.Fatalf("%d sessions marked skipped, want 1\n%s", got, ada.where())
	}
	if got := js[string](ada, `document.querySelector("ol.sessions li").innerText`); !strings.Contains(got, "skipped") || !strings.Contains(got, "Put back") {
		t.Errorf("the first session reads %q, want it skipped with Put back", got)
	}
	n.view(t, func(tx domain.Tx) error {
		got, err := tx.Meeting(node.DemoCourse, m.ID)
		if err == nil && (len(got.Skipped) != 1 || !got.Skipped[0].Equal(m.All()[0].Start)) {
			t.Errorf("skipped %v, want the first session %v", got.Skipped, m.All()[0].Start)
		}
		return err
	})

	pat := b.as("pat", n.Base).in(t)
	pat.logIn("pat", pw)
	pat.openOK(course)
	pat.sees("Weekly study session", "0 going · 0 maybe · 0 can't")
	pat.pressOKIn("Will you come to Weekly study session?", "Going")
	pat.sees("Your answer is saved: Going.", "Your answer: Going", "1 going · 0 maybe · 0 can't")
	n.view(t, func(tx domain.Tx) error {
		r, err := tx.RSVP(m.ID, n.person("pat"))
		if err == nil && r.Answer != domain.RSVPGoing {
			t.Errorf("pat's answer is %q", r.Answer)
		}
		return err
	})
	pat.follow("Weekly study session")
	pat.sees("Pat Learner (@pat): Going")

	// A meeting that began two weeks ago: its last session that began is
	// the one the attendance form marks.
	began := time.Now().UTC().AddDate(0, 0, -15)
	past, err := n.Services.Meetings.Create(context.Background(), "ada", node.DemoCourse, service.MeetingInput{Title: "Earlier circle",
		Start: began.Format("2006-01-02T15:04"), Timezone: "UTC", Minutes: 60, Repeat: domain.RepeatWeekly, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	ada.openOK(course + "/meetings/" + past.ID)
	ada.sees("Who came on", "Participants who came")
	ada.tick("Pat Learner (@pat)", true)
	ada.pressOK("Save attendance")
	ada.sees("1 person is marked as having come.", "Who came (1 marked)")
	n.view(t, func(tx domain.Tx) error {
		as, err := tx.Attendance(past.ID, past.All()[2].Start)
		if err == nil && (len(as) != 1 || as[0].Actor != n.person("pat")) {
			t.Errorf("attendance of the third session: %+v", as)
		}
		return err
	})
	if !js[bool](ada, `document.querySelector('input[name="came"][value=`+jsString(n.person("pat"))+`]').checked`) {
		t.Errorf("pat is not ticked after saving\n%s", ada.where())
	}
}

// seedMeetings plans, on n's demo course, a weekly meeting whose first
// sessions are past (one skipped, pat's answer given), and tells n of a
// meeting of the demo course on other, which ada follows. It returns the
// meeting's path and the path of the other course's page on n.
func seedMeetings(t *testing.T, n, other *testNode) (meeting, remote string) {
	t.Helper()
	ctx := context.Background()
	m, err := n.Services.Meetings.Create(ctx, node.DemoOrganiser, node.DemoCourse, service.MeetingInput{Title: "Study circle",
		Agenda: "We read **chapter 1**.", Place: "https://meet.example/circle", Timezone: "Europe/Berlin",
		Start: time.Now().AddDate(0, 0, -8).Format("2006-01-02T15:04"), Minutes: 60, Repeat: domain.RepeatWeekly, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Meetings.Skip(ctx, node.DemoOrganiser, node.DemoCourse, m.ID, m.All()[2].Start, true); err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Meetings.Answer(ctx, "pat", n.URLs.Path("/courses/"+node.DemoCourse+"/meetings/"+m.ID), domain.RSVPGoing); err != nil {
		t.Fatal(err)
	}
	course := other.URLs.Actor(domain.ActorCourse, node.DemoCourse)
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		if err := tx.PutFollowing(&domain.Following{Local: node.DemoOrganiser, Target: course, ActivityID: course + "#follow",
			State: domain.FollowAccepted, Created: time.Now()}); err != nil {
			return err
		}
		event := course + "/meetings/01JREMOTEMEETING0000000000"
		return tx.PutRemoteMeeting(&domain.RemoteMeeting{ID: event, Course: course, Title: "Reading group", URL: event,
			Start: time.Now().UTC().AddDate(0, 0, 2).Truncate(time.Minute), Minutes: 60, Timezone: "UTC", Place: "Online",
			Repeat: domain.RepeatOnce, Count: 1})
	}); err != nil {
		t.Fatal(err)
	}
	return "/courses/" + node.DemoCourse + "/meetings/" + m.ID, "/remote?id=" + url.QueryEscape(course)
}
