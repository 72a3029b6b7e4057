package node

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
)

func remoteMeeting(n *Node, id string) *domain.RemoteMeeting {
	var rm *domain.RemoteMeeting
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		rm, _ = tx.RemoteMeeting(id)
		return nil
	})
	return rm
}

func rsvp(n *Node, meeting, actor string) *domain.RSVP {
	var r *domain.RSVP
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		r, _ = tx.RSVP(meeting, actor)
		return nil
	})
	return r
}

// TestMeetingsAcrossNodes: bea on A takes part in gentle-python on B. B's
// organiser plans a weekly meeting: A keeps it as a remote meeting (the
// course's Create{Event}). Bea answers "maybe" on A: B records her answer
// (a TentativeAccept of the Event). B's organiser calls a session off: A's
// copy has it skipped, with a higher sequence (an Update{Event}).
func TestMeetingsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	bea := a.URLs.Actor(domain.ActorPerson, "bea")
	if _, err := a.Services.Enrolment.Enrol(ctx, "bea", course, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea takes part in the course", func() bool {
		f, fl := following(a, "bea", course), follower(b, DemoCourse, bea)
		return f != nil && f.State == domain.FollowAccepted && fl != nil && fl.State == domain.FollowAccepted
	})

	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	m, err := b.Services.Meetings.Create(ctx, DemoOrganiser, DemoCourse, service.MeetingInput{Title: "Weekly study session",
		Agenda: "Chapter *one*", Place: "https://meet.example/python", Timezone: "UTC", Start: start.Format("2006-01-02T15:04"),
		Minutes: 90, Repeat: domain.RepeatWeekly, Count: 6})
	if err != nil {
		t.Fatal(err)
	}
	event := federation.MeetingURL(b.URLs, DemoCourse, m.ID)
	eventually(t, "A keeps the meeting", func() bool { return remoteMeeting(a, event) != nil })
	rm := remoteMeeting(a, event)
	if rm.Course != course || rm.Title != "Weekly study session" || !rm.Start.Equal(start) || rm.Minutes != 90 ||
		rm.Repeat != domain.RepeatWeekly || rm.Count != 6 || rm.Place != "https://meet.example/python" || rm.Cancelled ||
		len(rm.Skipped) != 0 {
		t.Fatalf("A's copy of the meeting: %+v", rm)
	}

	if err := a.Services.Meetings.Answer(ctx, "bea", event, "maybe"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B records bea's answer", func() bool {
		r := rsvp(b, m.ID, bea)
		return r != nil && r.Answer == domain.RSVPMaybe
	})
	if r := rsvp(a, event, bea); r == nil || r.Answer != domain.RSVPMaybe {
		t.Fatalf("A's record of bea's answer: %+v", r)
	}

	third := m.All()[2].Start
	if _, err := b.Services.Meetings.Skip(ctx, DemoOrganiser, DemoCourse, m.ID, third, true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A's copy has the session skipped", func() bool {
		rm := remoteMeeting(a, event)
		return rm != nil && slices.ContainsFunc(rm.Skipped, third.Equal)
	})
	after := remoteMeeting(a, event)
	if after.Sequence <= rm.Sequence || len(after.Skipped) != 1 || after.Count != 6 {
		t.Fatalf("after the skip: %+v (before: sequence %d)", after, rm.Sequence)
	}
	if o := after.Meeting().All(); len(o) != 6 || !o[2].Skipped || o[1].Skipped {
		t.Fatalf("A's sessions: %+v", o)
	}
}
