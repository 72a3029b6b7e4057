package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// getCalendar fetches a calendar as a calendar app does (no cookies),
// checks the octets RFC 5545 asks of it (CRLF line ends, lines of at most
// 75 octets, folded) and parses it with go-ical, which also encodes it
// again to check the properties each component must have.
func getCalendar(t *testing.T, address string, status int) (*ical.Calendar, string) {
	t.Helper()
	resp, err := http.Get(address)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d: %s", address, resp.StatusCode, status, b)
	}
	if status != http.StatusOK {
		return nil, string(b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	raw := string(b)
	if !strings.HasSuffix(raw, "\r\n") || strings.Count(raw, "\n") != strings.Count(raw, "\r\n") || strings.Count(raw, "\r") != strings.Count(raw, "\r\n") {
		t.Fatal("lines do not all end in CRLF")
	}
	for _, l := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
	}
	cal, err := ical.NewDecoder(strings.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("go-ical: %v in\n%s", err, raw)
	}
	for name, want := range map[string]string{"VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH", "PRODID": "-//Lernejo//Lernejo//EN"} {
		if p := cal.Props.Get(name); p == nil || p.Value != want {
			t.Errorf("calendar %s: %+v, want %s", name, p, want)
		}
	}
	if err := ical.NewEncoder(io.Discard).Encode(cal); err != nil {
		t.Errorf("go-ical finds the calendar invalid: %v", err)
	}
	return cal, raw
}

// event is the calendar's VEVENT with uid.
func event(t *testing.T, cal *ical.Calendar, uid string) ical.Event {
	t.Helper()
	for _, e := range cal.Events() {
		if p := e.Props.Get("UID"); p != nil && p.Value == uid {
			return e
		}
	}
	t.Fatalf("no VEVENT with UID %s", uid)
	return ical.Event{}
}

