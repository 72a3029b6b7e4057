package domain

import (
	"slices"
	"strings"
	"time"
)

// Repeat says how often a meeting comes back.
type Repeat string

// How meetings repeat.
const (
	RepeatOnce     Repeat = ""         // one session
	RepeatWeekly   Repeat = "weekly"   // every week, same weekday and wall-clock time
	RepeatBiweekly Repeat = "biweekly" // every two weeks
)

// Limits on meetings.
const (
	MaxMeetingCount    = 104 // occurrences of a repeating meeting (two years of weeks)
	MaxMeetingDuration = 12 * time.Hour
	MaxMeetingSkipped  = MaxMeetingCount
	MaxReminderLead    = 7 * 24 * time.Hour
	// MaxMeetingsPerCourse bounds the meetings one course keeps.
	MaxMeetingsPerCourse = 200
	// MaxOccurrences bounds the occurrences any one read lists.
	MaxOccurrences = 500
)

// Meeting is a session of a course, one-off or repeating: what P2PU's
// learning circles call their weekly meetings. Times are kept as the
// wall-clock time in the meeting's own time zone, so that a weekly meeting
// at 18:30 in Europe/Berlin stays at 18:30 across a change to summer time.
// It is an ActivityStreams Event (FEDERATION.md).
type Meeting struct {
	ID     string // ULID; the Event is at /courses/COURSE/meetings/ID
	Course string // handle of the course
	Title  string
	// Agenda is the Markdown its organisers wrote; AgendaHTML the same
	// rendered and sanitised.
	Agenda, AgendaHTML string
	// Notes are written afterwards (Markdown, and rendered).
	Notes, NotesHTML string
	// Start is the first session's start, as an instant; its wall-clock
	// time in Timezone is what every later session keeps.
	Start    time.Time
	Timezone string // IANA name; "" is UTC
	Minutes  int    // how long each session lasts
	Place    string // a room, an address or a link, on one line
	Repeat   Repeat
	// Count is how many sessions a repeating meeting has in all, skipped
	// ones included (iCalendar's COUNT); 1 for a one-off meeting.
	Count int
	// Skipped are the starts of sessions that will not take place (an
	// iCalendar EXDATE each), in order.
	Skipped []time.Time `json:",omitempty"`
	// Cancelled is set when the whole meeting will not take place.
	Cancelled bool `json:",omitempty"`
	// Sequence counts the changes that matter to a calendar (iCalendar's
	// SEQUENCE): times, place, skipped sessions, cancellation.
	Sequence int
	// ReminderLead is how long before each session a reminder is sent;
	// 0 sends none. RemindAll sends it to every participant of the course,
	// not only those who said they would come.
	ReminderLead time.Duration
	RemindAll    bool `json:",omitempty"`
	Created      time.Time
	Updated      time.Time
}

// Normalise trims a meeting's text, gives a one-off meeting a Count of 1
// and keeps its skipped sessions in order without repeats.
func (m *Meeting) Normalise() {
	m.Title = strings.TrimSpace(m.Title)
	m.Agenda = strings.TrimSpace(m.Agenda)
	m.Notes = strings.TrimSpace(m.Notes)
	m.Place = strings.TrimSpace(m.Place)
	m.Timezone = strings.TrimSpace(m.Timezone)
	if m.Timezone == "" {
		m.Timezone = "UTC"
	}
	if m.Repeat == RepeatOnce {
		m.Count = 1
	}
	m.Start = m.Start.UTC().Truncate(time.Minute)
	for i := range m.Skipped {
		m.Skipped[i] = m.Skipped[i].UTC().Truncate(time.Minute)
	}
	slices.SortFunc(m.Skipped, func(a, b time.Time) int { return a.Compare(b) })
	m.Skipped = slices.CompactFunc(m.Skipped, func(a, b time.Time) bool { return a.Equal(b) })
}

