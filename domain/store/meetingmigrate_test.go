package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
)

// TestMigrateTurnsWeeklyMeetingsIntoMeetingsOfSchema5: a store of schema 5
// has courses with the weekly meeting in their own record (day, time,
// zone, place); Open makes each a weekly Meeting of 52 sessions, the first
// on that day and time at or after the course's creation in its zone, the
// place kept, and writes the course again without those fields. A course
// with none, or with one that makes no meeting, gets no meeting; a second
// run writes the same meeting again, not another.
func TestMigrateTurnsWeeklyMeetingsIntoMeetingsOfSchema5(t *testing.T) {
	m := openMem(t)
	ctx := context.Background()
	// Thursday 26 March 2026, 20:00 in Berlin: that Thursday's 18:30 is
	// past, so the first session is on 2 April, after the change to
	// summer time.
	created := time.Date(2026, 3, 26, 19, 0, 0, 0, time.UTC)
	old := map[string]map[string]any{
		"python": {"Handle": "python", "Title": "Python", "Status": "open", "Organisers": []string{"ada"}, "Created": created,
			"MeetingDay": "thursday", "MeetingTime": "18:30", "MeetingTimezone": "Europe/Berlin", "MeetingPlace": "Room 4, Library"},
		"go": {"Handle": "go", "Title": "Go", "Status": "open", "Organisers": []string{"ada"}, "Created": created,
			"MeetingDay": "", "MeetingTime": "", "MeetingTimezone": "UTC", "MeetingPlace": ""},
		"broken": {"Handle": "broken", "Title": "Broken", "Status": "open", "Organisers": []string{"ada"}, "Created": created,
			"MeetingDay": "someday", "MeetingTime": "18:30", "MeetingTimezone": "UTC"},
		"plain": {"Handle": "plain", "Title": "Plain", "Status": "open", "Organisers": []string{"ada"}, "Created": created},
	}
	if err := m.db.Update(func(txn *badger.Txn) error {
		for h, c := range old {
			b, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if err := txn.Set(key(pCourse, h), b); err != nil {
				return err
			}
		}
		return txn.Set(key(pSchema), binary.BigEndian.AppendUint32(nil, 5))
	}); err != nil {
		t.Fatal(err)
	}
	migrated := func() []*domain.Meeting {
		t.Helper()
		if err := m.migrate(); err != nil {
			t.Fatal(err)
		}
		var ms []*domain.Meeting
		if err := m.View(ctx, func(tx domain.Tx) (err error) { ms, err = tx.AllMeetings(); return err }); err != nil {
			t.Fatal(err)
		}
		return ms
	}
	ms := migrated()
	if len(ms) != 1 {
		t.Fatalf("%d meetings, want the one of python: %+v", len(ms), ms)
	}
	mt := ms[0]
	berlin, _ := time.LoadLocation("Europe/Berlin")
	first := time.Date(2026, 4, 2, 18, 30, 0, 0, berlin)
	if mt.Course != "python" || mt.Title != "Python" || !mt.Start.Equal(first) || mt.Timezone != "Europe/Berlin" ||
		mt.Place != "Room 4, Library" || mt.Repeat != domain.RepeatWeekly || mt.Count != 52 || mt.Minutes != 60 || mt.Validate() != nil {
		t.Fatalf("meeting %+v (first session %v, want %v)", mt, mt.Start.In(berlin), first)
	}
	id, err := ulid.Parse(mt.ID)
	if err != nil || !ulid.Time(id.Time()).Equal(created) {
		t.Errorf("id %s: %v, time %v", mt.ID, err, ulid.Time(id.Time()))
	}
	if last := mt.All()[51].Start.In(berlin); last.Weekday() != time.Thursday || last.Hour() != 18 || last.Minute() != 30 {
		t.Errorf("last session %v", last)
	}
	// The courses' records no longer hold the weekly meeting, and keep the rest.
	if err := m.db.View(func(txn *badger.Txn) error {
		for h := range old {
			item, err := txn.Get(key(pCourse, h))
			if err != nil {
				return err
			}
			if err := item.Value(func(v []byte) error {
				var rec map[string]any
				if err := json.Unmarshal(v, &rec); err != nil {
					return err
				}
				for _, f := range []string{"MeetingDay", "MeetingTime", "MeetingTimezone", "MeetingPlace"} {
					if _, ok := rec[f]; ok {
						t.Errorf("course %s still has %s", h, f)
					}
				}
				if rec["Handle"] != h || rec["Title"] != old[h]["Title"] {
					t.Errorf("course %s after the migration: %v", h, rec)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Run again from schema 5 (a crash before the version was written):
	// the same meeting, not a second one.
	if err := m.db.Update(func(txn *badger.Txn) error {
		for h, c := range old {
			b, _ := json.Marshal(c)
			if err := txn.Set(key(pCourse, h), b); err != nil {
				return err
			}
		}
		return txn.Set(key(pSchema), binary.BigEndian.AppendUint32(nil, 5))
	}); err != nil {
		t.Fatal(err)
	}
	if again := migrated(); len(again) != 1 || again[0].ID != mt.ID {
		t.Fatalf("second run: %+v", again)
	}
}
