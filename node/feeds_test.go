package node

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// TestCourseAtomFeed: the course's own posts come out as an Atom feed that
// encoding/xml reads back, newest first, their HTML escaped as text; drafts
// and unknown courses have no feed.
func TestCourseAtomFeed(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	base := n.URLs.Base()
	first, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Week 1: print(\"hi\") & <script>alert(1)</script> #python"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Week 2: loops"})
	if err != nil {
		t.Fatal(err)
	}
	resp, b := get(t, base+"/courses/"+DemoCourse+"/feed.atom", "")
	if resp.StatusCode != 200 {
		t.Fatalf("feed: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Author  struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Content struct {
				Type string `xml:"type,attr"`
				Text string `xml:",chardata"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b, &feed); err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, b)
	}
	courseURL := n.URLs.Actor(domain.ActorCourse, DemoCourse)
	if feed.ID != courseURL || feed.Title != "A Gentle Introduction to Python" || len(feed.Links) != 2 || feed.Links[0].Href != courseURL+"/feed.atom" {
		t.Errorf("feed head: %+v", feed)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Errorf("updated %q: %v", feed.Updated, err)
	}
	if len(feed.Entries) != 2+len(demoTasks) || feed.Entries[0].ID != second.URI || feed.Entries[1].ID != first.URI {
		t.Fatalf("entries: %+v", feed.Entries)
	}
	e := feed.Entries[1]
	if e.Content.Type != "html" || !strings.Contains(e.Content.Text, "&lt;script&gt;") || strings.Contains(e.Content.Text, "<script") ||
		e.Content.Text != first.Content || e.Author.Name != "A Gentle Introduction to Python" || !strings.HasPrefix(e.Title, "Week 1: print(\"hi\") & <script>") {
		t.Errorf("entry: %+v", e)
	}
	if strings.Contains(string(b), "<script") {
		t.Error("raw markup in the feed's XML")
	}

	if err := n.Services.Courses.Create(ctx, DemoOrganiser, &domain.Course{Handle: "secret", Title: "Secret", Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/courses/secret/feed.atom", "/courses/nope/feed.atom", "/courses/secret/meetings.ics"} {
		if resp, _ := get(t, base+path, ""); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestMeetingsCalendar: a study group's weekly meeting as iCalendar (RFC
// 5545): CRLF line ends, lines folded at 75 octets, a weekly rule on the
// meeting's day, the first meeting on or after the course's creation, in
// its time zone, with TEXT values escaped.
func TestMeetingsCalendar(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	url := n.URLs.Base() + "/courses/" + DemoCourse + "/meetings.ics"
	if resp, _ := get(t, url, ""); resp.StatusCode != 404 {
		t.Fatalf("no meeting day: %d, want 404", resp.StatusCode)
	}
	place := "Room 4, Central Library; ask at the desk — or join at https://meet.example/python-gently-" + strings.Repeat("x", 40)
	var created time.Time
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(DemoCourse)
		if err != nil {
			return err
		}
		c.Title = "Python, gently; together"
		c.MeetingDay, c.MeetingTime, c.MeetingTimezone, c.MeetingPlace = "Wednesday", "18:30", "Europe/Paris", place
		s, _ := tx.Settings()
		c.Normalise(s)
		if err := c.Validate(s); err != nil {
			return err
		}
		created = c.Created
		return tx.PutCourse(c)
	}); err != nil {
		t.Fatal(err)
	}
	resp, b := get(t, url, "")
	if resp.StatusCode != 200 {
		t.Fatalf("ics: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	raw := string(b)
	if !strings.HasSuffix(raw, "\r\n") || strings.Count(raw, "\n") != strings.Count(raw, "\r\n") || strings.Count(raw, "\r") != strings.Count(raw, "\r\n") {
		t.Fatal("lines do not all end in CRLF")
	}
	folded := 0
	for _, l := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Error("the long LOCATION was not folded")
	}
	unfolded := strings.ReplaceAll(raw, "\r\n ", "")
	props := map[string]string{}
	event := unfolded[strings.Index(unfolded, "BEGIN:VEVENT"):]
	for _, l := range strings.Split(event, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			if _, dup := props[k]; !dup {
				props[k] = v
			}
		}
	}
	for k, want := range map[string]string{
		"BEGIN":    "VEVENT",
		"RRULE":    "FREQ=WEEKLY;BYDAY=WE",
		"DURATION": "PT1H",
		"SUMMARY":  `Python\, gently\; together`,
		"LOCATION": strings.NewReplacer(",", `\,`, ";", `\;`).Replace(place),
		"UID":      "meeting-" + DemoCourse + "@" + n.URLs.Host(),
		"URL":      "https://meet.example/python-gently-" + strings.Repeat("x", 40),
	} {
		if props[k] != want {
			t.Errorf("%s:%s, want %s", k, props[k], want)
		}
	}
	if !strings.HasPrefix(unfolded, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.Contains(unfolded, "END:VCALENDAR\r\n") || !strings.Contains(unfolded, "TZID:Europe/Paris\r\n") {
		t.Errorf("calendar structure:\n%s", unfolded)
	}
	if _, err := time.Parse("20060102T150405Z", props["DTSTAMP"]); err != nil {
		t.Errorf("DTSTAMP %q: %v", props["DTSTAMP"], err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	start, err := time.ParseInLocation("20060102T150405", props["DTSTART;TZID=Europe/Paris"], paris)
	if err != nil {
		t.Fatalf("DTSTART: %v in\n%s", err, unfolded)
	}
	if start.Weekday() != time.Wednesday || start.Hour() != 18 || start.Minute() != 30 || start.Before(created) || start.Sub(created) > 7*24*time.Hour {
		t.Errorf("first meeting %v for a course created %v", start, created)
	}
	// Paris has summer time: both observances, with yearly rules.
	for _, want := range []string{"BEGIN:DAYLIGHT", "BEGIN:STANDARD", "TZOFFSETTO:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"} {
		if !strings.Contains(unfolded, want+"\r\n") {
			t.Errorf("VTIMEZONE lacks %s", want)
		}
	}
}

// TestMeetingValidation: the meeting fields of a course are checked.
func TestMeetingValidation(t *testing.T) {
	s := domain.DefaultSettings()
	ok := func(edit func(*domain.Course)) error {
		c := &domain.Course{Handle: "c", Title: "C", Organisers: []string{"ada"}}
		edit(c)
		return c.Validate(s)
	}
	if err := ok(func(c *domain.Course) {}); err != nil {
		t.Fatal(err)
	}
	c := &domain.Course{Handle: "c", Title: "C", Organisers: []string{"ada"}, MeetingDay: " Friday ", MeetingTime: "07:05"}
	c.Normalise(s)
	if err := c.Validate(s); err != nil || c.MeetingDay != "friday" || c.MeetingTimezone != "UTC" {
		t.Fatalf("%+v %v", c, err)
	}
	for name, edit := range map[string]func(*domain.Course){
		"unknown day":    func(c *domain.Course) { c.MeetingDay, c.MeetingTime = "someday", "10:00" },
		"day, no time":   func(c *domain.Course) { c.MeetingDay = "monday" },
		"25 o'clock":     func(c *domain.Course) { c.MeetingDay, c.MeetingTime = "monday", "25:00" },
		"one digit":      func(c *domain.Course) { c.MeetingDay, c.MeetingTime = "monday", "9:00" },
		"seconds":        func(c *domain.Course) { c.MeetingDay, c.MeetingTime = "monday", "09:00:00" },
		"bad zone":       func(c *domain.Course) { c.MeetingTimezone = "Mars/Olympus" },
		"path zone":      func(c *domain.Course) { c.MeetingTimezone = "../../etc/passwd" },
		"local zone":     func(c *domain.Course) { c.MeetingTimezone = "Local" },
		"long place":     func(c *domain.Course) { c.MeetingPlace = strings.Repeat("x", 201) },
		"two-line place": func(c *domain.Course) { c.MeetingPlace = "a\nb" },
	} {
		if err := ok(edit); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}