// Validate checks a meeting's fields and changes nothing; call Normalise
// first.
func (m *Meeting) Validate() error {
	if err := checkText(m.Title, Phrase("title"), true, MaxNameLen); err != nil {
		return OnField("title", err)
	}
	if err := checkText(m.Agenda, Phrase("agenda"), false, MaxSummaryLen); err != nil {
		return OnField("agenda", err)
	}
	if err := checkText(m.Notes, Phrase("notes"), false, MaxSummaryLen); err != nil {
		return OnField("notes", err)
	}
	if err := checkText(m.Place, Phrase("place"), false, MaxMeetingPlaceLen); err != nil {
		return OnField("place", err)
	}
	if strings.ContainsAny(m.Place, "\r\n") {
		return Errorf(EINVALID, "The place should be on one line.").On("place")
	}
	if _, err := m.Location(); err != nil {
		return OnField("timezone", err)
	}
	if m.Start.IsZero() || m.Start.Year() < 2000 || m.Start.Year() > 9999 {
		return Errorf(EINVALID, "Give the first session a date and a time.").On("start")
	}
	if m.Minutes < 1 || time.Duration(m.Minutes)*time.Minute > MaxMeetingDuration {
		return Errorf(EINVALID, "A session lasts between a minute and %d hours.", int(MaxMeetingDuration/time.Hour)).On("minutes")
	}
	switch m.Repeat {
	case RepeatOnce:
		if m.Count != 1 {
			return Errorf(EINVALID, "A one-off meeting has one session.").On("count")
		}
	case RepeatWeekly, RepeatBiweekly:
		if m.Count < 2 || m.Count > MaxMeetingCount {
			return Errorf(EINVALID, "A repeating meeting has between 2 and %d sessions.", MaxMeetingCount).On("count")
		}
	default:
		return Errorf(EINVALID, "Unknown repeat %q: once, weekly or biweekly.", m.Repeat).On("repeat")
	}
	if len(m.Skipped) > MaxMeetingSkipped {
		return Errorf(EINVALID, "Too many skipped sessions.").On("skipped")
	}
	for _, s := range m.Skipped {
		if !m.scheduled(s) {
			return Errorf(EINVALID, "%s is not one of this meeting's sessions.", s.Format(time.RFC3339)).On("skipped")
		}
	}
	if m.ReminderLead < 0 || m.ReminderLead > MaxReminderLead {
		return Errorf(EINVALID, "A reminder goes out at most a week before a session.").On("reminder")
	}
	return nil
}

// Location is the meeting's time zone.
func (m *Meeting) Location() (*time.Location, error) { return LoadZone(m.Timezone) }

// LoadZone loads an IANA time zone by name; "" and "UTC" are UTC. "Local"
// (the server's own zone) is refused: it means nothing to anyone else.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, Errorf(EINVALID, "%q is not a time zone name such as Europe/Paris.", name)
	}
	return loc, nil
}

// Duration is how long each session lasts.
func (m *Meeting) Duration() time.Duration { return time.Duration(m.Minutes) * time.Minute }

// interval is the days between sessions.
func (m *Meeting) interval() int {
	switch m.Repeat {
	case RepeatWeekly:
		return 7
	case RepeatBiweekly:
		return 14
	}
	return 0
}

// nth is the start of the meeting's session i (0 the first), skipped or
// not: the first's wall-clock time in the meeting's zone, i intervals of
// days later.
func (m *Meeting) nth(loc *time.Location, i int) time.Time {
	s := m.Start.In(loc)
	return time.Date(s.Year(), s.Month(), s.Day()+i*m.interval(), s.Hour(), s.Minute(), 0, 0, loc).UTC()
}

// scheduled reports whether at is the start of one of the meeting's
// sessions, skipped or not.
func (m *Meeting) scheduled(at time.Time) bool {
	loc, err := m.Location()
	if err != nil {
		return false
	}
	for i := 0; i < m.Count; i++ {
		if s := m.nth(loc, i); s.Equal(at) {
			return true
		} else if s.After(at) {
			return false
		}
	}
	return false
}

// Occurrence is one session of a meeting.
type Occurrence struct {
	Start, End time.Time // UTC
	Skipped    bool      // it will not take place
}

// Occurrences are the meeting's sessions that end after from and start
// before to, skipped ones included and marked, at most MaxOccurrences.
// A cancelled meeting has none.
func (m *Meeting) Occurrences(from, to time.Time) []Occurrence {
	loc, err := m.Location()
	if err != nil || m.Cancelled {
		return nil
	}
	var out []Occurrence
	for i := 0; i < m.Count && len(out) < MaxOccurrences; i++ {
		s := m.nth(loc, i)
		if !s.Before(to) {
			break
		}
		e := s.Add(m.Duration())
		if !e.After(from) {
			continue
		}
		out = append(out, Occurrence{Start: s, End: e, Skipped: m.IsSkipped(s)})
	}
	return out
}

// All are every session of the meeting, skipped ones included and marked.
func (m *Meeting) All() []Occurrence {
	return m.Occurrences(time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
}

// Next is the first session that takes place and ends after now, or false
// when none is left.
func (m *Meeting) Next(now time.Time) (Occurrence, bool) {
	for _, o := range m.Occurrences(now, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)) {
		if !o.Skipped {
			return o, true
		}
	}
	return Occurrence{}, false
}

