package store

import (
	"bytes"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// sessionKey is a session's start as a key part: UTC in iCalendar's basic
// format, which sorts as the times do and holds no 0x00.
func sessionKey(start time.Time) string { return start.UTC().Format("20060102T150405Z") }

func (t *tx) Meeting(course, id string) (*domain.Meeting, error) {
	return getAs[domain.Meeting](t, key(pMeeting, course, id), "Meeting")
}

func (t *tx) PutMeeting(m *domain.Meeting) error { return t.put(key(pMeeting, m.Course, m.ID), m) }

func (t *tx) Meetings(course string) ([]*domain.Meeting, error) {
	return list[domain.Meeting](t, prefixOf(pMeeting, course))
}

func (t *tx) AllMeetings() ([]*domain.Meeting, error) {
	return list[domain.Meeting](t, prefixOf(pMeeting))
}

func (t *tx) PutRSVP(r *domain.RSVP) error { return t.put(key(pRSVP, r.Meeting, r.Actor), r) }

func (t *tx) RSVP(meeting, actor string) (*domain.RSVP, error) {
	return getAs[domain.RSVP](t, key(pRSVP, meeting, actor), "Answer")
}

func (t *tx) RSVPs(meeting string) ([]*domain.RSVP, error) {
	return list[domain.RSVP](t, prefixOf(pRSVP, meeting))
}

func (t *tx) SetAttendance(course, meeting string, start time.Time, came []*domain.Attendance) error {
	at := sessionKey(start)
	prefix := prefixOf(pAttendance, meeting, at)
	var gone [][]byte
	err := t.keys(prefix, func(actor []byte) error {
		gone = append(gone, bytes.Clone(actor))
		return nil
	})
	if err != nil {
		return err
	}
	for _, actor := range gone {
		if err := t.txn.Delete(key(pAttendance, meeting, at, string(actor))); err != nil {
			return err
		}
		if err := t.txn.Delete(key(pAttended, course, string(actor), meeting, at)); err != nil {
			return err
		}
	}
	for _, a := range came {
		if err := t.put(key(pAttendance, meeting, at, a.Actor), a); err != nil {
			return err
		}
		if err := t.txn.Set(key(pAttended, course, a.Actor, meeting, at), nil); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Attendance(meeting string, start time.Time) ([]*domain.Attendance, error) {
	return list[domain.Attendance](t, prefixOf(pAttendance, meeting, sessionKey(start)))
}

func (t *tx) CountAttended(course, actor string) (int, error) {
	return t.count(prefixOf(pAttended, course, actor))
}

func (t *tx) MarkReminded(meeting string, start time.Time) (bool, error) {
	k := key(pReminded, meeting, sessionKey(start))
	done, err := t.exists(k)
	if err != nil || done {
		return false, err
	}
	return true, t.txn.Set(k, nil)
}

func (t *tx) PutRemoteMeeting(m *domain.RemoteMeeting) error {
	if err := t.put(key(pRemoteMeeting, m.ID), m); err != nil {
		return err
	}
	return t.txn.Set(key(pRemoteMeetOf, m.Course, m.ID), nil)
}

func (t *tx) RemoteMeeting(id string) (*domain.RemoteMeeting, error) {
	return getAs[domain.RemoteMeeting](t, key(pRemoteMeeting, id), "Meeting")
}

func (t *tx) RemoteMeetings(course string) ([]*domain.RemoteMeeting, error) {
	var out []*domain.RemoteMeeting
	err := t.keys(prefixOf(pRemoteMeetOf, course), func(id []byte) error {
		m, err := t.RemoteMeeting(string(id))
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}
