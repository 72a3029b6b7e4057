package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// meetingsOf reads a course's meetings from the store, but for the demo
// course's weekly session, which the demo plans before any test runs (the
// first of its meetings, their ids in the order they were made): the
// meetings a test planned.
func meetingsOf(t *testing.T, n *testNode, course string) []*domain.Meeting {
	t.Helper()
	var ms []*domain.Meeting
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		ms, err = tx.Meetings(course)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if course == node.DemoCourse {
		if len(ms) == 0 {
			t.Fatal("the demo course has no meeting of its own")
		}
		ms = ms[1:]
	}
	return ms
}

// meetingForm is a meeting form's fields, with over's values instead.
func meetingForm(csrf string, over map[string]string) url.Values {
	v := url.Values{"_csrf": {csrf}, "title": {"Weekly study session"}, "start": {"2031-03-04T18:30"},
		"timezone": {"Europe/Berlin"}, "minutes": {"90"}, "repeat": {"weekly"}, "count": {"6"},
		"place": {"Room 4, the library"}, "agenda": {"We read **chapter 1**."}, "reminder": {"1440"}, "remind": {"going"}}
	for k, x := range over {
		v.Set(k, x)
	}
	return v
}

// member signs up handle and, when join, enrols them in the demo course.
func member(t *testing.T, n *testNode, handle string, join bool) *browser {
	t.Helper()
	b := newBrowser(t, n.base)
	resp, body := b.post("/signup", signupForm(b.csrf("/signup"), handle))
	wantStatus(t, "sign-up "+handle, resp, body, http.StatusSeeOther)
	if join {
		course := "/courses/" + node.DemoCourse
		resp, _ = b.post(course+"/join", url.Values{"_csrf": {b.csrf(course)}})
		wantRedirect(t, "join "+handle, resp, course)
	}
	return b
}

