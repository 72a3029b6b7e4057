package federation

// Decoding of an incoming Event: a meeting of a course on another server,
// in the shapes Lernejo, Mobilizon and Gancio send (FEDERATION.md,
// "Meetings (Events)"). Like the rest of decode.go it reads plain keys, no
// JSON-LD, a fixed number of levels, and accepts a single value wherever an
// array may be given (GoToSocial compacts one-element arrays).

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lernejo/lernejo/domain"
)

// EventDefaultMinutes is how long a session of an Event that gives no
// endTime (Gancio's may not) is taken to last.
const EventDefaultMinutes = 60

// decMaxEventToken bounds the short strings of an Event: its time zone,
// status and recurrence rule.
const decMaxEventToken = 256

// DecodeEvent reads the meeting an Event describes: o is the object of a
// Create or Update, as DecodeActivityAt decoded it (the checks of who sent
// it are the caller's). Rules:
//   - o is an embedded object of type Event with an id, attributedTo (the
//     course) and a name;
//   - startTime is required, RFC 3339, in the years 2000 to 9999; endTime,
//     when after it, gives the length of each session, at most
//     domain.MaxMeetingDuration (a longer Event is cut to it); without one
//     a session lasts EventDefaultMinutes;
//   - timezone is an IANA name (domain.LoadZone); an unknown or missing one
//     is UTC;
//   - the place is location's name (or its address, when that is text), or
//     else the href of the first Link attached (Mobilizon's online address)
//     that fits, as plain text on one line of at most domain.MaxMeetingPlaceLen
//     characters;
//   - ical:status (else status) CANCELLED calls the meeting off;
//   - recurrence is a rule ParseRRule reads; any other is a one-off
//     meeting, whose exceptions are ignored. exceptions are RFC 3339 starts
//     of skipped sessions (at most domain.MaxMeetingSkipped; others are
//     dropped);
//   - sequence (or ical:sequence) is a non-negative integer; anything else
//     is 0;
//   - name becomes plain text, content sanitised HTML (san), and url is kept
//     only on the id's origin (HOSTILE O8), the id standing in for it.
func DecodeEvent(o *Object, san *Sanitizer) (*domain.RemoteMeeting, error) {
	if o == nil || o.IsLink || o.Raw == nil {
		return nil, fmt.Errorf("%w: the Event is not embedded", ErrInvalidDocument)
	}
	if o.Type != "Event" || o.ID == "" || o.AttributedTo == "" {
		return nil, fmt.Errorf("%w: not an Event with an id and attributedTo", ErrInvalidDocument)
	}
	f, err := decFieldsOf(o.Raw)
	if err != nil {
		return nil, err
	}
	rm := &domain.RemoteMeeting{ID: o.ID, Course: o.AttributedTo, URL: o.ID}
	if rm.Title = decRunes(san.PlainText(o.Name), domain.MaxNameLen); rm.Title == "" {
		return nil, fmt.Errorf("%w: the Event has no name", ErrInvalidDocument)
	}
	rm.Content = san.RemoteHTML(o.Content)
	if o.URL != "" && SameOrigin(o.URL, o.ID) {
		rm.URL = o.URL
	}
	start, ok := decEventTime(decFirstText(f["startTime"]))
	if !ok {
		return nil, fmt.Errorf("%w: the Event has no startTime", ErrInvalidDocument)
	}
	rm.Start, rm.Minutes = start, EventDefaultMinutes
	if end, ok := decEventTime(decFirstText(f["endTime"])); ok && end.After(start) {
		d := min(end.Sub(start), domain.MaxMeetingDuration)
		rm.Minutes = max(1, int(d/time.Minute))
	}
	rm.Timezone = "UTC"
	if tz := decFirstText(f["timezone"]); tz != "" && decCleanToken(tz) == tz {
		if _, err := domain.LoadZone(tz); err == nil {
			rm.Timezone = tz
		}
	}
	rm.Place = decEventPlace(f["location"], san)
	if rm.Place == "" {
		for _, a := range o.Attachments {
			if a.Type == "Link" && a.URL != "" && utf8.RuneCountInString(a.URL) <= domain.MaxMeetingPlaceLen {
				rm.Place = a.URL // a link cut short would lead nowhere
				break
			}
		}
	}
	status := decFirstText(f["ical:status"])
	if status == "" {
		status = decFirstText(f["status"])
	}
	rm.Cancelled = strings.EqualFold(status, EventCancelled)
	rm.Repeat, rm.Count = domain.RepeatOnce, 1
	if repeat, count, ok := ParseRRule(decFirstText(f["recurrence"])); ok {
		rm.Repeat, rm.Count = repeat, count
	}
	if rm.Repeat != domain.RepeatOnce {
		rm.Skipped = decEventTimes(f["exceptions"])
	}
	rm.Sequence = decSequence(f["sequence"])
	if _, given := f["sequence"]; !given {
		rm.Sequence = decSequence(f["ical:sequence"])
	}
	return rm, nil
}

// decFirstText is the first string of a one-or-many value, at most
// decMaxEventToken bytes, trimmed; "" when there is none.
func decFirstText(raw json.RawMessage) string {
	elems, err := decOneOrMany(raw, 1)
	if err != nil || len(elems) == 0 {
		return ""
	}
	s, ok := decStr(elems[0])
	if !ok || len(s) > decMaxEventToken {
		return ""
	}
	return strings.TrimSpace(s)
}

// decEventTime parses a session's start or end: RFC 3339, in the years a
// meeting may have (2000 to 9999), to the minute, in UTC.
func decEventTime(s string) (time.Time, bool) {
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	t = t.UTC().Truncate(time.Minute)
	if t.Year() < 2000 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// decEventTimes reads exceptions: in order, without repeats, at most
// domain.MaxMeetingSkipped; values that are not times are dropped.
func decEventTimes(raw json.RawMessage) []time.Time {
	elems, err := decOneOrMany(raw, domain.MaxMeetingSkipped)
	if err != nil {
		return nil
	}
	var out []time.Time
	for _, e := range elems {
		s, ok := decStr(e)
		if !ok {
			continue
		}
		if t, ok := decEventTime(s); ok {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(out, func(a, b time.Time) bool { return a.Equal(b) })
}

// decEventPlace is the place of an Event's location (one, or the first of
// several): its name, or its address when that is text (Gancio), as one
// line of plain text.
func decEventPlace(raw json.RawMessage, san *Sanitizer) string {
	elems, err := decOneOrMany(raw, 1)
	if err != nil || len(elems) == 0 {
		return ""
	}
	switch decKind(elems[0]) {
	case '"':
		s, _ := decStr(elems[0])
		return decRunes(san.PlainText(s), domain.MaxMeetingPlaceLen)
	case '{':
	default:
		return ""
	}
	f, err := decFieldsOf(elems[0])
	if err != nil {
		return ""
	}
	name := san.PlainText(decText(f["name"], decMaxNameBytes))
	if name == "" {
		name = san.PlainText(decText(f["address"], decMaxNameBytes))
	}
	return decRunes(name, domain.MaxMeetingPlaceLen)
}

// decSequence reads a non-negative integer that fits an int32; anything
// else is 0.
func decSequence(raw json.RawMessage) int {
	n, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt32 {
		return 0
	}
	return int(n)
}

// decRunes cuts s, plain text (PlainText collapsed its whitespace, so it is
// one line), to at most n characters.
func decRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
