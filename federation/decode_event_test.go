package federation

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// eventTestMobilizon is a Create{Event} in Mobilizon's shape
// (/work/research-events.md §1): start in the event's zone with its
// offset, both status keys, a physical location and the online Link.
const eventTestMobilizon = `{"@context":["https://www.w3.org/ns/activitystreams"],"type":"Create",
 "id":"https://mbz.test/events/5f1c/activity","actor":"https://mbz.test/@circle",
 "object":{"type":"Event","id":"https://mbz.test/events/5f1c","url":"https://mbz.test/events/5f1c","uuid":"5f1c",
 "name":"Esperanto <b>reading</b> circle","content":"<p>Chapter 3</p><script>alert(1)</script>","mediaType":"text/html",
 "attributedTo":"https://mbz.test/@circle","actor":"https://mbz.test/@alice",
 "to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://mbz.test/@alice/followers"],
 "startTime":"2027-03-04T18:00:00+01:00","endTime":"2027-03-04T19:30:00+01:00","timezone":"Europe/Paris",
 "status":"CONFIRMED","ical:status":"CANCELLED","joinMode":"free","isOnline":true,"participantCount":3,
 "location":{"type":"Place","id":"https://mbz.test/address/9a","name":"Library","address":{"type":"PostalAddress","streetAddress":"1 rue X"}},
 "attachment":[{"type":"Document","mediaType":"image/jpeg","url":"https://mbz.test/media/b.jpg","name":"Banner"},
   {"type":"Link","href":"https://meet.test/room","mediaType":"text/html","name":"Website"}]}}`

// eventTestGancio is Gancio's shape (§4): no timezone, no endTime, the
// address a string, an online Link whose name is its href; compacted as
// GoToSocial does (single values for arrays).
const eventTestGancio = `{"type":"Create","id":"https://gancio.test/federation/m/7#create","actor":"https://gancio.test/federation/u/g",
 "object":{"type":"Event","id":"https://gancio.test/federation/m/7","url":"https://elsewhere.test/event/7","name":"Repair café",
 "attributedTo":"https://gancio.test/federation/u/g","startTime":"2027-05-01T10:00:00.000+02:00",
 "attachment":{"type":"Link","mediaType":"text/html","name":"https://jitsi.test/r","href":"https://jitsi.test/r"},
 "exceptions":"2027-05-08T08:00:00Z","to":"https://www.w3.org/ns/activitystreams#Public"}}`

func decEventTest(t *testing.T, doc string) (*domain.RemoteMeeting, error) {
	t.Helper()
	a, err := DecodeActivityAt([]byte(doc), decTestNow)
	if err != nil {
		t.Fatalf("activity: %v", err)
	}
	return DecodeEvent(a.Object, NewSanitizer())
}

func TestDecodeEventMobilizon(t *testing.T) {
	rm, err := decEventTest(t, eventTestMobilizon)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.RemoteMeeting{ID: "https://mbz.test/events/5f1c", Course: "https://mbz.test/@circle", Title: "Esperanto reading circle",
		Content: "<p>Chapter 3</p>", URL: "https://mbz.test/events/5f1c", Start: time.Date(2027, 3, 4, 17, 0, 0, 0, time.UTC),
		Minutes: 90, Timezone: "Europe/Paris", Place: "Library", Repeat: domain.RepeatOnce, Count: 1, Cancelled: true}
	if !decEventEqual(rm, &want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", rm, want)
	}
}

func TestDecodeEventGancioCompacted(t *testing.T) {
	rm, err := decEventTest(t, eventTestGancio)
	if err != nil {
		t.Fatal(err)
	}
	// No endTime: the default length; no zone: UTC; the url on another
	// origin is dropped (O8); a one-off meeting has no exceptions.
	want := domain.RemoteMeeting{ID: "https://gancio.test/federation/m/7", Course: "https://gancio.test/federation/u/g", Title: "Repair café",
		URL: "https://gancio.test/federation/m/7", Start: time.Date(2027, 5, 1, 8, 0, 0, 0, time.UTC), Minutes: EventDefaultMinutes,
		Timezone: "UTC", Place: "https://jitsi.test/r", Repeat: domain.RepeatOnce, Count: 1}
	if !decEventEqual(rm, &want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", rm, want)
	}
}

