package federation

import (
	"fmt"
	"html"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/lernejo/lernejo/domain"
)

// EventContext is the @context of a meeting's Event and the activities that
// carry it: ActivityStreams, Mobilizon's terms (timezone, the iCalendar
// status) so that Mobilizon and Gancio read it as one of their own, and
// Lernejo's for what neither has (a repeating meeting's rule and skipped
// sessions, as iCalendar writes them).
var EventContext = []any{NSActivityStreams, eventTerms}

var eventTerms = map[string]any{
	"lernejo":    NSLernejo,
	"mz":         "https://joinmobilizon.org/ns#",
	"ical":       "http://www.w3.org/2002/12/cal/ical#",
	"sc":         "http://schema.org#",
	"timezone":   map[string]string{"@id": "mz:timezone", "@type": "sc:Text"},
	"isOnline":   map[string]string{"@id": "mz:isOnline", "@type": "sc:Boolean"},
	"joinMode":   map[string]string{"@id": "mz:joinMode", "@type": "mz:joinModeType"},
	"recurrence": "lernejo:recurrence",
	"exceptions": "lernejo:exceptions",
	"sequence":   "ical:sequence",
}

// Event status values (iCalendar's STATUS, as Mobilizon sends ical:status).
const (
	EventConfirmed = "CONFIRMED"
	EventCancelled = "CANCELLED"
)

// ASEvent is a meeting of a course: an ActivityStreams Event in the shape
// Mobilizon and Gancio send. startTime and endTime are the first session
// that is still to come (the first of all once none is); recurrence and
// exceptions describe the rest for Lernejo nodes and calendars.
type ASEvent struct {
	Context      any                          `json:"@context,omitempty"`
	ID           string                       `json:"id"`
	Type         vocab.ActivityVocabularyType `json:"type"` // "Event"
	AttributedTo string                       `json:"attributedTo"`
	Name         string                       `json:"name"`
	// Summary says in one line when and where: Mastodon, which shows an
	// Event as a post of its name, summary and link (never its startTime
	// or content), shows it as the post's text, as Gancio's events do.
	Summary    string   `json:"summary"`
	Content    string   `json:"content"` // HTML: when, where, the agenda
	StartTime  string   `json:"startTime"`
	EndTime    string   `json:"endTime"`
	Timezone   string   `json:"timezone"`
	Location   *ASPlace `json:"location,omitempty"`
	IsOnline   bool     `json:"isOnline"`
	Attachment []ASLink `json:"attachment,omitempty"`
	Status     string   `json:"ical:status"`
	JoinMode   string   `json:"joinMode"`
	Recurrence string   `json:"recurrence,omitempty"` // an iCalendar RRULE value
	Exceptions []string `json:"exceptions,omitempty"` // skipped sessions' starts
	Sequence   int      `json:"sequence"`
	Published  string   `json:"published"`
	Updated    string   `json:"updated,omitempty"`
	URL        string   `json:"url"`
	To         []string `json:"to"`
	CC         []string `json:"cc"`
	Audience   string   `json:"audience"` // FEP-1b12: the course
}

func (e ASEvent) withContext(c any) any { e.Context = c; return e }

// ASPlace is where a meeting is, when that is a room or an address.
type ASPlace struct {
	Type vocab.ActivityVocabularyType `json:"type"` // "Place"
	Name string                       `json:"name"`
}

// ASLink is a link attached to an object: an online meeting's address.
type ASLink struct {
	Type      vocab.ActivityVocabularyType `json:"type"` // "Link"
	Name      string                       `json:"name"`
	MediaType string                       `json:"mediaType"`
	Href      string                       `json:"href"`
}

// MeetingURL is the id of a meeting's Event: under its course.
func MeetingURL(urls URLs, course, id string) string {
	return urls.Actor(domain.ActorCourse, course) + "/meetings/" + id
}

// MeetingOf is the course handle and meeting id of a meeting URL of this
// node; false for any other URL.
func MeetingOf(urls URLs, id string) (course, meeting string, ok bool) {
	prefix := urls.Actor(domain.ActorCourse, "")
	rest, found := strings.CutPrefix(id, prefix)
	if !found {
		return "", "", false
	}
	course, meeting, found = strings.Cut(rest, "/meetings/")
	if !found || course == "" || meeting == "" || strings.ContainsAny(meeting, "/?#") || strings.Contains(course, "/") {
		return "", "", false
	}
	return course, meeting, true
}

