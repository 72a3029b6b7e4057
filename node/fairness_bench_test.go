package node

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/inbox"
)

// BenchmarkFollowUnderFlood measures how long a Follow from host B takes to
// be applied (from its POST until the course's follower record names it),
// first on a node at rest, then while host A floods the shared inbox, as in
// the issue: A has enrolled many accounts in the demo course (here 200
// followers written to the store, all behind A's shared inbox), and one of
// them posts notes to the course's discussion. Each note is stored and
// announced to the course's followers, which reads all of them: A's
// activities are slow to apply, and its backlog fills. In each iteration A
// sends a full backlog's worth (inbox.DefaultBacklog) from loadConns
// connections at once, and B's Follow goes out when half of them are
// acknowledged. The journal is on disk, synced. Per-host and per-address
// rate limits are lifted, so that A's flood is bounded by its backlog alone.
//
// unloaded-ms and flooded-ms are the mean latencies; flooded-202-ms is the
// part of flooded-ms until B's POST was answered (its signature checked and
// the Follow journalled, while A's requests compete for the same cores).
// ns/op covers an iteration of each and the wait for A's flood to be
// processed.
func BenchmarkFollowUnderFlood(b *testing.B) {
	n := startNode(b, Config{Demo: true, AllowPrivateNetworks: true, DataDir: b.TempDir(),
		InboxPerHost: noLimit, InboxPerIP: noLimit})
	flood, calm := newFakePeer(b), newFakePeer(b)
	flood.status.Store(202)
	calm.status.Store(202)
	addr, base := n.URLs.Host(), n.URLs.Base()
	course := base + "/courses/" + DemoCourse
	if err := n.Store.Update(context.Background(), func(tx domain.Tx) error {
		for i := range 200 {
			actor := fmt.Sprintf("%s/users/u%d", flood.URL, i)
			if err := tx.PutFollower(&domain.Follower{Local: DemoCourse, Actor: actor, ActivityID: actor + "/follow",
				State: domain.FollowAccepted, Inbox: flood.URL + "/inbox", Created: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}

	follows := 0
	// follow sends B's next Follow and waits until it is applied; it
	// returns how long that took, and how long the 202 took.
	follow := func(peer *fakePeer) (applied, answered time.Duration) {
		follows++
		id := fmt.Sprintf("bench-%d", follows)
		start := time.Now()
		if st := peer.follow(course, base+"/inbox", id); st != 202 {
			b.Fatalf("Follow: %d", st)
		}
		answered = time.Since(start)
		want := peer.URL + "/follows/" + id
		for {
			if f := follower(n, DemoCourse, peer.zoe()); f != nil && f.ActivityID == want {
				return time.Since(start), answered
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	follow(flood) // A is enrolled, so its notes join the discussion
	follow(calm)  // B's key is fetched and cached

	burst := inbox.DefaultBacklog
	reqs := signedActivities(b, flood, base, b.N*burst, func(i int) map[string]any {
		id := fmt.Sprintf("%s/notes/%d", flood.URL, i)
		public := []string{"https://www.w3.org/ns/activitystreams#Public"}
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
			"actor": flood.zoe(), "to": public, "cc": []string{course},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": flood.zoe(), "content": fmt.Sprintf("<p>note %d</p>", i),
				"to": public, "cc": []string{course}}}
	})
	var unloaded, flooded, floodedAnswer time.Duration
	b.ResetTimer()
	for i := range b.N {
		quiet, _ := follow(calm)
		unloaded += quiet

		var acked atomic.Int64
		half := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			postEach(b, addr, reqs[i*burst:(i+1)*burst], func(int) {
				if acked.Add(1) == int64(burst/2) {
					close(half)
				}
			})
		}()
		<-half
		applied, answered := follow(calm)
		flooded, floodedAnswer = flooded+applied, floodedAnswer+answered
		<-done
		// Let A's flood be processed before the next iteration.
		for journalLen(b, n) > 0 {
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(unloaded), "unloaded-ms")
	b.ReportMetric(ms(flooded), "flooded-ms")
	b.ReportMetric(ms(floodedAnswer), "flooded-202-ms")
}
