package inbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// joinAnswers are the Accepts and Rejects of a Join queued so far, each as
// the inbox it goes to and the activity.
func (r *meetingRig) joinAnswers() []queuedAnswer {
	r.t.Helper()
	var out []queuedAnswer
	for _, d := range r.deliveries() {
		inbox, doc, _ := strings.Cut(d, " ")
		var a queuedAnswer
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			r.t.Fatal(err)
		}
		if a.Object.Type == "Join" {
			a.Inbox = inbox
			out = append(out, a)
		}
	}
	return out
}

type queuedAnswer struct {
	Inbox  string
	Type   string   `json:"type"`
	Actor  string   `json:"actor"`
	To     []string `json:"to"`
	Object struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Actor  string `json:"actor"`
		Object string `json:"object"`
	} `json:"object"`
}

// TestMeetingJoinIsAnswered: a participant's Join of a meeting (the Event
// embedded, as Mobilizon sends it) is kept as going and answered, as a
// Mobilizon organiser's server answers it, with Accept{Join} from the
// course to the joiner's inbox, the Join embedded as it came (its id,
// actor and the Event's id). A Join from someone who takes no part in the
// course, or of a meeting called off, is answered Reject{Join} and keeps
// nothing; a Join of no meeting here gets no answer.
func TestMeetingJoinIsAnswered(t *testing.T) {
	r := newMeetingRig(t)
	course := "https://node.test/courses/course"
	joinID := r.rae.id + "/join/1"
	if err := r.send(r.rae, map[string]any{"type": "Join", "id": joinID, "object": map[string]any{"type": "Event", "id": r.event}}); err != nil {
		t.Fatal(err)
	}
	if got := r.answer(r.rae.id); got != domain.RSVPGoing {
		t.Fatalf("answer %q", got)
	}
	as := r.joinAnswers()
	if len(as) != 1 {
		t.Fatalf("answers queued: %+v", as)
	}
	a := as[0]
	if a.Type != "Accept" || a.Actor != course || a.Inbox != r.rae.id+"/inbox" || len(a.To) != 1 || a.To[0] != r.rae.id ||
		a.Object.ID != joinID || a.Object.Actor != r.rae.id || a.Object.Object != r.event {
		t.Fatalf("the answer to the Join: %+v", a)
	}

	// Not a participant: Reject{Join}, nothing kept.
	if err := r.send(r.mallory, map[string]any{"type": "Join", "id": r.mallory.id + "/join/1", "object": r.event}); err != nil {
		t.Fatal(err)
	}
	if got := r.answer(r.mallory.id); got != "" {
		t.Fatalf("mallory's answer %q", got)
	}
	as = r.joinAnswers()
	if len(as) != 2 || as[1].Type != "Reject" || as[1].Actor != course || as[1].Inbox != r.mallory.id+"/inbox" ||
		as[1].Object.ID != r.mallory.id+"/join/1" || as[1].Object.Object != r.event {
		t.Fatalf("the answer to mallory's Join: %+v", as)
	}

	// No such meeting: no answer.
	if err := r.send(r.rae, map[string]any{"type": "Join", "object": course + "/meetings/NOPE"}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.joinAnswers()); n != 2 {
		t.Fatalf("a Join of no meeting was answered: %d answers", n)
	}

	// Called off: Reject{Join}, rae's answer stays.
	if err := r.send(r.rae, map[string]any{"type": "Leave", "object": r.event}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Meetings.Cancel(context.Background(), "ada", "course", r.meeting.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := r.send(r.rae, map[string]any{"type": "Join", "id": r.rae.id + "/join/2", "object": r.event}); err != nil {
		t.Fatal(err)
	}
	as = r.joinAnswers()
	if got := r.answer(r.rae.id); got != domain.RSVPNo || len(as) != 3 || as[2].Type != "Reject" || as[2].Object.ID != r.rae.id+"/join/2" {
		t.Fatalf("a Join of a meeting called off: answer %q, answers %+v", got, as)
	}
	if r.journalLen() != 0 {
		t.Fatal("journal not emptied")
	}
}