// RRule is the iCalendar RRULE value of a repeating meeting; "" for a
// one-off one.
func RRule(m *domain.Meeting) string {
	switch m.Repeat {
	case domain.RepeatWeekly:
		return fmt.Sprintf("FREQ=WEEKLY;COUNT=%d", m.Count)
	case domain.RepeatBiweekly:
		return fmt.Sprintf("FREQ=WEEKLY;INTERVAL=2;COUNT=%d", m.Count)
	}
	return ""
}

// ParseRRule reads the rules RRule writes, and no other; false for any
// other value.
func ParseRRule(s string) (domain.Repeat, int, bool) {
	var n int
	switch {
	case s == "":
		return domain.RepeatOnce, 1, true
	case strings.HasPrefix(s, "FREQ=WEEKLY;INTERVAL=2;COUNT="):
		if _, err := fmt.Sscanf(s, "FREQ=WEEKLY;INTERVAL=2;COUNT=%d", &n); err == nil && n >= 2 && n <= domain.MaxMeetingCount &&
			s == fmt.Sprintf("FREQ=WEEKLY;INTERVAL=2;COUNT=%d", n) {
			return domain.RepeatBiweekly, n, true
		}
	case strings.HasPrefix(s, "FREQ=WEEKLY;COUNT="):
		if _, err := fmt.Sscanf(s, "FREQ=WEEKLY;COUNT=%d", &n); err == nil && n >= 2 && n <= domain.MaxMeetingCount &&
			s == fmt.Sprintf("FREQ=WEEKLY;COUNT=%d", n) {
			return domain.RepeatWeekly, n, true
		}
	}
	return "", 0, false
}

// restRule is the RRULE of the sessions of m from the one at start on,
// which an Event's startTime gives: as an iCalendar DTSTART does, its
// COUNT counts from there. "" when one session or none is left.
func restRule(m *domain.Meeting, start time.Time) string {
	rest := *m
	for i, o := range m.All() {
		if o.Start.Equal(start) {
			rest.Count = m.Count - i
			break
		}
	}
	if rest.Count < 2 {
		return ""
	}
	return RRule(&rest)
}

// IsLink reports whether a meeting's place is a link (an online meeting).
func IsLink(place string) bool {
	return strings.HasPrefix(place, "https://") || strings.HasPrefix(place, "http://")
}

// EventObject is the Event of meeting m, public with the course's
// followers in cc, as of now (which session is the next). Its content says
// in words what Mastodon, which shows an Event as a post, would not show
// of it: when, where, how to answer.
func (d Documents) EventObject(m *domain.Meeting, now time.Time) ASEvent {
	course := d.URLs.Actor(domain.ActorCourse, m.Course)
	id := MeetingURL(d.URLs, m.Course, m.ID)
	addr := PublicAddress(course+"/followers", nil)
	first := domain.Occurrence{Start: m.Start, End: m.Start.Add(m.Duration())}
	if o, ok := m.Next(now); ok {
		first = o
	}
	e := ASEvent{ID: id, Type: vocab.EventType, AttributedTo: course, Name: m.Title,
		StartTime: first.Start.UTC().Format(time.RFC3339), EndTime: first.End.UTC().Format(time.RFC3339),
		Timezone: m.Timezone, Status: EventConfirmed, JoinMode: "free", Recurrence: restRule(m, first.Start),
		Sequence: m.Sequence, Published: m.Created.UTC().Format(time.RFC3339), URL: id,
		To: addr.To, CC: addr.CC, Audience: course}
	if m.Cancelled {
		e.Status = EventCancelled
	}
	for _, s := range m.Skipped {
		e.Exceptions = append(e.Exceptions, s.UTC().Format(time.RFC3339))
	}
	switch {
	case IsLink(m.Place):
		e.IsOnline = true
		e.Attachment = []ASLink{{Type: vocab.LinkType, Name: "Website", MediaType: "text/html", Href: m.Place}}
	case m.Place != "":
		e.Location = &ASPlace{Type: vocab.PlaceType, Name: m.Place}
	}
	if m.Updated.After(m.Created) {
		e.Updated = m.Updated.UTC().Format(time.RFC3339)
	}
	e.Content = eventContent(m, first)
	e.Summary = eventSummary(m, first)
	return e
}

