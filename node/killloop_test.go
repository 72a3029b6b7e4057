package node

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"syscall"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
)

// TestKillLoop (HOSTILE D1, D2, B1): 200 signed activities arrive while the
// node is killed with SIGKILL and restarted several times. Each is a note
// from an enrolled learner, so each also makes the course Announce it: 200
// outbound deliveries. Every activity that got 202 is processed, and every
// delivery arrives (duplicates allowed: the receiver dedupes by id).
func TestKillLoop(t *testing.T) {
	const total = 200
	dir := t.TempDir()
	peer := newFakePeer(t)
	peer.status.Store(202)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := "LERNEJO_CHILD_LISTEN=" + ln.Addr().String()
	ln.Close()
	env := []string{listen, "LERNEJO_CHILD_DATA=" + dir}

	var child *exec.Cmd
	var base string
	start := func() {
		child, base = startChild(t, env...)
	}
	kill := func() {
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
	}
	start()
	course := base + "/courses/" + DemoCourse
	if st := peer.follow(course, base+"/inbox", "kl"); st != 202 {
		t.Fatalf("follow: %d", st)
	}
	eventually(t, "zoe enrolled", func() bool { return peer.received("Accept") >= 1 })

	note := func(i int) map[string]any {
		id := fmt.Sprintf("%s/notes/%d", peer.URL, i)
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
			"actor": peer.zoe(), "to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{course},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": peer.zoe(), "content": fmt.Sprintf("<p>note %d</p>", i),
				"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{course},
				"tag": []any{map[string]string{"type": "Mention", "href": course, "name": "@" + DemoCourse}}}}
	}
	acked := map[int]bool{}
	kills := 0
	for i := 0; len(acked) < total; i = (i + 1) % total {
		if acked[i] {
			continue
		}
		if peer.trySend(base+"/inbox", note(i)) == 202 {
			acked[i] = true
		}
		// Kill the node every 40 acknowledged activities, mid-stream.
		if len(acked) > 0 && len(acked)%40 == 0 && kills < len(acked)/40 {
			kills++
			kill()
			start()
		}
	}
	if kills < 4 {
		t.Fatalf("only %d kills", kills)
	}
	// One last kill while the journal and the queue may still hold work.
	kill()
	start()
	eventually(t, "every acknowledged activity is processed and every Announce arrives", func() bool {
		return len(peer.announced()) >= total
	})
	kill()
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := 0
	st.View(context.Background(), func(tx domain.Tx) error {
		n, _ = tx.CountCoursePosts(DemoCourse)
		return nil
	})
	if n != total {
		t.Fatalf("%d posts kept, want %d", n, total)
	}
}
