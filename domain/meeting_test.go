package domain

import (
	"strings"
	"testing"
	"time"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// weekly is a weekly meeting at 18:30 Berlin time, from Tuesday 17 March
// 2026 (winter time, UTC+1) over the change to summer time on 29 March.
func weekly(t *testing.T) *Meeting {
	m := &Meeting{ID: "01M", Course: "py", Title: "Reading group", Timezone: "Europe/Berlin", Minutes: 90,
		Start: time.Date(2026, 3, 17, 18, 30, 0, 0, berlin(t)), Repeat: RepeatWeekly, Count: 4}
	m.Normalise()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOccurrencesKeepTheWallClockAcrossDST(t *testing.T) {
	m := weekly(t)
	got := m.All()
	want := []string{"2026-03-17T17:30:00Z", "2026-03-24T17:30:00Z", "2026-03-31T16:30:00Z", "2026-04-07T16:30:00Z"}
	if len(got) != len(want) {
		t.Fatalf("%d sessions, want %d", len(got), len(want))
	}
	for i, o := range got {
		if o.Start.Format(time.RFC3339) != want[i] {
			t.Errorf("session %d starts %s, want %s", i, o.Start.Format(time.RFC3339), want[i])
		}
		if local := o.Start.In(berlin(t)); local.Hour() != 18 || local.Minute() != 30 {
			t.Errorf("session %d at %s local, want 18:30", i, local.Format("15:04"))
		}
		if o.End.Sub(o.Start) != 90*time.Minute {
			t.Errorf("session %d lasts %s", i, o.End.Sub(o.Start))
		}
	}
}

func TestBiweeklyAndOneOff(t *testing.T) {
	m := weekly(t)
	m.Repeat, m.Count = RepeatBiweekly, 3
	got := m.All()
	if len(got) != 3 || got[1].Start.Format(time.RFC3339) != "2026-03-31T16:30:00Z" {
		t.Fatalf("biweekly sessions %v", got)
	}
	one := &Meeting{Title: "Kick-off", Minutes: 60, Start: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), Count: 7}
	one.Normalise()
	if err := one.Validate(); err != nil {
		t.Fatal(err)
	}
	if one.Count != 1 || len(one.All()) != 1 || one.Timezone != "UTC" {
		t.Fatalf("one-off meeting: count %d, %d sessions, zone %q", one.Count, len(one.All()), one.Timezone)
	}
}

func TestSkippedSessionsAndCancellation(t *testing.T) {
	m := weekly(t)
	second := m.All()[1].Start
	m.Skipped = []time.Time{second, second}
	m.Normalise()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(m.Skipped) != 1 || !m.IsSkipped(second) {
		t.Fatalf("skipped %v", m.Skipped)
	}
	if _, ok := m.Session(second); ok {
		t.Error("a skipped session takes place")
	}
	if o, ok := m.Next(m.All()[0].End); !ok || !o.Start.Equal(m.All()[2].Start) {
		t.Errorf("next after the first session is %v, want the third", o.Start)
	}
	if _, ok := m.Next(m.Last()); ok {
		t.Error("a session after the last one")
	}
	m.Skipped = []time.Time{second.Add(time.Hour)}
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "not one of this meeting's sessions") {
		t.Errorf("skipping a time that is no session: %v", err)
	}
	m.Skipped = nil
	m.Cancelled = true
	if len(m.All()) != 0 {
		t.Error("a cancelled meeting has sessions")
	}
	if _, ok := m.Session(second); ok {
		t.Error("a cancelled meeting's session takes place")
	}
}

func TestOccurrencesWindow(t *testing.T) {
	m := weekly(t)
	all := m.All()
	// A window that starts inside the second session includes it.
	got := m.Occurrences(all[1].Start.Add(time.Minute), all[2].Start)
	if len(got) != 1 || !got[0].Start.Equal(all[1].Start) {
		t.Fatalf("window: %v", got)
	}
}

func TestValidateMeeting(t *testing.T) {
	for name, change := range map[string]func(*Meeting){
		"no title":        func(m *Meeting) { m.Title = "" },
		"bad zone":        func(m *Meeting) { m.Timezone = "Mars/Olympus" },
		"local zone":      func(m *Meeting) { m.Timezone = "Local" },
		"no start":        func(m *Meeting) { m.Start = time.Time{} },
		"no minutes":      func(m *Meeting) { m.Minutes = 0 },
		"too long":        func(m *Meeting) { m.Minutes = 13 * 60 },
		"one repeat":      func(m *Meeting) { m.Count = 1 },
		"too many":        func(m *Meeting) { m.Count = MaxMeetingCount + 1 },
		"unknown repeat":  func(m *Meeting) { m.Repeat = "daily" },
		"two-line place":  func(m *Meeting) { m.Place = "Room 1\nRoom 2" },
		"reminder early":  func(m *Meeting) { m.ReminderLead = 8 * 24 * time.Hour },
		"reminder before": func(m *Meeting) { m.ReminderLead = -time.Hour },
	} {
		m := weekly(t)
		change(m)
		if err := m.Validate(); err == nil {
			t.Errorf("%s: valid", name)
		} else if ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v is not EINVALID", name, err)
		}
	}
}

func TestCalendarChange(t *testing.T) {
	m := weekly(t)
	same := *m
	if m.CalendarChange(&same) {
		t.Error("an unchanged meeting changed")
	}
	moved := *m
	moved.Place = "Room 2"
	if !m.CalendarChange(&moved) {
		t.Error("a new place is no change")
	}
	noted := *m
	noted.Notes, noted.NotesHTML = "We read chapter 2.", "<p>We read chapter 2.</p>"
	if m.CalendarChange(&noted) {
		t.Error("notes afterwards count as a calendar change")
	}
}

func TestParseRSVP(t *testing.T) {
	for in, want := range map[string]RSVPAnswer{
		"yes": RSVPGoing, " Yes! ": RSVPGoing, "going": RSVPGoing, "Maybe.": RSVPMaybe,
		"no": RSVPNo, "Can't": RSVPNo, "can’t": RSVPNo,
	} {
		if got, ok := ParseRSVP(in); !ok || got != want {
			t.Errorf("ParseRSVP(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "yes please see you", "nope nope", "y e s"} {
		if got, ok := ParseRSVP(in); ok {
			t.Errorf("ParseRSVP(%q) = %q", in, got)
		}
	}
}
