package web

import (
	"encoding/xml"
	neturl "net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
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

// meetings serves a course's meetings as an iCalendar feed that calendar
// apps can subscribe to: one VEVENT each (none yet is still a calendar,
// which the meetings planned later join).
func (s *Server) meetings(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	cal, err := s.cfg.Services.Meetings.CourseCalendar(ctx, c.Params("handle"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ContentTypeCalendar)
	return c.SendString(writeCalendar(cal))
}

// personCalendar serves every session of a person (their calendar key in
// ?key=; a wrong or missing one is not found).
func (s *Server) personCalendar(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	cal, err := s.cfg.Services.Meetings.PersonCalendar(ctx, c.Params("handle"), c.Query("key"))
	if err != nil {
		return err
	}
	// The address is a secret: no cache between here and the app keeps it.
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderContentType, ContentTypeCalendar)
	return c.SendString(writeCalendar(cal))
}

// icalUTC and icalLocal are the forms of DATE-TIME values: UTC, and the
// wall-clock time in a TZID's zone.
const (
	icalUTC   = "20060102T150405Z"
	icalLocal = "20060102T150405"
)

// writeCalendar writes a VCALENDAR of cal's meetings: a VTIMEZONE for each
// zone they use, covering their sessions, then a VEVENT each.
func writeCalendar(cal *service.Calendar) string {
	var b icalWriter
	b.line("BEGIN:VCALENDAR")
	b.line("VERSION:2.0")
	b.line("PRODID:-//Lernejo//Lernejo//EN")
	b.line("CALSCALE:GREGORIAN")
	b.line("METHOD:PUBLISH")
	b.line("NAME:" + icalText(cal.Name))
	b.line("X-WR-CALNAME:" + icalText(cal.Name))
	// Each zone's span: from its first session to its last.
	type span struct{ from, to time.Time }
	var zones []string
	spans := map[string]*span{}
	for _, e := range cal.Entries {
		m := e.Meeting
		if _, err := m.Location(); err != nil || m.Timezone == "UTC" || m.Timezone == "" {
			continue
		}
		sp, ok := spans[m.Timezone]
		if !ok {
			sp = &span{from: m.Start, to: m.Last()}
			spans[m.Timezone] = sp
			zones = append(zones, m.Timezone)
		}
		if m.Start.Before(sp.from) {
			sp.from = m.Start
		}
		if last := m.Last(); last.After(sp.to) {
			sp.to = last
		}
	}
	for _, z := range zones {
		loc, _ := domain.LoadZone(z)
		vtimezone(&b, loc, spans[z].from, spans[z].to)
	}
	if len(cal.Entries) == 0 {
		// RFC 5545 §3.6: a calendar holds at least one component; a
		// person with no sessions yet still gets a valid one.
		vtimezone(&b, time.UTC, time.Now(), time.Now())
	}
	for _, e := range cal.Entries {
		vevent(&b, e)
	}
	b.line("END:VCALENDAR")
	return b.String()
}

// vevent writes the VEVENT of one meeting: its sessions as DTSTART and a
// recurrence rule, the skipped ones as EXDATEs, all in its zone's
// wall-clock time, so that a weekly 18:30 stays at 18:30 across a change
// to summer time.
func vevent(b *icalWriter, e service.CalendarEntry) {
	m := e.Meeting
	loc, err := m.Location()
	if err != nil {
		return // a remote meeting in a zone this node does not know
	}
	when := func(t time.Time) string {
		if loc == time.UTC {
			return ":" + t.UTC().Format(icalUTC)
		}
		return ";TZID=" + loc.String() + ":" + t.In(loc).Format(icalLocal)
	}
	updated := firstNonZero(m.Updated, m.Created, m.Start).UTC()
	b.line("BEGIN:VEVENT")
	b.line("UID:" + e.URL)
	b.line("DTSTAMP:" + updated.Format(icalUTC))
	b.line("LAST-MODIFIED:" + updated.Format(icalUTC))
	b.line("DTSTART" + when(m.Start))
	// The end in the same zone's wall-clock time: on a day the clocks
	// change, the session still lasts its minutes.
	b.line("DTEND" + when(m.Start.Add(m.Duration())))
	if r := federation.RRule(m); r != "" {
		b.line("RRULE:" + r)
	}
	// One EXDATE each: readers that take one value a property (go-ical,
	// some phone apps) read them all.
	for _, sk := range m.Skipped {
		b.line("EXDATE" + when(sk))
	}
	if m.Cancelled {
		b.line("STATUS:CANCELLED")
	} else {
		b.line("STATUS:CONFIRMED")
	}
	b.line("SEQUENCE:" + itoa(m.Sequence))
	b.line("SUMMARY:" + icalText(m.Title))
	desc := e.Description
	if desc != "" {
		desc += "\n\n"
	}
	b.line("DESCRIPTION:" + icalText(desc+e.URL))
	url := e.URL
	if m.Place != "" {
		b.line("LOCATION:" + icalText(m.Place))
		if link := firstLink(m.Place); link != "" {
			url = link
		}
	}
	b.line("URL:" + url)
	b.line("END:VEVENT")
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

// maxZoneYears bounds the years a VTIMEZONE's transitions are looked up
// for (a person's calendar may span many meetings' years).
const maxZoneYears = 12

// zoneRule is one transition of a zone in a year, as a yearly rule.
type zoneRule struct {
	kind          string // STANDARD or DAYLIGHT
	month         time.Month
	n             int // the nth weekday of the month; -1 the last
	day           time.Weekday
	clock         string // the onset's wall-clock time, in the old offset
	before, after int
	name          string
}

// zoneTransitions are the instants loc's offset changed in year.
func zoneTransitions(loc *time.Location, year int) []time.Time {
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
	return transitions
}

// observance describes the transition at t of loc: its kind, its onset as
// the wall-clock time in the old offset, the offsets and the new name.
func observance(loc *time.Location, t time.Time) (kind string, wall time.Time, before, after int, name string) {
	_, before = t.Add(-time.Second).In(loc).Zone()
	name, after = t.In(loc).Zone()
	kind = "STANDARD"
	if t.In(loc).IsDST() {
		kind = "DAYLIGHT"
	}
	return kind, t.In(time.FixedZone("", before)), before, after, name
}

// yearRules are loc's transitions in year as yearly rules.
func yearRules(loc *time.Location, year int) []zoneRule {
	var out []zoneRule
	for _, t := range zoneTransitions(loc, year) {
		kind, wall, before, after, name := observance(loc, t)
		n := (wall.Day()-1)/7 + 1
		if wall.AddDate(0, 0, 7).Month() != wall.Month() {
			n = -1 // the last such weekday of the month
		}
		out = append(out, zoneRule{kind: kind, month: wall.Month(), n: n, day: wall.Weekday(),
			clock: wall.Format("150405"), before: before, after: after, name: name})
	}
	return out
}

// vtimezone writes the VTIMEZONE that RFC 5545 requires for a TZID,
// covering the sessions from from to to: when the zone changes its clocks
// by the same rules every year of that span, as yearly rules ("last Sunday
// of March") starting a year before it; when its rules change within the
// span, each transition of those years; one fixed offset when the zone
// has no daylight saving then.
func vtimezone(b *icalWriter, loc *time.Location, from, to time.Time) {
	b.line("BEGIN:VTIMEZONE")
	b.line("TZID:" + loc.String())
	first, last := from.In(loc).Year(), to.In(loc).Year()
	if last < first {
		last = first
	}
	if last-first >= maxZoneYears {
		last = first + maxZoneYears - 1
	}
	rules := yearRules(loc, first)
	same := true
	for y := first + 1; y <= last && same; y++ {
		same = slices.Equal(rules, yearRules(loc, y))
	}
	switch {
	case same && len(rules) == 0:
		name, off := from.In(loc).Zone()
		b.line("BEGIN:STANDARD")
		b.line("DTSTART:19700101T000000")
		b.line("TZOFFSETFROM:" + icalOffset(off))
		b.line("TZOFFSETTO:" + icalOffset(off))
		b.line("TZNAME:" + icalText(name))
		b.line("END:STANDARD")
	case same:
		for _, r := range rules {
			// The rule starts a year early, so the first session, whenever
			// in the year it falls, is covered by an observance.
			onset := nthWeekday(first-1, r.month, r.n, r.day)
			b.line("BEGIN:" + r.kind)
			b.line("DTSTART:" + onset.Format("20060102") + "T" + r.clock)
			b.line("RRULE:FREQ=YEARLY;BYMONTH=" + itoa(int(r.month)) + ";BYDAY=" + itoa(r.n) + icalDays[r.day])
			b.line("TZOFFSETFROM:" + icalOffset(r.before))
			b.line("TZOFFSETTO:" + icalOffset(r.after))
			b.line("TZNAME:" + icalText(r.name))
			b.line("END:" + r.kind)
		}
	default:
		// The offset at the span's start, then each change in its years.
		start := time.Date(first, 1, 1, 0, 0, 0, 0, loc)
		name, off := start.Zone()
		kind := "STANDARD"
		if start.IsDST() {
			kind = "DAYLIGHT"
		}
		b.line("BEGIN:" + kind)
		b.line("DTSTART:19700101T000000")
		b.line("TZOFFSETFROM:" + icalOffset(off))
		b.line("TZOFFSETTO:" + icalOffset(off))
		b.line("TZNAME:" + icalText(name))
		b.line("END:" + kind)
		for y := first; y <= last; y++ {
			for _, t := range zoneTransitions(loc, y) {
				kind, wall, before, after, name := observance(loc, t)
				b.line("BEGIN:" + kind)
				b.line("DTSTART:" + wall.Format(icalLocal))
				b.line("TZOFFSETFROM:" + icalOffset(before))
				b.line("TZOFFSETTO:" + icalOffset(after))
				b.line("TZNAME:" + icalText(name))
				b.line("END:" + kind)
			}
		}
	}
	b.line("END:VTIMEZONE")
}

var icalDays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

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
