package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/service"
)

// meetingRig is the rig with a weekly meeting of "course" (four sessions
// from 1 December 2026, the rig's clock three days before), rae on
// remote.test enrolled in the course and mallory not.
type meetingRig struct {
	*rig
	meeting      *domain.Meeting
	event        string // its Event's id
	rae, mallory *remoteActor
	n            int
}

func newMeetingRig(t *testing.T) *meetingRig {
	t.Helper()
	r := &meetingRig{rig: newRig(t, fetch.Config{})}
	ctx := context.Background()
	m, err := r.svc.Meetings.Create(ctx, "ada", "course", service.MeetingInput{Title: "Reading group", Start: "2026-12-01T18:00",
		Timezone: "Europe/Paris", Minutes: 60, Repeat: domain.RepeatWeekly, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	r.meeting, r.event = m, federation.MeetingURL(r.urls, "course", m.ID)
	r.rae = r.newRemote("https://remote.test/users/rae")
	r.mallory = r.newRemote("https://evil.test/users/mallory")
	if err := r.send(r.rae, map[string]any{"type": "Follow", "object": "https://node.test/courses/course"}); err != nil {
		t.Fatal(err)
	}
	r.view(func(tx domain.Tx) {
		if f, err := tx.Follower("course", r.rae.id); err != nil || f.State != domain.FollowAccepted {
			t.Fatalf("rae is not enrolled: %+v %v", f, err)
		}
	})
	return r
}

// send posts the activity doc (given an id on a's origin and a as its
// actor) signed by a to the inbox, and processes the journal.
func (r *meetingRig) send(a *remoteActor, doc map[string]any) error {
	r.t.Helper()
	r.n++
	if _, ok := doc["id"]; !ok {
		doc["id"] = fmt.Sprintf("%s/activities/%d", a.id, r.n)
	}
	doc["@context"] = "https://www.w3.org/ns/activitystreams"
	if _, ok := doc["actor"]; !ok {
		doc["actor"] = a.id
	}
	b, _ := json.Marshal(doc)
	err := r.inbox.Receive(context.Background(), r.signed(a, b))
	r.inbox.ProcessPending(context.Background())
	return err
}

// answer is actor's answer to the meeting, "" when none is kept.
func (r *meetingRig) answer(actor string) domain.RSVPAnswer {
	r.t.Helper()
	var a domain.RSVPAnswer
	r.view(func(tx domain.Tx) {
		rsvp, found, err := domain.Found(tx.RSVP(r.meeting.ID, actor))
		if err != nil {
			r.t.Fatal(err)
		}
		if found {
			a = rsvp.Answer
		}
	})
	return a
}

// TestMeetingAnswersFromOtherServers: a participant's Accept,
// TentativeAccept, Reject (Lernejo), Join, Leave, Undo{Join} (Mobilizon)
// of the Event each set their answer; the same from someone who takes no
// part in the course, or about a meeting called off, changes nothing and
// leaves the journal (no retries).
func TestMeetingAnswersFromOtherServers(t *testing.T) {
	r := newMeetingRig(t)
	for _, step := range []struct {
		doc  map[string]any
		want domain.RSVPAnswer
	}{
		{map[string]any{"type": "Accept", "object": r.event}, domain.RSVPGoing},
		{map[string]any{"type": "TentativeAccept", "object": r.event}, domain.RSVPMaybe},
		{map[string]any{"type": "Reject", "object": r.event}, domain.RSVPNo},
		{map[string]any{"type": "Join", "object": map[string]any{"type": "Event", "id": r.event}}, domain.RSVPGoing},
		{map[string]any{"type": "Leave", "object": r.event}, domain.RSVPNo},
		{map[string]any{"type": "Join", "object": r.event, "id": r.rae.id + "/joins/1"}, domain.RSVPGoing},
		{map[string]any{"type": "Undo", "object": map[string]any{"type": "Join", "id": r.rae.id + "/joins/1", "actor": r.rae.id, "object": r.event}}, domain.RSVPNo},
	} {
		if err := r.send(r.rae, step.doc); err != nil {
			t.Fatalf("%v: %v", step.doc, err)
		}
		if got := r.answer(r.rae.id); got != step.want {
			t.Fatalf("after %v: answer %q, want %q", step.doc["type"], got, step.want)
		}
		if r.journalLen() != 0 {
			t.Fatal("journal not emptied")
		}
	}
	// The answer keeps the activity that brought it, and enrols nobody:
	// the follow of rae is still the one it was.
	r.view(func(tx domain.Tx) {
		if rsvp, _ := tx.RSVP(r.meeting.ID, r.rae.id); rsvp.Activity == "" || rsvp.Course != "course" {
			t.Fatalf("rsvp %+v", rsvp)
		}
		if n, _ := tx.CountFollowers("course", domain.FollowAccepted); n != 1 {
			t.Fatalf("%d followers", n)
		}
	})

	// Not a participant: acknowledged, dropped, nothing kept.
	for _, typ := range []string{"Accept", "TentativeAccept", "Join"} {
		if err := r.send(r.mallory, map[string]any{"type": typ, "object": r.event}); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := r.answer(r.mallory.id); got != "" || r.journalLen() != 0 {
			t.Fatalf("a non-participant's %s: answer %q, journal %d", typ, got, r.journalLen())
		}
	}
	// Mallory's Undo of rae's Join is refused.
	if err := r.send(r.mallory, map[string]any{"type": "Undo", "object": map[string]any{"type": "Join", "id": r.mallory.id + "/j", "actor": r.rae.id, "object": r.event}}); err != nil {
		t.Fatal(err)
	}
	// A meeting that is not one: a made-up id under the course.
	if err := r.send(r.rae, map[string]any{"type": "Accept", "object": "https://node.test/courses/course/meetings/NOPE"}); err != nil {
		t.Fatal(err)
	}
	r.view(func(tx domain.Tx) {
		if _, err := tx.RSVP("NOPE", r.rae.id); !domain.IsNotFound(err) {
			t.Fatalf("an answer to no meeting: %v", err)
		}
	})

	// Called off: the answer stays what it was.
	if _, err := r.svc.Meetings.Cancel(context.Background(), "ada", "course", r.meeting.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := r.send(r.rae, map[string]any{"type": "Accept", "object": r.event}); err != nil {
		t.Fatal(err)
	}
	if got := r.answer(r.rae.id); got != domain.RSVPNo || r.journalLen() != 0 {
		t.Fatalf("an answer to a cancelled meeting: %q, journal %d", got, r.journalLen())
	}
	if got := r.answer(r.mallory.id); got != "" {
		t.Fatalf("mallory's answer %q", got)
	}
}

// TestMeetingAnswerAfterItIsOver: once the last session has ended, an
// answer changes nothing.
func TestMeetingAnswerAfterItIsOver(t *testing.T) {
	r := newMeetingRig(t)
	if err := r.send(r.rae, map[string]any{"type": "TentativeAccept", "object": r.event}); err != nil {
		t.Fatal(err)
	}
	r.now = r.meeting.Last().Add(time.Minute)
	if err := r.send(r.rae, map[string]any{"type": "Accept", "object": r.event}); err != nil {
		t.Fatal(err)
	}
	if got := r.answer(r.rae.id); got != domain.RSVPMaybe || r.journalLen() != 0 {
		t.Fatalf("an answer to a meeting that is over: %q, journal %d", got, r.journalLen())
	}
}

// TestMeetingAnswerDoesNotSettleFollows: an Accept or Reject whose object
// is a Follow still settles it, with meetings about: the dispatch is on
// the object.
func TestMeetingAnswerDoesNotSettleFollows(t *testing.T) {
	r := newMeetingRig(t)
	garden := r.newRemote("https://garden.test/groups/g")
	followID := "https://node.test/activities/follow-g"
	if err := r.store.Update(context.Background(), func(tx domain.Tx) error {
		return tx.PutFollowing(&domain.Following{Local: "ada", Target: garden.id, ActivityID: followID, State: domain.FollowPending})
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.send(garden, map[string]any{"type": "Accept", "object": map[string]any{"type": "Follow", "id": followID, "actor": "https://node.test/users/ada", "object": garden.id}}); err != nil {
		t.Fatal(err)
	}
	r.view(func(tx domain.Tx) {
		if f, err := tx.Following("ada", garden.id); err != nil || f.State != domain.FollowAccepted {
			t.Fatalf("following %+v %v", f, err)
		}
	})
	if got := r.answer(garden.id); got != "" {
		t.Fatalf("an Accept{Follow} answered the meeting: %q", got)
	}
}

// TestMastodonReplyToMeeting: a reply to the Event that says only "yes",
// "Maybe!" or "no" (after its mention of the course) is its author's
// answer and no post; "yes please see you" is a post of the discussion.
func TestMastodonReplyToMeeting(t *testing.T) {
	r := newMeetingRig(t)
	reply := func(id, text string) map[string]any {
		return map[string]any{"type": "Create", "object": map[string]any{"type": "Note", "id": r.rae.id + "/statuses/" + id,
			"attributedTo": r.rae.id, "inReplyTo": r.event, "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
			"cc":      []string{"https://node.test/courses/course"},
			"content": `<p><span class="h-card"><a href="https://node.test/courses/course" class="u-url mention">@<span>course</span></a></span> ` + text + `</p>`,
			"tag":     []map[string]string{{"type": "Mention", "href": "https://node.test/courses/course", "name": "@course@node.test"}}}}
	}
	for i, step := range []struct {
		text string
		want domain.RSVPAnswer
	}{{"yes", domain.RSVPGoing}, {"Maybe!", domain.RSVPMaybe}, {"no", domain.RSVPNo}} {
		id := string(rune('1' + i))
		if err := r.send(r.rae, reply(id, step.text)); err != nil {
			t.Fatal(err)
		}
		if got := r.answer(r.rae.id); got != step.want {
			t.Fatalf("reply %q: answer %q, want %q", step.text, got, step.want)
		}
		r.view(func(tx domain.Tx) {
			if rsvp, _ := tx.RSVP(r.meeting.ID, r.rae.id); rsvp.Activity != r.rae.id+"/statuses/"+id {
				t.Fatalf("rsvp activity %q", rsvp.Activity)
			}
			if _, err := tx.Post(r.rae.id + "/statuses/" + id); !domain.IsNotFound(err) {
				t.Fatalf("an answer was kept as a post: %v", err)
			}
		})
	}
	if err := r.send(r.rae, reply("9", "yes please see you")); err != nil {
		t.Fatal(err)
	}
	if got := r.answer(r.rae.id); got != domain.RSVPNo {
		t.Fatalf("a sentence changed the answer to %q", got)
	}
	r.view(func(tx domain.Tx) {
		if _, err := tx.Post(r.rae.id + "/statuses/9"); err != nil {
			t.Fatalf("the reply is not in the discussion: %v", err)
		}
	})
	// Mallory's "yes" is no answer.
	m := reply("m", "yes")
	m["object"].(map[string]any)["id"] = r.mallory.id + "/statuses/1"
	m["object"].(map[string]any)["attributedTo"] = r.mallory.id
	if err := r.send(r.mallory, m); err != nil {
		t.Fatal(err)
	}
	if got := r.answer(r.mallory.id); got != "" || r.journalLen() != 0 {
		t.Fatalf("a non-participant's reply: %q, journal %d", got, r.journalLen())
	}
}

// TestEventOfCourseElsewhere: a followed course's Create{Event} is kept as
// a remote meeting and its Update with a higher sequence changes it; an
// Event on another origin than the course that sends it, attributed to
// someone else, or from a course nobody here follows is not kept.
func TestEventOfCourseElsewhere(t *testing.T) {
	r := newMeetingRig(t)
	course := r.newRemote("https://far.test/courses/c")
	if err := r.store.Update(context.Background(), func(tx domain.Tx) error {
		return tx.PutFollowing(&domain.Following{Local: "ada", Target: course.id, ActivityID: "https://node.test/activities/f-c", State: domain.FollowAccepted})
	}); err != nil {
		t.Fatal(err)
	}
	event := func(id string, seq int, status string) map[string]any {
		return map[string]any{"type": "Event", "id": id, "attributedTo": course.id, "name": "Study session",
			"content": "<p>Bring <em>questions</em></p><img src=x onerror=alert(1)>", "startTime": "2026-12-02T17:00:00Z",
			"endTime": "2026-12-02T18:30:00Z", "timezone": "Europe/Berlin", "ical:status": status,
			"recurrence": "FREQ=WEEKLY;COUNT=3", "exceptions": []string{"2026-12-09T17:00:00Z"}, "sequence": seq,
			"location": map[string]string{"type": "Place", "name": "Room 1"}}
	}
	id := course.id + "/meetings/1"
	if err := r.send(course, map[string]any{"type": "Create", "object": event(id, 1, "CONFIRMED")}); err != nil {
		t.Fatal(err)
	}
	stored := func() *domain.RemoteMeeting {
		var rm *domain.RemoteMeeting
		r.view(func(tx domain.Tx) {
			var err error
			if rm, _, err = domain.Found(tx.RemoteMeeting(id)); err != nil {
				t.Fatal(err)
			}
		})
		return rm
	}
	rm := stored()
	if rm == nil || rm.Course != course.id || rm.Title != "Study session" || rm.Content != "<p>Bring <em>questions</em></p>" ||
		rm.Minutes != 90 || rm.Repeat != domain.RepeatWeekly || rm.Count != 3 || len(rm.Skipped) != 1 || rm.Place != "Room 1" ||
		rm.Timezone != "Europe/Berlin" || rm.Sequence != 1 || rm.Cancelled {
		t.Fatalf("remote meeting %+v", rm)
	}
	if err := r.send(course, map[string]any{"type": "Update", "object": event(id, 2, "CANCELLED")}); err != nil {
		t.Fatal(err)
	}
	if rm = stored(); !rm.Cancelled || rm.Sequence != 2 {
		t.Fatalf("after the Update: %+v", rm)
	}
	// An older sequence changes nothing.
	if err := r.send(course, map[string]any{"type": "Update", "object": event(id, 1, "CONFIRMED")}); err != nil {
		t.Fatal(err)
	}
	if rm = stored(); !rm.Cancelled || rm.Sequence != 2 {
		t.Fatalf("after an older Update: %+v", rm)
	}

	// An Event on another origin than its actor: refused at the door (O1).
	other := "https://elsewhere.test/meetings/2"
	e := event(other, 1, "CONFIRMED")
	b, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": course.id + "/activities/x",
		"type": "Create", "actor": course.id, "object": e})
	if err := r.inbox.Receive(context.Background(), r.signed(course, b)); statusOf(err) != 400 {
		t.Fatalf("an Event on another origin: %v", err)
	}
	r.inbox.ProcessPending(context.Background())
	// On the origin but attributed to no one, or to another actor there.
	for _, attributed := range []any{nil, "https://far.test/users/eve"} {
		e := event(course.id+"/meetings/3", 1, "CONFIRMED")
		delete(e, "attributedTo")
		if attributed != nil {
			e["attributedTo"] = attributed
		}
		if err := r.send(course, map[string]any{"type": "Create", "object": e}); err != nil && statusOf(err) != 400 {
			t.Fatal(err)
		}
	}
	// From a course nobody here follows.
	stranger := r.newRemote("https://far.test/courses/s")
	e = event(stranger.id+"/meetings/4", 1, "CONFIRMED")
	e["attributedTo"] = stranger.id
	if err := r.send(stranger, map[string]any{"type": "Create", "object": e}); err != nil {
		t.Fatal(err)
	}
	// Mallory's forged Event in the course's name.
	e = event("https://evil.test/meetings/5", 1, "CONFIRMED")
	if err := r.send(r.mallory, map[string]any{"type": "Create", "object": e}); statusOf(err) != 400 {
		t.Fatalf("a forged Event: %v", err)
	}
	r.view(func(tx domain.Tx) {
		for _, id := range []string{other, course.id + "/meetings/3", stranger.id + "/meetings/4", "https://evil.test/meetings/5"} {
			if _, err := tx.RemoteMeeting(id); !domain.IsNotFound(err) {
				t.Errorf("%s kept: %v", id, err)
			}
		}
	})
	if r.journalLen() != 0 {
		t.Fatalf("journal holds %d items", r.journalLen())
	}
}