// TestDecodeEventLernejo: what this node sends of a weekly meeting with a
// skipped session comes back as the same meeting, counted from the next
// session on.
func TestDecodeEventLernejo(t *testing.T) {
	d := goldenDocs(t)
	loc, _ := time.LoadLocation("Europe/Berlin")
	m := &domain.Meeting{ID: "01M", Course: "go", Title: "Reading group", AgendaHTML: "<p>Chapter 1</p>",
		Start: time.Date(2027, 3, 16, 18, 30, 0, 0, loc), Timezone: "Europe/Berlin", Minutes: 90, Place: "Room 4",
		Repeat: domain.RepeatWeekly, Count: 6, Sequence: 3, Created: goldenAt, Updated: goldenUpdated}
	m.Normalise()
	m.Skipped = []time.Time{m.All()[2].Start}
	// A week after the first session: the second is the next.
	now := m.Start.Add(7*24*time.Hour - time.Hour)
	doc := WrapEvent("Update", "https://node.test/activities/1", d.EventObject(m, now), now)
	a, err := DecodeActivityAt(doc, now)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := DecodeEvent(a.Object, NewSanitizer())
	if err != nil {
		t.Fatal(err)
	}
	second := m.All()[1].Start
	if !rm.Start.Equal(second) || rm.Repeat != domain.RepeatWeekly || rm.Count != 5 || rm.Minutes != 90 || rm.Timezone != "Europe/Berlin" ||
		rm.Place != "Room 4" || rm.Sequence != 3 || rm.Cancelled || len(rm.Skipped) != 1 || !rm.Skipped[0].Equal(m.Skipped[0]) ||
		rm.Course != "https://node.test/courses/go" || rm.Title != "Reading group" || !strings.Contains(rm.Content, "<p>Chapter 1</p>") {
		t.Fatalf("decoded %+v", rm)
	}
	// The remote meeting has the sessions left, the same instants.
	got, want := rm.Meeting().All(), m.All()[1:]
	if len(got) != len(want) {
		t.Fatalf("%d sessions, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("session %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// The last session alone left: a one-off Event.
	last := m.All()[5]
	doc = WrapEvent("Update", "https://node.test/activities/2", d.EventObject(m, last.Start), last.Start)
	a, _ = DecodeActivityAt(doc, last.Start)
	if rm, err = DecodeEvent(a.Object, NewSanitizer()); err != nil || rm.Repeat != domain.RepeatOnce || rm.Count != 1 || !rm.Start.Equal(last.Start) {
		t.Fatalf("last session: %+v %v", rm, err)
	}
}

func TestDecodeEventLenientAndStrict(t *testing.T) {
	base := `{"type":"Event","id":"https://x.test/e/1","attributedTo":"https://x.test/c","name":"N","startTime":"2027-01-01T10:00:00Z"%s}`
	decode := func(extra string) (*domain.RemoteMeeting, error) {
		o, err := DecodeObject([]byte(strings.Replace(base, "%s", extra, 1)), decTestNow)
		if err != nil {
			t.Fatalf("object %q: %v", extra, err)
		}
		return DecodeEvent(o, NewSanitizer())
	}
	for extra, check := range map[string]func(*domain.RemoteMeeting) bool{
		``: func(r *domain.RemoteMeeting) bool {
			return r.Minutes == EventDefaultMinutes && r.Timezone == "UTC" && r.Count == 1
		},
		// Longer than a meeting may be: cut to the longest.
		`,"endTime":"2027-01-04T10:00:00Z"`: func(r *domain.RemoteMeeting) bool { return r.Minutes == int(domain.MaxMeetingDuration/time.Minute) },
		// An end before the start is no length.
		`,"endTime":"2027-01-01T09:00:00Z"`: func(r *domain.RemoteMeeting) bool { return r.Minutes == EventDefaultMinutes },
		`,"timezone":"Mars/Olympus"`:        func(r *domain.RemoteMeeting) bool { return r.Timezone == "UTC" },
		`,"timezone":"../../etc/passwd"`:    func(r *domain.RemoteMeeting) bool { return r.Timezone == "UTC" },
		`,"timezone":"Local"`:               func(r *domain.RemoteMeeting) bool { return r.Timezone == "UTC" },
		`,"timezone":["Asia/Tokyo"]`:        func(r *domain.RemoteMeeting) bool { return r.Timezone == "Asia/Tokyo" },
		// A rule this node does not write: one session; its exceptions go.
		`,"recurrence":"FREQ=DAILY;COUNT=3","exceptions":["2027-01-02T10:00:00Z"]`: func(r *domain.RemoteMeeting) bool {
			return r.Repeat == domain.RepeatOnce && r.Count == 1 && r.Skipped == nil
		},
		`,"recurrence":"FREQ=WEEKLY;COUNT=999"`: func(r *domain.RemoteMeeting) bool { return r.Repeat == domain.RepeatOnce },
		`,"recurrence":"FREQ=WEEKLY;INTERVAL=2;COUNT=4","exceptions":["2027-01-29T10:00:00Z","x",3,"2027-01-15T10:00:00Z","2027-01-29T10:00:00Z"]`: func(r *domain.RemoteMeeting) bool {
			return r.Repeat == domain.RepeatBiweekly && r.Count == 4 && len(r.Skipped) == 2 && r.Skipped[0].Day() == 15
		},
		`,"sequence":7`:                                 func(r *domain.RemoteMeeting) bool { return r.Sequence == 7 },
		`,"ical:sequence":5`:                            func(r *domain.RemoteMeeting) bool { return r.Sequence == 5 },
		`,"sequence":-1`:                                func(r *domain.RemoteMeeting) bool { return r.Sequence == 0 },
		`,"sequence":1e99`:                              func(r *domain.RemoteMeeting) bool { return r.Sequence == 0 },
		`,"sequence":"3"`:                               func(r *domain.RemoteMeeting) bool { return r.Sequence == 0 },
		`,"status":"cancelled"`:                         func(r *domain.RemoteMeeting) bool { return r.Cancelled },
		`,"ical:status":"TENTATIVE"`:                    func(r *domain.RemoteMeeting) bool { return !r.Cancelled },
		`,"location":[{"name":"Hall\nB"},{"name":"C"}]`: func(r *domain.RemoteMeeting) bool { return r.Place == "Hall B" },
		`,"location":{"address":"<b>1 Main St</b>"}`:    func(r *domain.RemoteMeeting) bool { return r.Place == "1 Main St" },
		`,"location":{"name":"` + strings.Repeat("é", 300) + `"}`: func(r *domain.RemoteMeeting) bool {
			return len([]rune(r.Place)) == domain.MaxMeetingPlaceLen
		},
		`,"attachment":{"type":"Link","href":"https://x.test/` + strings.Repeat("a", 300) + `"}`: func(r *domain.RemoteMeeting) bool { return r.Place == "" },
		`,"url":"https://x.test/events/1"`: func(r *domain.RemoteMeeting) bool { return r.URL == "https://x.test/events/1" },
	} {
		rm, err := decode(extra)
		if err != nil || !check(rm) {
			t.Errorf("%s: %+v %v", extra, rm, err)
		}
	}
	for _, bad := range []string{
		`{"type":"Event","id":"https://x.test/e/1","attributedTo":"https://x.test/c","name":"N"}`,
		`{"type":"Event","id":"https://x.test/e/1","attributedTo":"https://x.test/c","name":"N","startTime":"tomorrow"}`,
		`{"type":"Event","id":"https://x.test/e/1","attributedTo":"https://x.test/c","name":"N","startTime":"1999-12-31T10:00:00Z"}`,
		`{"type":"Event","id":"https://x.test/e/1","attributedTo":"https://x.test/c","name":"<b></b>","startTime":"2027-01-01T10:00:00Z"}`,
		`{"type":"Event","id":"https://x.test/e/1","name":"N","startTime":"2027-01-01T10:00:00Z"}`,
		`{"type":"Note","id":"https://x.test/e/1","attributedTo":"https://x.test/c","name":"N","startTime":"2027-01-01T10:00:00Z"}`,
	} {
		o, err := DecodeObject([]byte(bad), decTestNow)
		if err != nil {
			t.Fatalf("%s: %v", bad, err)
		}
		if rm, err := DecodeEvent(o, NewSanitizer()); err == nil {
			t.Errorf("%s decoded as %+v", bad, rm)
		}
	}
	if _, err := DecodeEvent(&Object{IsLink: true, ID: "https://x.test/e/1"}, NewSanitizer()); err == nil {
		t.Error("a bare IRI decoded as an Event")
	}
	// A duplicate key is refused, as everywhere (O16).
	o, _ := DecodeObject([]byte(strings.Replace(base, "%s", "", 1)), decTestNow)
	o.Raw = []byte(strings.Replace(base, "%s", `,"startTime":"2027-02-01T10:00:00Z"`, 1))
	if _, err := DecodeEvent(o, NewSanitizer()); err == nil {
		t.Error("two startTimes decoded")
	}
}

func decEventEqual(a, b *domain.RemoteMeeting) bool { return reflect.DeepEqual(a, b) }