// TestMeetingForms: the organiser plans a weekly meeting with the form; a
// refused one shows the form again with the message beside its field and
// keeps nothing, and so does a form with no CSRF token; someone who does
// not organise the course gets neither the form nor a meeting. The
// meeting's page and its Event share one URL; the organiser skips a
// session and puts it back, edits the meeting (a bad zone is refused
// beside its field) and calls it off.
func TestMeetingForms(t *testing.T) {
	n := startNode(t, node.Config{})
	course := "/courses/" + node.DemoCourse
	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login(node.DemoOrganiser, n.adaPW, "/"), "/")
	newForm := course + "/meetings/new"
	resp, body := ada.get(newForm)
	wantStatus(t, "the new meeting form", resp, body, http.StatusOK)
	if !strings.Contains(body, `type="datetime-local"`) || !strings.Contains(ada.mustGet(t, course), `href="`+newForm+`"`) {
		t.Fatalf("the form has no date and time, or the course page no link to it:\n%s", body)
	}

	for _, tc := range []struct {
		over  map[string]string
		field string
		says  string
	}{
		{map[string]string{"minutes": "0"}, "m-minutes", "A session lasts between a minute and 12 hours."},
		{map[string]string{"minutes": "many"}, "m-minutes", "A session lasts between"},
		{map[string]string{"start": "next tuesday"}, "m-start", "Give the first session"},
		{map[string]string{"timezone": "Mars/Olympus"}, "m-timezone", "is not a time zone name"},
		{map[string]string{"count": "1"}, "m-count", "A repeating meeting has between 2 and 104 sessions."},
		{map[string]string{"title": " "}, "m-title", "title"},
		{map[string]string{"reminder": "-5"}, "m-reminder", "A reminder goes out at most a week before a session."},
		{map[string]string{"repeat": "daily"}, "m-repeat", "Unknown repeat"},
	} {
		resp, body := ada.post(course+"/meetings", meetingForm(ada.csrf(newForm), tc.over))
		wantStatus(t, "a refused meeting", resp, body, http.StatusUnprocessableEntity)
		if !regexp.MustCompile(`id="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(body) || !strings.Contains(html.UnescapeString(body), tc.says) {
			t.Errorf("%v: the form does not mark %s with %q:\n%s", tc.over, tc.field, tc.says, body)
		}
		if !strings.Contains(body, `value="Room 4, the library"`) {
			t.Errorf("%v: what was typed is lost", tc.over)
		}
	}
	resp, _ = ada.post(course+"/meetings", meetingForm("", nil))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a meeting with no CSRF token: %d, want 403", resp.StatusCode)
	}

	bea := member(t, n, "bea", true)
	if resp, _ := bea.get(newForm); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a learner opens the new meeting form: %d, want 403", resp.StatusCode)
	}
	resp, _ = bea.post(course+"/meetings", meetingForm(bea.csrf(course), nil))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a learner plans a meeting: %d, want 403", resp.StatusCode)
	}
	if ms := meetingsOf(t, n, node.DemoCourse); len(ms) != 0 {
		t.Fatalf("refused forms kept %d meetings", len(ms))
	}

	resp, _ = ada.post(course+"/meetings", meetingForm(ada.csrf(newForm), nil))
	ms := meetingsOf(t, n, node.DemoCourse)
	if len(ms) != 1 {
		t.Fatalf("%d meetings after planning one", len(ms))
	}
	m := ms[0]
	page := course + "/meetings/" + m.ID
	wantRedirect(t, "plan a meeting", resp, page)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if want := time.Date(2031, 3, 4, 18, 30, 0, 0, berlin); !m.Start.Equal(want) || m.Count != 6 || m.Repeat != domain.RepeatWeekly ||
		m.ReminderLead != 24*time.Hour || m.RemindAll || m.Minutes != 90 {
		t.Fatalf("the meeting kept is %+v", m)
	}
	body = ada.mustGet(t, page)
	for _, want := range []string{"The meeting “Weekly study session” is planned.", "<strong>chapter 1</strong>", "Every week, 6 sessions in all",
		"4 Mar 2031 18:30 CET", "Room 4, the library"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the meeting's page does not say %q:\n%s", want, body)
		}
	}
	if !strings.Contains(body, `<link rel="alternate" type="application/activity+json" href="`+n.base+page+`">`) {
		t.Error("the meeting's page does not name its Event as its alternate")
	}
	// The same URL is the Event to ActivityPub clients.
	req, _ := http.NewRequest("GET", n.base+page, nil)
	req.Header.Set("Accept", "application/activity+json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	err = json.NewDecoder(r.Body).Decode(&ev)
	r.Body.Close()
	if err != nil || ev["type"] != "Event" || ev["id"] != n.base+page || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/activity+json") {
		t.Fatalf("the Event at %s: %v %v %s", page, err, ev, r.Header.Get("Content-Type"))
	}

	// Skip the second session, then put it back; a learner cannot.
	second := m.All()[1].Start.UTC().Format("2006-01-02T15:04Z")
	resp, _ = bea.post(page+"/skip", url.Values{"_csrf": {bea.csrf(page)}, "start": {second}, "skip": {"1"}})
	wantRedirect(t, "a learner skips", resp, page)
	if meetingsOf(t, n, node.DemoCourse)[0].Skipped != nil {
		t.Fatal("a learner skipped a session")
	}
	resp, _ = ada.post(page+"/skip", url.Values{"_csrf": {ada.csrf(page)}, "start": {"2031-03-05T10:00Z"}, "skip": {"1"}})
	wantRedirect(t, "skip no session", resp, page)
	if body := ada.mustGet(t, page); !strings.Contains(body, "There is no session of this meeting then.") || meetingsOf(t, n, node.DemoCourse)[0].Skipped != nil {
		t.Fatalf("skipping a time that is no session: %s", body)
	}
	resp, _ = ada.post(page+"/skip", url.Values{"_csrf": {ada.csrf(page)}, "start": {second}, "skip": {"1"}})
	wantRedirect(t, "skip", resp, page)
	if sk := meetingsOf(t, n, node.DemoCourse)[0].Skipped; len(sk) != 1 || sk[0].Format("2006-01-02T15:04Z") != second {
		t.Fatalf("skipped %v, want %s", sk, second)
	}
	if body := ada.mustGet(t, page); !strings.Contains(body, `<li class="skipped">11 Mar 2031 18:30 CET`) || !strings.Contains(body, ">Put back</button>") {
		t.Errorf("the page does not show the second session skipped:\n%s", body)
	}
	resp, _ = ada.post(page+"/skip", url.Values{"_csrf": {ada.csrf(page)}, "start": {second}, "skip": {"0"}})
	wantRedirect(t, "put back", resp, page)
	if sk := meetingsOf(t, n, node.DemoCourse)[0].Skipped; len(sk) != 0 {
		t.Fatalf("still skipped: %v", sk)
	}

	// Edit: a bad zone is refused beside its field, a good edit is kept.
	edit := page + "/edit"
	if resp, _ := bea.get(edit); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a learner opens the edit form: %d", resp.StatusCode)
	}
	resp, body = ada.post(edit, meetingForm(ada.csrf(edit), map[string]string{"timezone": "Nowhere/Else", "title": "Renamed"}))
	wantStatus(t, "a refused edit", resp, body, http.StatusUnprocessableEntity)
	if !regexp.MustCompile(`id="m-timezone"[^>]*aria-invalid="true"`).MatchString(body) || meetingsOf(t, n, node.DemoCourse)[0].Title != m.Title {
		t.Fatalf("a refused edit: %s", body)
	}
	resp, _ = ada.post(edit, meetingForm(ada.csrf(edit), map[string]string{"title": "Renamed", "notes": "We read it all.", "remind": "all"}))
	wantRedirect(t, "edit", resp, page)
	if got := meetingsOf(t, n, node.DemoCourse)[0]; got.Title != "Renamed" || got.Notes != "We read it all." || !got.RemindAll {
		t.Fatalf("the edit kept %+v", got)
	}

	// Call it off, and back on.
	resp, _ = bea.post(page+"/cancel", url.Values{"_csrf": {bea.csrf(page)}, "cancel": {"1"}})
	wantRedirect(t, "a learner calls it off", resp, page)
	if meetingsOf(t, n, node.DemoCourse)[0].Cancelled {
		t.Fatal("a learner called the meeting off")
	}
	resp, _ = ada.post(page+"/cancel", url.Values{"_csrf": {ada.csrf(page)}, "cancel": {"1"}})
	wantRedirect(t, "call off", resp, page)
	if !meetingsOf(t, n, node.DemoCourse)[0].Cancelled || !strings.Contains(ada.mustGet(t, page), "This meeting is called off.") {
		t.Fatal("the meeting is not called off")
	}
	resp, _ = ada.post(page+"/cancel", url.Values{"_csrf": {ada.csrf(page)}, "cancel": {"0"}})
	wantRedirect(t, "put back on", resp, page)
	if meetingsOf(t, n, node.DemoCourse)[0].Cancelled {
		t.Fatal("the meeting is still called off")
	}
}

// TestMeetingAnswersAndAttendance: a learner answers Going from the course
// page and sees their answer there and on the meeting's page; someone who
// takes no part, or an answer that is none, is refused and keeps nothing.
// The organiser marks who came to a session that has begun; a learner
// cannot, nor can anyone mark a person who takes no part, nor a session
// still to come.
func TestMeetingAnswersAndAttendance(t *testing.T) {
	n := startNode(t, node.Config{})
	course := "/courses/" + node.DemoCourse
	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login(node.DemoOrganiser, n.adaPW, "/"), "/")
	start := time.Now().UTC().AddDate(0, 0, -15).Truncate(time.Minute)
	resp, _ := ada.post(course+"/meetings", meetingForm(ada.csrf(course+"/meetings/new"),
		map[string]string{"start": start.Format("2006-01-02T15:04"), "timezone": "UTC", "count": "5"}))
	ms := meetingsOf(t, n, node.DemoCourse)
	if len(ms) != 1 {
		t.Fatalf("%d meetings", len(ms))
	}
	m := ms[0]
	page := course + "/meetings/" + m.ID
	wantRedirect(t, "plan a meeting that began", resp, page)

	bea := member(t, n, "bea", true)
	carol := member(t, n, "carol", false)
	beaID, carolID := n.URLs.Actor(domain.ActorPerson, "bea"), n.URLs.Actor(domain.ActorPerson, "carol")
	answer := func(who string) *domain.RSVP {
		var r *domain.RSVP
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			r, _ = tx.RSVP(m.ID, who)
			return nil
		})
		return r
	}

	body := section(t, bea.mustGet(t, course), "meetings")
	if !strings.Contains(body, ">Going</button>") || strings.Contains(body, "New meeting") {
		t.Fatalf("the learner's meetings section: %s", body)
	}
	resp, _ = bea.post(page+"/answer", url.Values{"_csrf": {bea.csrf(course)}, "answer": {"going"}, "back": {"course"}})
	wantRedirect(t, "answer from the course page", resp, course+"#meetings")
	if r := answer(beaID); r == nil || r.Answer != domain.RSVPGoing {
		t.Fatalf("bea's answer: %+v", r)
	}
	body = bea.mustGet(t, course)
	if !strings.Contains(body, "Your answer is saved: Going.") || !strings.Contains(section(t, body, "meetings"), "Your answer: <strong>Going</strong>") ||
		!strings.Contains(body, "1 going · 0 maybe · 0 can&#39;t") {
		t.Errorf("the course page does not show bea's answer: %s", section(t, body, "meetings"))
	}
	if body := ada.mustGet(t, page); !strings.Contains(section(t, body, "answers"), "Grace H. (@bea)</a>: Going") {
		t.Errorf("the meeting's page does not name bea going: %s", section(t, body, "answers"))
	}
	resp, _ = bea.post(page+"/answer", url.Values{"_csrf": {bea.csrf(page)}, "answer": {"perhaps not"}})
	wantRedirect(t, "a bad answer", resp, page)
	if body := bea.mustGet(t, page); !strings.Contains(body, "Answer going, maybe or no.") || answer(beaID).Answer != domain.RSVPGoing {
		t.Errorf("a bad answer changed something or said nothing")
	}
	if strings.Contains(section(t, carol.mustGet(t, course), "meetings"), ">Going</button>") {
		t.Error("someone who takes no part is offered the answer buttons")
	}
	resp, _ = carol.post(page+"/answer", url.Values{"_csrf": {carol.csrf(page)}, "answer": {"going"}})
	wantRedirect(t, "an outsider answers", resp, page)
	if body := carol.mustGet(t, page); !strings.Contains(body, "Only the people who take part in this study group can answer its meetings.") || answer(carolID) != nil {
		t.Errorf("an outsider's answer was kept, or refused without a word: %s", body)
	}

	// Attendance of the first session, which began two weeks ago.
	first := m.All()[0].Start.UTC().Format("2006-01-02T15:04Z")
	came := func() []string {
		var out []string
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			as, _ := tx.Attendance(m.ID, m.All()[0].Start)
			for _, a := range as {
				out = append(out, a.Actor)
			}
			return nil
		})
		return out
	}
	body = section(t, ada.mustGet(t, page), "attendance")
	if !strings.Contains(body, `value="`+beaID+`"`) || strings.Contains(body, `value="`+carolID+`"`) {
		t.Fatalf("the attendance form does not list the participants: %s", body)
	}
	resp, _ = bea.post(page+"/attendance", url.Values{"_csrf": {bea.csrf(page)}, "start": {first}, "came": {beaID}})
	if resp.StatusCode != http.StatusSeeOther || len(came()) != 0 {
		t.Fatalf("a learner marked attendance: %d %v", resp.StatusCode, came())
	}
	resp, _ = ada.post(page+"/attendance", url.Values{"_csrf": {ada.csrf(page)}, "start": {first}, "came": {beaID, carolID}})
	if resp.StatusCode != http.StatusSeeOther || len(came()) != 0 {
		t.Fatalf("someone who takes no part was marked: %v", came())
	}
	later := m.All()[3].Start.UTC().Format("2006-01-02T15:04Z")
	resp, _ = ada.post(page+"/attendance", url.Values{"_csrf": {ada.csrf(page)}, "start": {later}, "came": {beaID}})
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(ada.mustGet(t, page), "1 person is marked") {
		t.Fatal("attendance of a session still to come was marked")
	}
	resp, _ = ada.post(page+"/attendance", url.Values{"_csrf": {ada.csrf(page)}, "start": {first}, "came": {beaID}})
	wantRedirect(t, "mark attendance", resp, page+"?session="+url.QueryEscape(first)+"#attendance")
	if got := came(); len(got) != 1 || got[0] != beaID {
		t.Fatalf("came: %v", got)
	}
	body = ada.mustGet(t, page+"?session="+url.QueryEscape(first))
	if !strings.Contains(body, "1 person is marked as having come.") || !strings.Contains(body, `value="`+beaID+`" checked`) ||
		!strings.Contains(body, "Who came (1 marked)") {
		t.Errorf("the page does not show who came: %s", section(t, body, "attendance"))
	}
	if strings.Contains(bea.mustGet(t, page), `id="attendance"`) {
		t.Error("a learner sees the attendance form")
	}
}

// TestRemoteMeetingAnswer: a learner here who takes part in a course on
// another server sees the meeting its Event told this node of on that
// course's page here, with the answer buttons; their answer is kept and
// queued to the course's inbox. Someone here who does not take part gets
// no buttons, and their answer is refused.
func TestRemoteMeetingAnswer(t *testing.T) {
	n := startNode(t, node.Config{})
	bea := member(t, n, "bea", false)
	carol := member(t, n, "carol", false)
	course := "https://school.example/courses/go-circle"
	event := course + "/meetings/01JREMOTEMEETING0000000000"
	start := time.Now().UTC().AddDate(0, 0, 3).Truncate(time.Minute)
	if err := n.Store.Update(context.Background(), func(tx domain.Tx) error {
		if err := tx.PutRemoteActor(&domain.RemoteActor{ID: course, Type: "Group", Username: "go-circle", Host: "school.example",
			Name: "Go circle", Inbox: course + "/inbox", Lernejo: true}); err != nil {
			return err
		}
		if err := tx.PutFollowing(&domain.Following{Local: "bea", Target: course, ActivityID: "https://x/follow", State: domain.FollowAccepted,
			Created: time.Now()}); err != nil {
			return err
		}
		return tx.PutRemoteMeeting(&domain.RemoteMeeting{ID: event, Course: course, Title: "Reading group", URL: event, Start: start,
			Minutes: 60, Timezone: "UTC", Place: "Online", Repeat: domain.RepeatOnce, Count: 1})
	}); err != nil {
		t.Fatal(err)
	}
	remote := "/remote?id=" + url.QueryEscape(course)
	body := section(t, bea.mustGet(t, remote), "meetings")
	if !strings.Contains(body, "Reading group") || !strings.Contains(body, ">Going</button>") || !strings.Contains(body, "Where: Online") {
		t.Fatalf("the remote course's meetings: %s", body)
	}
	if strings.Contains(carol.mustGet(t, remote), ">Going</button>") {
		t.Error("someone who takes no part is offered the answer buttons")
	}
	kept := func(who string) *domain.RSVP {
		var r *domain.RSVP
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			r, _ = tx.RSVP(event, n.URLs.Actor(domain.ActorPerson, who))
			return nil
		})
		return r
	}
	resp, _ := carol.post("/remote/answer", url.Values{"_csrf": {carol.csrf(remote)}, "event": {event}, "target": {course}, "answer": {"going"}})
	wantRedirect(t, "an outsider answers", resp, remote+"#meetings")
	if kept("carol") != nil {
		t.Fatal("an outsider's answer was kept")
	}
	resp, _ = bea.post("/remote/answer", url.Values{"_csrf": {bea.csrf(remote)}, "event": {event}, "target": {course}, "answer": {"maybe"}})
	wantRedirect(t, "answer", resp, remote+"#meetings")
	r := kept("bea")
	if r == nil || r.Answer != domain.RSVPMaybe || r.Activity == "" {
		t.Fatalf("bea's answer: %+v", r)
	}
	body = bea.mustGet(t, remote)
	if !strings.Contains(body, "Your answer is saved: Maybe.") || !strings.Contains(section(t, body, "meetings"), "Your answer: <strong>Maybe</strong>") {
		t.Errorf("the page does not show bea's answer: %s", section(t, body, "meetings"))
	}
	var queued bool
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		_, err := tx.Activity(r.Activity)
		queued = err == nil
		return nil
	})
	if !queued {
		t.Error("the answer was not queued to the course's server")
	}
}
