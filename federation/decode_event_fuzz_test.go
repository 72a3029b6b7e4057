package federation

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lernejo/lernejo/domain"
)

// FuzzDecodeEvent: DecodeEvent never panics on the object of any activity
// DecodeActivityAt accepts, and whatever meeting it makes keeps the bounds
// the rest of the node relies on: ids from the document, a name, a start in
// a meeting's years, a length within domain.MaxMeetingDuration, a zone
// domain.LoadZone knows, a one-line place within its length, a repeat
// ParseRRule gives with its count, skipped sessions in order, no more than
// domain.MaxMeetingSkipped. Seeds: the Event shapes of the decode tests.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(eventTestMobilizon))
	f.Add([]byte(eventTestGancio))
	f.Add([]byte(`{"type":"Update","id":"https://x.test/a","actor":"https://x.test/c","object":{"type":"Event","id":"https://x.test/e",` +
		`"attributedTo":"https://x.test/c","name":"N","startTime":"2027-01-01T10:00:00Z","endTime":"2027-01-01T11:00:00Z",` +
		`"recurrence":"FREQ=WEEKLY;COUNT=4","exceptions":["2027-01-08T10:00:00Z"],"sequence":2,"timezone":"Europe/Paris",` +
		`"location":{"type":"Place","name":"Room"},"ical:status":"CANCELLED"}}`))
	san := NewSanitizer()
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeActivityAt(b, decTestNow)
		if err != nil {
			return
		}
		rm, err := DecodeEvent(a.Object, san)
		if err != nil {
			return
		}
		o := a.Object
		if rm.ID != o.ID || rm.Course != o.AttributedTo || decCheckIRI(rm.ID) != nil || decCheckIRI(rm.Course) != nil ||
			(rm.URL != rm.ID && !SameOrigin(rm.URL, rm.ID)) {
			t.Fatalf("ids %q %q %q", rm.ID, rm.Course, rm.URL)
		}
		if rm.Title == "" || utf8.RuneCountInString(rm.Title) > domain.MaxNameLen || !utf8.ValidString(rm.Content) {
			t.Fatalf("title %q", rm.Title)
		}
		if rm.Start.Year() < 2000 || rm.Start.Year() > 9999 || rm.Start.Location() != time.UTC || rm.Start.Second() != 0 {
			t.Fatalf("start %v", rm.Start)
		}
		if rm.Minutes < 1 || time.Duration(rm.Minutes)*time.Minute > domain.MaxMeetingDuration {
			t.Fatalf("minutes %d", rm.Minutes)
		}
		if _, err := domain.LoadZone(rm.Timezone); err != nil || rm.Timezone == "" {
			t.Fatalf("zone %q", rm.Timezone)
		}
		if utf8.RuneCountInString(rm.Place) > domain.MaxMeetingPlaceLen || !utf8.ValidString(rm.Place) || strings.ContainsAny(rm.Place, "\r\n") {
			t.Fatalf("place %q", rm.Place)
		}
		repeat, count, ok := ParseRRule(RRule(&domain.Meeting{Repeat: rm.Repeat, Count: rm.Count}))
		if rm.Repeat == domain.RepeatOnce {
			if rm.Count != 1 || rm.Skipped != nil {
				t.Fatalf("one-off with count %d, skipped %v", rm.Count, rm.Skipped)
			}
		} else if !ok || repeat != rm.Repeat || count != rm.Count {
			t.Fatalf("repeat %q count %d", rm.Repeat, rm.Count)
		}
		if len(rm.Skipped) > domain.MaxMeetingSkipped {
			t.Fatalf("%d skipped", len(rm.Skipped))
		}
		for i := 1; i < len(rm.Skipped); i++ {
			if !rm.Skipped[i-1].Before(rm.Skipped[i]) {
				t.Fatalf("skipped out of order: %v", rm.Skipped)
			}
		}
		if rm.Sequence < 0 {
			t.Fatalf("sequence %d", rm.Sequence)
		}
	})
}
