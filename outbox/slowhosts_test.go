package outbox

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestSlowHostsDoNotHoldFastOnes (issue 16): with two workers, three hosts
// that do not answer until released come first in the queue, then a host
// that refuses connections, then a fast host. The fast host's POST must
// arrive while the slow ones are all still held (before, the first two slow
// POSTs held both workers until they answered, and nothing else was sent);
// the refused delivery must be rescheduled with backoff, not dropped; and a
// slow host gets at most two POSTs in flight however many are queued for it.
func TestSlowHostsDoNotHoldFastOnes(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	var arrived [3]atomic.Int64
	var slowInboxes []string
	var slowRemotes []*remote
	for i := range 3 {
		// Each slow host on its own loopback address: a host of its own.
		r := newRemoteAt(t, e.clock, fmt.Sprintf("127.0.0.%d:0", 2+i))
		r.trust(e.urls.Key(e.urls.Actor(domain.ActorPerson, "ada")), mustPub(t, e.keys))
		slowInboxes = append(slowInboxes, r.route("/inbox", func(w http.ResponseWriter, req *http.Request) {
			arrived[i].Add(1)
			select {
			case <-release:
			case <-req.Context().Done():
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		slowRemotes = append(slowRemotes, r)
	}
	released := false
	t.Cleanup(func() {
		if !released {
			close(release) // before the remotes close: they wait for their handlers
		}
	})
	// A closed listener's address: the kernel refuses the connection.
	ln, err := net.Listen("tcp", "127.0.0.5:0")
	if err != nil {
		t.Fatal(err)
	}
	deadInbox := "http://" + ln.Addr().String() + "/inbox"
	ln.Close()
	fastInbox := e.remote.status("/fast", http.StatusAccepted)

	var failedRetrying atomic.Int64
	ob := e.outbox(func(c *Config) {
		c.Workers = 2
		c.SlowAfter = time.Millisecond
		c.Observe = func(outcome string, retrying bool) {
			if outcome == "failed" && retrying {
				failedRetrying.Add(1)
			}
		}
	})
	e.run(ob)
	// One transaction, so the five deliveries are due in this order.
	e.queue(ob, "ada", append(slowInboxes, deadInbox, fastInbox)...)
	// Two more for the first slow host.
	e.queue(ob, "ada", slowInboxes[0])
	e.queue(ob, "ada", slowInboxes[0])

	waitFor(t, "the fast host's POST", func() bool { return e.remote.count("/fast") == 1 })
	waitFor(t, "every slow host's POST", func() bool {
		return arrived[0].Load() >= 1 && arrived[1].Load() >= 1 && arrived[2].Load() >= 1
	})
	// No slow host has answered yet: their handlers wait for release.
	waitFor(t, "the refused delivery's outcome", func() bool { return failedRetrying.Load() == 1 })
	d := e.delivery(deadInbox)
	now := e.clock.Now()
	switch {
	case d == nil:
		t.Fatal("the refused host's delivery was dropped")
	case d.Attempts != 1 || !d.NextAt.After(now) || !strings.Contains(d.LastError, "refused"):
		t.Errorf("refused delivery: attempts %d, next at %v (now %v), last error %q; want one attempt, a later retry, connection refused",
			d.Attempts, d.NextAt, now, d.LastError)
	}
	if h := e.health(strings.TrimPrefix(strings.TrimSuffix(deadInbox, "/inbox"), "http://")); len(h.FailureDays) != 1 || h.Unavailable {
		t.Errorf("refused host's health %+v, want one failure day and still available", h)
	}
	// The first slow host's second POST goes out on a worker freed by the
	// refused and the fast one; its third waits (checked below).
	waitFor(t, "the first slow host's second POST", func() bool { return arrived[0].Load() == slowPerHost })

	released = true
	close(release)
	waitFor(t, "every slow delivery", func() bool {
		return arrived[0].Load() == 3 && len(e.deliveries()) == 1 && e.settled()
	})
	if got := slowRemotes[0].maxInFlight.Load(); got != slowPerHost {
		t.Errorf("the first slow host had %d POSTs in flight at once, want %d", got, slowPerHost)
	}
	for i, r := range slowRemotes {
		want := 1
		if i == 0 {
			want = 3
		}
		if r.count("/inbox") != want {
			t.Errorf("slow host %d got %d POSTs, want %d", i, r.count("/inbox"), want)
		}
	}
}

// TestSlowHostsPendingDoNotStopTheScan: deliveries held for a slow host
// that cannot take them yet must not keep the scheduler from loading the
// fast host's deliveries that its per-host cap left in the store. The poll
// is an hour away, so only a rescan can load them (before, the slow host's
// pending deliveries counted against the rescan threshold and the fast
// host's last ones waited for the poll).
func TestSlowHostsPendingDoNotStopTheScan(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	slow := newRemoteAt(t, e.clock, "127.0.0.2:0")
	slow.trust(e.urls.Key(e.urls.Actor(domain.ActorPerson, "ada")), mustPub(t, e.keys))
	var inboxes []string
	for i := range 6 {
		inboxes = append(inboxes, slow.route(fmt.Sprintf("/s%d", i), func(w http.ResponseWriter, req *http.Request) {
			select {
			case <-release:
			case <-req.Context().Done():
			}
			w.WriteHeader(http.StatusAccepted)
		}))
	}
	const fast = 40 // more than the scheduler holds pending for one host
	for i := range fast {
		inboxes = append(inboxes, e.remote.status(fmt.Sprintf("/f%d", i), http.StatusAccepted))
	}
	ob := e.outbox(func(c *Config) {
		c.Workers = 2
		c.SlowAfter = time.Millisecond
		c.PollInterval = time.Hour
	})
	// Queued before Run and without a Wake: Run's first scan is the only
	// one not caused by a completion.
	if err := e.st.Update(t.Context(), func(tx domain.Tx) error {
		return ob.Queue(tx, "ada", "http://node.test/activities/1", []byte(`{"type":"Create"}`), inboxes)
	}); err != nil {
		t.Fatal(err)
	}
	e.run(ob)
	waitFor(t, "every fast POST", func() bool { return e.remote.total() == fast })
}