// eventSummary is the one line of an Event's summary: the state, when (in
// the meeting's zone), where, and how to answer.
func eventSummary(m *domain.Meeting, first domain.Occurrence) string {
	loc, err := m.Location()
	if err != nil {
		loc = time.UTC
	}
	var parts []string
	if m.Cancelled {
		parts = append(parts, "Cancelled")
	}
	when := first.Start.In(loc).Format("Mon 2 Jan 2006, 15:04") + " (" + m.Timezone + ")"
	switch m.Repeat {
	case domain.RepeatWeekly:
		when += fmt.Sprintf(", weekly, %d sessions", m.Count)
	case domain.RepeatBiweekly:
		when += fmt.Sprintf(", every two weeks, %d sessions", m.Count)
	}
	parts = append(parts, when)
	if m.Place != "" {
		parts = append(parts, m.Place)
	}
	if !m.Cancelled {
		parts = append(parts, "Coming? Reply yes, maybe or no")
	}
	return strings.Join(parts, " · ")
}

// eventContent is the HTML of an Event's content: the state, the time in
// the meeting's zone, the place, how to answer, the agenda and the notes.
func eventContent(m *domain.Meeting, first domain.Occurrence) string {
	var b strings.Builder
	loc, err := m.Location()
	if err != nil {
		loc = time.UTC
	}
	if m.Cancelled {
		b.WriteString("<p><strong>Cancelled.</strong></p>")
	}
	when := first.Start.In(loc).Format("Monday 2 January 2006, 15:04") + " (" + m.Timezone + ")"
	switch m.Repeat {
	case domain.RepeatWeekly:
		when += fmt.Sprintf(", then weekly: %d sessions", m.Count)
	case domain.RepeatBiweekly:
		when += fmt.Sprintf(", then every two weeks: %d sessions", m.Count)
	}
	fmt.Fprintf(&b, "<p>%s</p>", html.EscapeString(when))
	switch {
	case IsLink(m.Place):
		fmt.Fprintf(&b, `<p><a href="%s">%s</a></p>`, html.EscapeString(m.Place), html.EscapeString(m.Place))
	case m.Place != "":
		fmt.Fprintf(&b, "<p>%s</p>", html.EscapeString(m.Place))
	}
	if !m.Cancelled {
		b.WriteString("<p>Coming? Reply “yes”, “maybe” or “no”.</p>")
	}
	b.WriteString(m.AgendaHTML)
	b.WriteString(m.NotesHTML)
	return b.String()
}

// WrapEvent is the Create or Update of a meeting's Event, addressed as the
// Event is.
func WrapEvent(typ vocab.ActivityVocabularyType, id string, e ASEvent, at time.Time) []byte {
	return wrap(EventContext, typ, id, e.AttributedTo, e, NoteAddress{To: e.To, CC: e.CC}, at)
}

// EventDocument is a meeting's Event served on its own, at its id.
func EventDocument(e ASEvent) []byte {
	e.Context = EventContext
	return marshal(e)
}

// RSVPType is the activity that gives an answer to a meeting: Accept,
// TentativeAccept or Reject of the Event, as ActivityStreams 2.0 (§5.6)
// describes answering an invitation.
func RSVPType(a domain.RSVPAnswer) vocab.ActivityVocabularyType {
	switch a {
	case domain.RSVPGoing:
		return vocab.AcceptType
	case domain.RSVPMaybe:
		return vocab.TentativeAcceptType
	}
	return vocab.RejectType
}

// RSVP is a person's answer to a meeting of a course on another server,
// sent to the course.
func RSVP(id, actor, course, event string, a domain.RSVPAnswer, at time.Time) []byte {
	return marshal(ASActivity{Context: NSActivityStreams, ID: id, Type: RSVPType(a), Actor: actor, Object: event,
		To: []string{course}, CC: []string{}, Published: at.UTC().Format(time.RFC3339)})
}
