package web

import (
	"encoding/xml"
	neturl "net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Content types of the feeds.
const (
	ContentTypeAtom     = "application/atom+xml; charset=utf-8"
	ContentTypeCalendar = "text/calendar; charset=utf-8"
)

// --- Atom 1.0 (RFC 4287)

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr,omitempty"`
	ID       string      `xml:"id"`
	Title    atomText    `xml:"title"`
	Subtitle *atomText   `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   atomPerson  `xml:"author"`
	Gen      atomGen     `xml:"generator"`
	Entries  []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Text string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomGen struct {
	URI  string `xml:"uri,attr,omitempty"`
	Text string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Author     atomPerson     `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Content    atomText       `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feed serves the Atom feed of a course: the posts it made or announced
// (its outbox, as a feed reader sees it), newest first.
func (s *Server) feed(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	fd, err := s.cfg.Services.Documents.Feed(ctx, c.Params("handle"))
	if err != nil {
		return err
	}
	course := fd.Course
	courseURL := s.urls.Actor(domain.ActorCourse, course.Handle)
	f := atomFeed{
		Lang:  course.Language,
		ID:    courseURL,
		Title: atomText{Text: course.Title},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: courseURL + "/feed.atom"},
			{Rel: "alternate", Type: "text/html", Href: courseURL},
		},
		Author: atomPerson{Name: course.Title, URI: courseURL},
		Gen:    atomGen{URI: "https://github.com/lernejo/lernejo", Text: "Lernejo"},
	}
	if course.Summary != "" {
		f.Subtitle = &atomText{Text: course.Summary}
	}
	latest := firstNonZero(course.Updated, course.Created)
	for _, fe := range fd.Entries {
		p := fe.Post
		updated := firstNonZero(p.Updated, p.Published)
		if updated.After(latest) {
			latest = updated
		}
		link := p.URL
		if link == "" {
			link = p.URI
		}
		e := atomEntry{
			ID:      p.URI,
			Title:   atomText{Text: s.entryTitle(p.Content)},
			Updated: atomTime(updated),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
			Author:  atomPerson{Name: fe.Author, URI: p.Author},
			Content: atomText{Type: "html", Text: p.Content},
		}
		if !p.Published.IsZero() {
			e.Published = atomTime(p.Published)
		}
		for _, t := range p.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		f.Entries = append(f.Entries, e)
	}
	f.Updated = atomTime(latest)
	b, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ContentTypeAtom)
	return c.Send(append([]byte(xml.Header), b...))
}

// entryTitle is the start of a post's text: Atom requires a title, notes have none.
func (s *Server) entryTitle(html string) string {
	san := s.cfg.Docs.Sanitizer
	if san == nil {
		san = federation.NewSanitizer()
	}
	t := san.PlainText(html)
	if t == "" {
		return "Post"
	}
	return domain.Truncate(t, 80)
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// --- iCalendar (RFC 5545)

// meetings serves a study group's weekly meeting as an iCalendar feed that
// calendar apps can subscribe to: one VEVENT repeating weekly.
func (s *Server) meetings(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	course, err := s.cfg.Services.Documents.Meetings(ctx, c.Params("handle"))
	if err != nil {
		return err
	}
	cal, err := meetingCalendar(course, s.urls.Actor(domain.ActorCourse, course.Handle), s.urls.Host())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ContentTypeCalendar)
	return c.SendString(cal)
}

var icalDays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// meetingCalendar builds the VCALENDAR of a course's weekly meeting.
func meetingCalendar(course *domain.Course, courseURL, host string) (string, error) {
	day, ok := course.MeetingWeekday()
	hour, minute, okClock := course.MeetingClock()
	if !ok || !okClock {
		return "", domain.Errorf(domain.ENOTFOUND, "This %s has no meetings.", domain.KindName(course.Kind))
	}
	loc, err := course.MeetingLocation()
	if err != nil {
		return "", domain.Errorf(domain.ENOTFOUND, "This %s has no meetings.", domain.KindName(course.Kind))
	}
	tzid := loc.String()
	start := nextMeeting(firstNonZero(course.Created, time.Now()), day, hour, minute, loc)
	stamp := firstNonZero(course.Updated, course.Created, start).UTC()

	var b icalWriter
	b.line("BEGIN:VCALENDAR")
	b.line("VERSION:2.0")
	b.line("PRODID:-//Lernejo//Lernejo//EN")
	b.line("CALSCALE:GREGORIAN")
	b.line("METHOD:PUBLISH")
	b.line("NAME:" + icalText(course.Title))
	b.line("X-WR-CALNAME:" + icalText(course.Title))
	b.line("X-WR-TIMEZONE:" + tzid)
	vtimezone(&b, loc, start)
	b.line("BEGIN:VEVENT")
	b.line("UID:meeting-" + course.Handle + "@" + host)
	b.line("DTSTAMP:" + stamp.Format("20060102T150405Z"))
	b.line("DTSTART;TZID=" + tzid + ":" + start.Format("20060102T150405"))
	b.line("DURATION:PT1H")
	b.line("RRULE:FREQ=WEEKLY;BYDAY=" + icalDays[day])
	b.line("SUMMARY:" + icalText(course.Title))
	desc := course.Summary
	if desc != "" {
		desc += "\n\n"
	}
	b.line("DESCRIPTION:" + icalText(desc+courseURL))
	url := courseURL
	if p := course.MeetingPlace; p != "" {
		b.line("LOCATION:" + icalText(p))
		if link := firstLink(p); link != "" {
			url = link
		}
	}
	b.line("URL:" + url)
	b.line("END:VEVENT")
	b.line("END:VCALENDAR")
	return b.String(), nil
}

// firstLink is the first http(s) URL in a meeting place ("Room 4, or
// https://meet.example/x"), for the event's URL; "" when there is none.
func firstLink(place string) string {
	for _, f := range strings.Fields(place) {
		f = strings.TrimRight(f, ".,;)")
		if u, err := neturl.Parse(f); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			return u.String()
		}
	}
	return ""
}

// nextMeeting is the first meeting on day at hour:minute (in loc) at or after from.
func nextMeeting(from time.Time, day time.Weekday, hour, minute int, loc *time.Location) time.Time {
	f := from.In(loc)
	for i := 0; i < 8; i++ {
		t := time.Date(f.Year(), f.Month(), f.Day()+i, hour, minute, 0, 0, loc)
		if t.Weekday() == day && !t.Before(from) {
			return t
		}
	}
	return time.Date(f.Year(), f.Month(), f.Day()+7, hour, minute, 0, 0, loc) // unreachable
}

// vtimezone writes the VTIMEZONE that RFC 5545 requires for a TZID: the
// zone's transitions in the year of start, as yearly rules ("last Sunday
// of March"), or one fixed offset when the zone has no daylight saving.
func vtimezone(b *icalWriter, loc *time.Location, start time.Time) {
	b.line("BEGIN:VTIMEZONE")
	b.line("TZID:" + loc.String())
	year := start.In(loc).Year()
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	var transitions []time.Time
	_, prev := from.In(loc).Zone()
	for t := from.Add(24 * time.Hour); !t.After(to); t = t.Add(24 * time.Hour) {
		if _, off := t.In(loc).Zone(); off != prev {
			// The change happened in the last day: find its second.
			lo, hi := t.Add(-24*time.Hour), t
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.In(loc).Zone(); o == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			transitions = append(transitions, hi)
			prev = off
		}
	}
	if len(transitions) == 0 {
		name, off := start.In(loc).Zone()
		b.line("BEGIN:STANDARD")
		b.line("DTSTART:19700101T000000")
		b.line("TZOFFSETFROM:" + icalOffset(off))
		b.line("TZOFFSETTO:" + icalOffset(off))
		b.line("TZNAME:" + icalText(name))
		b.line("END:STANDARD")
	}
	for _, t := range transitions {
		_, before := t.Add(-time.Second).In(loc).Zone()
		name, after := t.In(loc).Zone()
		kind := "STANDARD"
		if t.In(loc).IsDST() {
			kind = "DAYLIGHT"
		}
		wall := t.In(time.FixedZone("", before)) // observance onsets are in the old offset
		n := (wall.Day()-1)/7 + 1
		if wall.AddDate(0, 0, 7).Month() != wall.Month() {
			n = -1 // the last such weekday of the month
		}
		// The rule starts a year early, so the first meeting, whenever in
		// the year it falls, is covered by an observance.
		onset := nthWeekday(wall.Year()-1, wall.Month(), n, wall.Weekday())
		onset = time.Date(onset.Year(), onset.Month(), onset.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
		b.line("BEGIN:" + kind)
		b.line("DTSTART:" + onset.Format("20060102T150405"))
		b.line("RRULE:FREQ=YEARLY;BYMONTH=" + itoa(int(wall.Month())) + ";BYDAY=" + itoa(n) + icalDays[wall.Weekday()])
		b.line("TZOFFSETFROM:" + icalOffset(before))
		b.line("TZOFFSETTO:" + icalOffset(after))
		b.line("TZNAME:" + icalText(name))
		b.line("END:" + kind)
	}
	b.line("END:VTIMEZONE")
}

// nthWeekday is the nth (1-based; -1 = last) weekday of a month.
func nthWeekday(year int, month time.Month, n int, day time.Weekday) time.Time {
	if n < 0 {
		last := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC)
		return last.AddDate(0, 0, -((int(last.Weekday()) - int(day) + 7) % 7))
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, 0, (int(day)-int(first.Weekday())+7)%7+7*(n-1))
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// icalOffset formats a UTC offset in seconds as +HHMM (or +HHMMSS).
func icalOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	h, m, s := sec/3600, sec%3600/60, sec%60
	out := sign + pad2(h) + pad2(m)
	if s != 0 {
		out += pad2(s)
	}
	return out
}

func pad2(n int) string { return string([]byte{byte('0' + n/10%10), byte('0' + n%10)}) }

// icalText escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon,
// comma and newlines; other control characters are dropped.
func icalText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icalWriter writes content lines ending in CRLF, folded so that no line
// is longer than 75 octets, never inside a UTF-8 sequence (§3.1).
type icalWriter struct{ strings.Builder }

func (w *icalWriter) line(s string) {
	const max = 75
	first := true
	for {
		limit := max
		if !first {
			limit = max - 1 // the leading space of a continuation counts
		}
		if len(s) <= limit {
			if !first {
				w.WriteByte(' ')
			}
			w.WriteString(s)
			w.WriteString("\r\n")
			return
		}
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if !first {
			w.WriteByte(' ')
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n")
		s = s[cut:]
		first = false
	}
}
