package node

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// Sizes of TestKillLoop: bounded, so that it stays quick on two cores.
const (
	killLoopSenders = 8
	killLoopKills   = 10
	killLoopMax     = 5000 // at most this many distinct activities are sent (runs here sent 150 to 1,200)
)

// TestKillLoop (HOSTILE D1, D2, B1): eight senders post signed activities
// to the node's inbox continuously and concurrently while the test kills it
// with SIGKILL at random moments (math/rand seeded; the seed is logged and
// can be set with LERNEJO_KILLLOOP_SEED) and restarts it, ten times. Each
// kill waits until requests are in flight: some are cut off, and their
// senders, like every sender that got no 202, send the same activity again.
// Each activity is a note from an enrolled learner, so each also makes the
// course Announce it. At the end every activity that got 202 is processed
// (one post each) and every Announce arrives at the peer (duplicates
// allowed: the receiver dedupes by id).
func TestKillLoop(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LERNEJO_KILLLOOP_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("LERNEJO_KILLLOOP_SEED: %v", err)
		}
	}
	t.Logf("seed %d (LERNEJO_KILLLOOP_SEED=%d repeats the delays between kills)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

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
	start := func() { child, base = startChild(t, env...) }
	// epoch counts kills; it goes up just before each SIGKILL, so a request
	// written in one epoch that fails in a later one was cut off by a kill.
	var epoch atomic.Int64
	kill := func() {
		epoch.Add(1)
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
	}
	start()
	inbox := base + "/inbox" // the same address across restarts
	course := base + "/courses/" + DemoCourse
	if st := peer.follow(course, inbox, "kl"); st != 202 {
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

	// A fresh connection for every request: a kill then cuts exactly the
	// requests it lands in, never an idle kept-alive connection.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var (
		stop     atomic.Bool                     // no new activities after this
		abort    atomic.Bool                     // the test failed: give up at once
		inFlight atomic.Int64                    // requests written and not yet answered
		cutOff   [killLoopKills + 2]atomic.Int64 // by kill: requests written before it that got no answer
		refused  atomic.Int64                    // requests that could not connect (node down)
		acked    atomic.Int64
		wg       sync.WaitGroup
	)
	for s := range killLoopSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Sender s owns activities s, s+8, s+16 …; it sends one until it
			// gets 202, then the next.
			for i := s; i < killLoopMax && !stop.Load(); i += killLoopSenders {
				for !abort.Load() {
					status, wrote, at := peer.sendTraced(client, inbox, note(i), &epoch, &inFlight)
					if status == 202 {
						acked.Add(1)
						break
					}
					switch {
					case status == 0 && wrote && epoch.Load() > at:
						cutOff[at].Add(1) // by the first kill after it was written
					case status == 0:
						refused.Add(1)
					case status != http.StatusServiceUnavailable && status != http.StatusTooManyRequests:
						t.Errorf("activity %d: %d", i, status)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}

	// On a failure below, the senders stop before the test returns.
	defer func() {
		abort.Store(true)
		wg.Wait()
	}()

	// Kill at random moments of the node's life, each once half the senders
	// have a request in flight.
	for range killLoopKills {
		time.Sleep(time.Duration(30+rng.IntN(250)) * time.Millisecond)
		for deadline := time.Now().Add(10 * time.Second); inFlight.Load() < killLoopSenders/2; time.Sleep(100 * time.Microsecond) {
			if time.Now().After(deadline) {
				t.Fatalf("fewer than %d requests in flight for 10 s", killLoopSenders/2)
			}
		}
		kill()
		start()
	}
	stop.Store(true)
	wg.Wait()
	total := int(acked.Load())
	var cuts []int64
	killsThatCut := 0
	for k := range killLoopKills {
		cuts = append(cuts, cutOff[k].Load())
		if cuts[k] > 0 {
			killsThatCut++
		}
	}
	t.Logf("%d kills, %d activities acknowledged, requests cut off by each kill %v, %d refused while down",
		killLoopKills, total, cuts, refused.Load())
	// Each kill waits for requests in flight, but they may just finish: in
	// 50 runs of ten kills on two cores, at most three kills of one run cut
	// nothing.
	if killsThatCut < killLoopKills/3 {
		t.Fatalf("only %d of %d kills landed while a request was in flight", killsThatCut, killLoopKills)
	}
	if total >= killLoopMax {
		t.Fatalf("the senders ran out of activities (%d) before the kills were done", total)
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
	if n != total+len(demoTasks) {
		t.Fatalf("%d posts kept, want %d and the demo's %d task posts", n, total, len(demoTasks))
	}
	if got := len(peer.announced()); got != total {
		t.Fatalf("Announces of %d distinct notes, want %d", got, total)
	}
}

// sendTraced POSTs an activity from zoe, signed with her key, and returns
// the status (0 when no answer came, -1 when it could not be signed), whether the whole request was written
// to a connection, and the kill epoch when it was.
func (p *fakePeer) sendTraced(client *http.Client, inbox string, activity map[string]any, epoch, inFlight *atomic.Int64) (status int, wrote bool, at int64) {
	body, _ := json.Marshal(activity)
	req, _ := http.NewRequest("POST", inbox, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/activity+json")
	key, _ := domain.ParsePrivateKeyPEM(p.key.PrivatePEM)
	if err := httpsig.Sign(req, body, p.zoe()+"#main-key", key, time.Now()); err != nil {
		p.t.Errorf("sign: %v", err)
		return -1, false, 0
	}
	// WroteRequest runs on the transport's writing goroutine, which may
	// finish after Do has returned: finished keeps that late call out.
	var (
		mu       sync.Mutex
		finished bool
	)
	trace := &httptrace.ClientTrace{WroteRequest: func(w httptrace.WroteRequestInfo) {
		mu.Lock()
		defer mu.Unlock()
		if w.Err == nil && !finished {
			wrote, at = true, epoch.Load()
			inFlight.Add(1)
		}
	}}
	resp, err := client.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	mu.Lock()
	defer mu.Unlock()
	finished = true
	if wrote {
		inFlight.Add(-1)
	}
	if err != nil {
		return 0, wrote, at
	}
	resp.Body.Close()
	return resp.StatusCode, wrote, at
}