func prop(e ical.Event, name string) string {
	if p := e.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// TestCourseCalendar: a course's meetings as iCalendar, read by go-ical. A
// weekly meeting at 18:30 in Berlin across the change to summer time (28
// March 2027) has every session at 18:30 there, 17:30 UTC before and 16:30
// after, as the recurrence rule expands; the skipped session is an EXDATE
// and is gone from the expansion; the VTIMEZONE gives each session Go's
// offset; an edit raises SEQUENCE; a cancelled meeting is CANCELLED.
func TestCourseCalendar(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	place := "https://meet.example/python-gently-" + strings.Repeat("x", 60)
	in := service.MeetingInput{Title: "Python, gently; together", Agenda: "Bring *your* laptop.", Place: place,
		Timezone: "Europe/Berlin", Start: "2027-03-10T18:30", Minutes: 90, Repeat: domain.RepeatWeekly, Count: 6}
	weekly, err := n.Services.Meetings.Create(ctx, node.DemoOrganiser, node.DemoCourse, in)
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	skipped := time.Date(2027, 3, 24, 18, 30, 0, 0, berlin)
	if weekly, err = n.Services.Meetings.Skip(ctx, node.DemoOrganiser, node.DemoCourse, weekly.ID, skipped, true); err != nil {
		t.Fatal(err)
	}
	once, err := n.Services.Meetings.Create(ctx, node.DemoOrganiser, node.DemoCourse, service.MeetingInput{Title: "Party",
		Place: "Room 4", Timezone: "UTC", Start: "2027-05-01T17:00", Minutes: 120})
	if err != nil {
		t.Fatal(err)
	}
	address := n.base + "/courses/" + node.DemoCourse + "/meetings.ics"
	cal, raw := getCalendar(t, address, http.StatusOK)
	if !strings.Contains(raw, "\r\n ") {
		t.Error("no line was folded, not even the long place's")
	}
	uid := federation.MeetingURL(n.URLs, node.DemoCourse, weekly.ID)
	e := event(t, cal, uid)
	if got := prop(e, "SUMMARY"); got != `Python\, gently\; together` {
		t.Errorf("SUMMARY %q", got)
	}
	if s, _ := e.Props.Get("SUMMARY").Text(); s != in.Title {
		t.Errorf("SUMMARY as text %q", s)
	}
	if d, _ := e.Props.Get("DESCRIPTION").Text(); d != "Bring your laptop.\n\n"+uid {
		t.Errorf("DESCRIPTION %q", d)
	}
	if prop(e, "URL") != place || prop(e, "SEQUENCE") != "1" || prop(e, "STATUS") != "CONFIRMED" || prop(e, "RRULE") != "FREQ=WEEKLY;COUNT=6" {
		t.Errorf("URL %q SEQUENCE %q STATUS %q RRULE %q", prop(e, "URL"), prop(e, "SEQUENCE"), prop(e, "STATUS"), prop(e, "RRULE"))
	}
	for _, name := range []string{"DTSTAMP", "LAST-MODIFIED"} {
		if _, err := time.Parse("20060102T150405Z", prop(e, name)); err != nil {
			t.Errorf("%s %q: %v", name, prop(e, name), err)
		}
	}
	if p := e.Props.Get("DTSTART"); p.Params.Get("TZID") != "Europe/Berlin" || p.Value != "20270310T183000" {
		t.Errorf("DTSTART %+v", p)
	}
	if end, err := e.DateTimeEnd(nil); err != nil || !end.Equal(time.Date(2027, 3, 10, 20, 0, 0, 0, berlin)) {
		t.Errorf("DTEND %v %v", end, err)
	}
	if p := e.Props.Get("EXDATE"); p == nil || p.Params.Get("TZID") != "Europe/Berlin" || p.Value != "20270324T183000" {
		t.Errorf("EXDATE %+v", p)
	}
	set, err := e.RecurrenceSet(nil)
	if err != nil || set == nil {
		t.Fatalf("recurrence: %v", err)
	}
	got := set.All()
	wantUTC := []string{"2027-03-10 17:30", "2027-03-17 17:30", "2027-03-31 16:30", "2027-04-07 16:30", "2027-04-14 16:30"}
	if len(got) != len(wantUTC) {
		t.Fatalf("sessions %v, want %v", got, wantUTC)
	}
	for i, at := range got {
		if l := at.In(berlin); l.Hour() != 18 || l.Minute() != 30 || at.UTC().Format("2006-01-02 15:04") != wantUTC[i] {
			t.Errorf("session %d at %v (%v UTC), want 18:30 in Berlin, %s UTC", i, l, at.UTC(), wantUTC[i])
		}
	}
	// The same sessions as the meeting's own.
	var mine []time.Time
	for _, o := range weekly.All() {
		if !o.Skipped {
			mine = append(mine, o.Start)
		}
	}
	for i := range mine {
		if i >= len(got) || !mine[i].Equal(got[i]) {
			t.Fatalf("calendar %v, meeting %v", got, mine)
		}
	}
	checkZone(t, cal, "Europe/Berlin", got)

	o := event(t, cal, federation.MeetingURL(n.URLs, node.DemoCourse, once.ID))
	if prop(o, "RRULE") != "" || prop(o, "DTSTART") != "20270501T170000Z" || prop(o, "DTEND") != "20270501T190000Z" ||
		prop(o, "LOCATION") != "Room 4" || prop(o, "URL") != federation.MeetingURL(n.URLs, node.DemoCourse, once.ID) {
		t.Errorf("one-off: %+v", o.Props)
	}

	// An edit that a calendar shows raises SEQUENCE; cancelling the one-off
	// meeting marks it CANCELLED.
	in.Place = "Room 5"
	if _, err := n.Services.Meetings.Edit(ctx, node.DemoOrganiser, node.DemoCourse, weekly.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Meetings.Cancel(ctx, node.DemoOrganiser, node.DemoCourse, once.ID, true); err != nil {
		t.Fatal(err)
	}
	cal, _ = getCalendar(t, address, http.StatusOK)
	e = event(t, cal, uid)
	if prop(e, "SEQUENCE") != "2" || prop(e, "LOCATION") != "Room 5" || prop(e, "URL") != uid || prop(e, "EXDATE") != "20270324T183000" {
		t.Errorf("after the edit: SEQUENCE %q LOCATION %q URL %q EXDATE %q", prop(e, "SEQUENCE"), prop(e, "LOCATION"), prop(e, "URL"), prop(e, "EXDATE"))
	}
	o = event(t, cal, federation.MeetingURL(n.URLs, node.DemoCourse, once.ID))
	if st, err := o.Status(); err != nil || st != ical.EventCancelled || prop(o, "SEQUENCE") != "1" {
		t.Errorf("cancelled: STATUS %q %v SEQUENCE %q", st, err, prop(o, "SEQUENCE"))
	}

	// A draft's calendar, and no course's, are not found.
	if err := n.Services.Courses.Create(ctx, node.DemoOrganiser, &domain.Course{Handle: "secret", Title: "Secret", Organisers: []string{node.DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	getCalendar(t, n.base+"/courses/secret/meetings.ics", http.StatusNotFound)
	getCalendar(t, n.base+"/courses/nope/meetings.ics", http.StatusNotFound)
}

// checkZone checks the calendar's VTIMEZONE of tzid: the offset its
// observances (expanded with go-ical's recurrence support) give each of
// the instants is the one Go's zone database gives.
func checkZone(t *testing.T, cal *ical.Calendar, tzid string, instants []time.Time) {
	t.Helper()
	type onset struct {
		at time.Time
		to string
	}
	var onsets []onset
	found := false
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone || c.Props.Get("TZID").Value != tzid {
			continue
		}
		found = true
		for _, ob := range c.Children {
			from, _ := time.Parse("-0700", ob.Props.Get("TZOFFSETFROM").Value)
			to := ob.Props.Get("TZOFFSETTO").Value
			starts := []time.Time{}
			if set, err := ob.RecurrenceSet(time.UTC); err != nil {
				t.Fatal(err)
			} else if set != nil {
				starts = set.Between(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), true)
			} else {
				at, err := ob.Props.DateTime("DTSTART", time.UTC)
				if err != nil {
					t.Fatal(err)
				}
				starts = append(starts, at)
			}
			// The onsets are wall-clock times in the offset before them.
			_, off := from.Zone()
			for _, s := range starts {
				onsets = append(onsets, onset{at: s.Add(-time.Duration(off) * time.Second), to: to})
			}
		}
	}
	if !found {
		t.Fatalf("no VTIMEZONE %s", tzid)
	}
	loc, _ := time.LoadLocation(tzid)
	for _, at := range instants {
		var best *onset
		for i := range onsets {
			if !onsets[i].at.After(at) && (best == nil || onsets[i].at.After(best.at)) {
				best = &onsets[i]
			}
		}
		want := at.In(loc).Format("-0700")
		if best == nil || best.to != want {
			t.Errorf("at %v the VTIMEZONE gives %+v, Go %s", at, best, want)
		}
	}
}

var calendarLink = regexp.MustCompile(`id="calendar-url" type="text" readonly value="([^"]+)"`)

// TestPersonCalendar: a person's calendar of all their sessions holds the
// meetings of the course they joined here and those of a course on
// another server they take part in; its address carries a key made on
// their first visit to its page, without which (or with a wrong one, or
// after they made a new link) it is not found.
func TestPersonCalendar(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	local, err := n.Services.Meetings.Create(ctx, node.DemoOrganiser, node.DemoCourse, service.MeetingInput{Title: "Here",
		Timezone: "Europe/Berlin", Start: "2027-03-10T18:30", Minutes: 60, Repeat: domain.RepeatWeekly, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	lea := newBrowser(t, n.base)
	resp, _ := lea.post("/signup", signupForm(lea.csrf("/signup"), "lea"))
	wantRedirect(t, "sign up", resp, "/")
	course := "/courses/" + node.DemoCourse
	resp, _ = lea.post(course+"/join", url.Values{"_csrf": {lea.csrf(course)}})
	wantRedirect(t, "join", resp, course)

	// A course on another server that lea takes part in, and its meeting
	// as its Event said.
	remote := "https://b.example/courses/go"
	rm := &domain.RemoteMeeting{ID: remote + "/meetings/01JREMOTE", Course: remote, Title: "There", Content: "<p>On <b>Go</b></p>",
		URL: "https://b.example/courses/go/meetings/01JREMOTE", Start: time.Date(2027, 3, 11, 9, 0, 0, 0, time.UTC), Minutes: 45,
		Timezone: "America/New_York", Place: "https://meet.example/go", Repeat: domain.RepeatBiweekly, Count: 3, Sequence: 4}
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		if err := tx.PutFollowing(&domain.Following{Local: "lea", Target: remote, ActivityID: "https://x/follow", State: domain.FollowAccepted, Created: time.Now()}); err != nil {
			return err
		}
		return tx.PutRemoteMeeting(rm)
	}); err != nil {
		t.Fatal(err)
	}

	_, page := lea.get("/settings/calendar")
	m := calendarLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no calendar link in %s", page)
	}
	address := html.UnescapeString(m[1])
	if !strings.HasPrefix(address, n.URLs.Base()+"/people/lea/calendar.ics?key=") || !strings.Contains(page, `href="webcal://`) && strings.HasPrefix(address, "https://") {
		t.Fatalf("calendar link %q", address)
	}
	if _, again := lea.get("/settings/calendar"); calendarLink.FindStringSubmatch(again)[1] != m[1] {
		t.Fatal("a second visit made another key")
	}
	// The test node listens on 127.0.0.1; its URLs name its configured host.
	fetch := strings.Replace(address, n.URLs.Base(), n.base, 1)
	cal, _ := getCalendar(t, fetch, http.StatusOK)
	here := event(t, cal, federation.MeetingURL(n.URLs, node.DemoCourse, local.ID))
	if prop(here, "SUMMARY") != "Here" || prop(here, "RRULE") != "FREQ=WEEKLY;COUNT=4" {
		t.Errorf("local meeting: %+v", here.Props)
	}
	there := event(t, cal, rm.ID)
	if d, _ := there.Props.Get("DESCRIPTION").Text(); d != "On Go\n\n"+rm.URL {
		t.Errorf("remote DESCRIPTION %q", d)
	}
	if p := there.Props.Get("DTSTART"); p.Params.Get("TZID") != "America/New_York" || p.Value != "20270311T040000" ||
		prop(there, "RRULE") != "FREQ=WEEKLY;INTERVAL=2;COUNT=3" || prop(there, "SEQUENCE") != "4" || prop(there, "URL") != "https://meet.example/go" {
		t.Errorf("remote meeting: %+v", there.Props)
	}
	set, err := there.RecurrenceSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	// New York changes its clocks on 14 March 2027, between the first two.
	checkZone(t, cal, "America/New_York", set.All())
	for _, at := range set.All() {
		if l := at.In(mustZone(t, "America/New_York")); l.Hour() != 4 {
			t.Errorf("remote session at %v", l)
		}
	}

	// No key, a wrong one, another person's handle: not found.
	key := address[strings.Index(address, "key=")+4:]
	for _, bad := range []string{
		n.base + "/people/lea/calendar.ics",
		n.base + "/people/lea/calendar.ics?key=",
		n.base + "/people/lea/calendar.ics?key=" + strings.Repeat("0", len(key)),
		n.base + "/people/lea/calendar.ics?key=" + key[:len(key)-1],
		n.base + "/people/" + node.DemoOrganiser + "/calendar.ics?key=" + key,
		n.base + "/people/nobody/calendar.ics?key=" + key,
	} {
		getCalendar(t, bad, http.StatusNotFound)
	}

	// A new link: the old one stops working, the new one works.
	resp, page = lea.post("/settings/calendar", url.Values{"_csrf": {lea.csrf("/settings/calendar")}})
	wantStatus(t, "new link", resp, page, http.StatusOK)
	m2 := calendarLink.FindStringSubmatch(page)
	if m2 == nil || m2[1] == m[1] || !strings.Contains(page, "the old one no longer works") {
		t.Fatalf("new link page: %s", page)
	}
	getCalendar(t, fetch, http.StatusNotFound)
	getCalendar(t, strings.Replace(html.UnescapeString(m2[1]), n.URLs.Base(), n.base, 1), http.StatusOK)

	// The page and the new link are for the logged-in person only.
	visitor := newBrowser(t, n.base)
	if resp, _ := visitor.get("/settings/calendar"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor's calendar page: %d", resp.StatusCode)
	}
	if resp, _ := lea.post("/settings/calendar", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a new link without the CSRF token: %d", resp.StatusCode)
	}
	_, learning := lea.get("/learning")
	if !strings.Contains(learning, `href="/settings/calendar"`) {
		t.Error("My learning does not link to the calendar page")
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