// Session is the session that starts at start and takes place, or false
// when there is none (not a session of this meeting, skipped, or the
// meeting cancelled).
func (m *Meeting) Session(start time.Time) (Occurrence, bool) {
	if m.Cancelled || !m.scheduled(start) || m.IsSkipped(start) {
		return Occurrence{}, false
	}
	return Occurrence{Start: start.UTC(), End: start.UTC().Add(m.Duration())}, true
}

// IsSkipped reports whether the session at start was called off.
func (m *Meeting) IsSkipped(start time.Time) bool {
	for _, s := range m.Skipped {
		if s.Equal(start) {
			return true
		}
	}
	return false
}

// Last is the end of the meeting's last session.
func (m *Meeting) Last() time.Time {
	loc, err := m.Location()
	if err != nil {
		return m.Start
	}
	return m.nth(loc, m.Count-1).Add(m.Duration())
}

// CalendarChange reports whether next differs from m in what a calendar
// shows (so its Sequence must go up).
func (m *Meeting) CalendarChange(next *Meeting) bool {
	return !m.Start.Equal(next.Start) || m.Timezone != next.Timezone || m.Minutes != next.Minutes ||
		m.Place != next.Place || m.Repeat != next.Repeat || m.Count != next.Count ||
		!slices.EqualFunc(m.Skipped, next.Skipped, time.Time.Equal) || m.Cancelled != next.Cancelled ||
		m.Title != next.Title || m.Agenda != next.Agenda
}

// RSVPAnswer is what someone said about coming to a meeting.
type RSVPAnswer string

// RSVP answers: Mobilizon's and iCalendar's three (ACCEPTED, TENTATIVE,
// DECLINED).
const (
	RSVPGoing RSVPAnswer = "going"
	RSVPMaybe RSVPAnswer = "maybe"
	RSVPNo    RSVPAnswer = "no"
)

// ParseRSVP reads an answer as a form or a reply gives it: going/yes,
// maybe, no/can't. False when s is none of them.
func ParseRSVP(s string) (RSVPAnswer, bool) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(s), ".!")) {
	case "going", "yes", "y", "i'm going", "i’m going", "attending", "accept", "accepted":
		return RSVPGoing, true
	case "maybe", "perhaps", "tentative", "might":
		return RSVPMaybe, true
	case "no", "n", "can't", "can’t", "cannot", "not going", "decline", "declined":
		return RSVPNo, true
	}
	return "", false
}

// RSVP is one person's answer to a meeting (the whole series: a study
// group's member says whether they take part in its sessions).
type RSVP struct {
	Meeting string // meeting id
	Course  string // course handle
	Actor   string // actor id: a local person's or a remote one's
	Answer  RSVPAnswer
	// Activity is the id of the activity (or reply) that brought it; "" for
	// an answer given on this node's page.
	Activity string `json:",omitempty"`
	At       time.Time
}

// Attendance is who came to one session of a meeting, as its organisers
// marked it.
type Attendance struct {
	Meeting  string
	Course   string
	Session  time.Time // the session's start
	Actor    string    // actor id of the person who came
	MarkedBy string    // handle of the organiser
	At       time.Time
}

// RemoteMeeting is a meeting of a course on another server that a local
// person takes part in, as its Event said: shown on their pages and in
// their calendar, answered from here.
type RemoteMeeting struct {
	ID       string // the Event's id
	Course   string // the course's actor id
	Title    string
	Content  string // sanitised HTML
	URL      string
	Start    time.Time
	Minutes  int
	Timezone string
	Place    string
	Repeat   Repeat
	Count    int
	Skipped  []time.Time `json:",omitempty"`
	// Cancelled is set when the course called the whole meeting off.
	Cancelled bool `json:",omitempty"`
	Sequence  int
	Updated   time.Time
}

// Meeting is the remote meeting as a Meeting, for its occurrences and its
// calendar entry.
func (r *RemoteMeeting) Meeting() *Meeting {
	return &Meeting{ID: r.ID, Title: r.Title, AgendaHTML: r.Content, Start: r.Start, Timezone: r.Timezone,
		Minutes: r.Minutes, Place: r.Place, Repeat: r.Repeat, Count: r.Count, Skipped: r.Skipped,
		Cancelled: r.Cancelled, Sequence: r.Sequence, Updated: r.Updated}
}
