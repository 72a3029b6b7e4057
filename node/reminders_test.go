package node

import (
	"context"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
)

// reminderTitle names the meeting of TestReminderSurvivesSIGKILL, so that
// its reminder note is told apart from the peer's other Creates.
const reminderTitle = "Kill-proof reading group"

// reminderNotes counts the Creates of the reminder note the peer received,
// by the note's id.
func (p *fakePeer) reminderNotes() map[string]int {
	out := map[string]int{}
	for _, a := range p.activities("Create") {
		obj, _ := a["object"].(map[string]any)
		if content, _ := obj["content"].(string); strings.Contains(content, reminderTitle) {
			id, _ := obj["id"].(string)
			out[id]++
		}
	}
	return out
}

// TestReminderSurvivesSIGKILL (HOSTILE D1): a node with a meeting whose
// reminder is due, and a participant on another server who said she
// comes, is killed with SIGKILL again and again around the moment the
// reminder is marked sent: right after the peer sees it, and at random
// moments just after start (when the first round runs). Restarted on the
// same data each time, it never sends a second reminder note, and the one
// it queued is delivered once the peer answers; the local organiser who
// said she comes is notified once.
func TestReminderSurvivesSIGKILL(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 1))
	dir := t.TempDir()
	peer := newFakePeer(t)
	peer.status.Store(202)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := "LERNEJO_CHILD_LISTEN=" + ln.Addr().String()
	ln.Close()
	data := "LERNEJO_CHILD_DATA=" + dir

	// First life: zoe joins the demo course.
	first, base := startChild(t, listen, data)
	course := base + "/courses/" + DemoCourse
	if status := peer.follow(course, base+"/inbox", "1"); status != 202 {
		t.Fatalf("zoe's Follow: %d", status)
	}
	eventually(t, "zoe's Follow is accepted", func() bool { return peer.received("Accept") >= 1 })
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()

	// A meeting in two hours, reminded three hours ahead: due at once. zoe
	// and ada said they come.
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	m := &domain.Meeting{ID: ulid.Make().String(), Course: DemoCourse, Title: reminderTitle, Start: now.Add(2 * time.Hour),
		Timezone: "UTC", Minutes: 60, Count: 1, ReminderLead: 3 * time.Hour, Created: now, Updated: now}
	m.Normalise()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	urls, _ := federation.NewURLs(base)
	if err := st.Update(context.Background(), func(tx domain.Tx) error {
		if err := tx.PutMeeting(m); err != nil {
			return err
		}
		for _, who := range []string{peer.zoe(), urls.Actor(domain.ActorPerson, DemoOrganiser)} {
			if err := tx.PutRSVP(&domain.RSVP{Meeting: m.ID, Course: DemoCourse, Actor: who, Answer: domain.RSVPGoing, At: now}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// The peer is down (503): the note, once queued, stays queued. Lives
	// killed at random moments just after start, one killed as soon as the
	// peer sees the note, and more random ones.
	peer.status.Store(503)
	life := func(wait func()) {
		t.Helper()
		c, _ := startChild(t, listen, data)
		wait()
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
	}
	randomly := func() { time.Sleep(time.Duration(rnd.IntN(40)) * time.Millisecond) }
	for range 4 {
		life(randomly)
	}
	life(func() {
		eventually(t, "the reminder note reaches the peer", func() bool { return len(peer.reminderNotes()) > 0 })
	})
	for range 3 {
		life(randomly)
	}
	if notes := peer.reminderNotes(); len(notes) != 1 {
		t.Fatalf("the peer got %d reminder notes while down, want 1: %v", len(notes), notes)
	}
	var queued string
	for id := range peer.reminderNotes() {
		queued = id
	}

	// The peer is back; a last life with the clock past the retries.
	peer.status.Store(202)
	before := peer.reminderNotes()[queued]
	last, _ := startChild(t, listen, data, "LERNEJO_CHILD_CLOCK=1h")
	eventually(t, "the queued reminder is delivered", func() bool { return peer.reminderNotes()[queued] > before })
	time.Sleep(time.Second) // a second round would have sent by now
	notes := peer.reminderNotes()
	if len(notes) != 1 || notes[queued] != before+1 {
		t.Fatalf("reminder notes received: %v (the queued one %d times before the peer was back), want %s once more", notes, before, queued)
	}
	last.Process.Signal(syscall.SIGKILL)
	last.Wait()

	st, err = store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	told := 0
	if err := st.View(context.Background(), func(tx domain.Tx) error {
		p, err := tx.NotificationsPage(DemoOrganiser, "", 50)
		for _, n := range p.Items {
			if n.Kind == domain.NotifyReminder && n.Subject == reminderTitle {
				told++
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if told != 1 {
		t.Fatalf("ada was told of the meeting %d times, want once", told)
	}
}
