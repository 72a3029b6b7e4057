package outbox

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

func TestStatusOutcomes(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	type want int
	const (
		gone want = iota
		retried
	)
	cases := []struct {
		path    string
		status  int
		headers []string
		want    want
		nextAt  time.Duration // exact delay, when not the first backoff
		posts   int           // POSTs when not 1
	}{
		{path: "/s202", status: http.StatusAccepted, want: gone},
		{path: "/s200", status: http.StatusOK, want: gone},
		{path: "/s404", status: http.StatusNotFound, want: gone},
		{path: "/s410", status: http.StatusGone, want: gone},
		{path: "/s400", status: http.StatusBadRequest, want: gone},
		{path: "/s403", status: http.StatusForbidden, want: gone},
		{path: "/s501", status: http.StatusNotImplemented, want: gone},
		// Never followed (HOSTILE D9): the remote fails the test if the
		// Location is requested.
		{path: "/s301", status: http.StatusMovedPermanently, headers: []string{"Location", "/elsewhere"}, want: gone},
		{path: "/s307", status: http.StatusTemporaryRedirect, headers: []string{"Location", "http://evil.example/inbox"}, want: gone},
		{path: "/s500", status: http.StatusInternalServerError, want: retried},
		{path: "/s502", status: http.StatusBadGateway, want: retried},
		{path: "/s503", status: http.StatusServiceUnavailable, want: retried},
		{path: "/s429", status: http.StatusTooManyRequests, want: retried},
		{path: "/s401", status: http.StatusUnauthorized, want: retried, posts: 2}, // RFC 9421, then draft-cavage
		{path: "/s408", status: http.StatusRequestTimeout, want: retried},
		{path: "/ra120", status: http.StatusTooManyRequests, headers: []string{"Retry-After", "120"}, want: retried, nextAt: 120 * time.Second},
		{path: "/ra5", status: http.StatusTooManyRequests, headers: []string{"Retry-After", "5"}, want: retried}, // earlier than the backoff: backoff wins
		{path: "/raday", status: http.StatusTooManyRequests, headers: []string{"Retry-After", "86400"}, want: retried, nextAt: MaxRetryAfter},
		{path: "/radate", status: http.StatusServiceUnavailable, headers: []string{"Retry-After", now.Add(24 * time.Hour).Format(http.TimeFormat)}, want: retried, nextAt: MaxRetryAfter},
		{path: "/radate10m", status: http.StatusServiceUnavailable, headers: []string{"Retry-After", now.Add(10 * time.Minute).Format(http.TimeFormat)}, want: retried, nextAt: 10 * time.Minute},
	}
	var inboxes []string
	for _, tc := range cases {
		inboxes = append(inboxes, e.remote.status(tc.path, tc.status, tc.headers...))
	}
	// Every path is on one host. A first delivery makes it known to accept
	// RFC 9421, so that the POSTs below do not depend on which answer comes
	// first (the double knock of an unknown host is in knock_test.go): a
	// 400 or 403 is then a refusal, a 401 gets the draft-cavage knock.
	warm := e.remote.status("/warm", http.StatusAccepted)
	ob := e.outbox()
	e.run(ob)
	e.queue(ob, "ada", warm)
	waitFor(t, "the host known as RFC 9421", func() bool { return e.health(e.host()).Signature == domain.SignatureRFC9421 })
	e.queue(ob, "ada", inboxes...)
	posts := 1
	for _, tc := range cases {
		posts += max(1, tc.posts)
	}
	waitFor(t, "every outcome", func() bool { return e.remote.total() == posts && e.settled() })

	for i, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			if n := e.remote.count(tc.path); n != max(1, tc.posts) {
				t.Errorf("%d POSTs, want %d", n, max(1, tc.posts))
			}
			d := e.delivery(inboxes[i])
			switch tc.want {
			case gone:
				if d != nil {
					t.Errorf("status %d: delivery still queued: %+v", tc.status, d)
				}
			case retried:
				if d == nil {
					t.Fatalf("status %d: delivery dropped, want it rescheduled", tc.status)
				}
				if d.Attempts != 1 || d.LastError == "" {
					t.Errorf("Attempts %d, LastError %q", d.Attempts, d.LastError)
				}
				delay := d.NextAt.Sub(now)
				if tc.nextAt != 0 {
					if delay != tc.nextAt {
						t.Errorf("NextAt = now+%v, want now+%v", delay, tc.nextAt)
					}
				} else if delay < 16*time.Second || delay > 16500*time.Millisecond {
					t.Errorf("NextAt = now+%v, want within [16s, 16.5s] (1⁴+15 s plus up to 0.5 s jitter)", delay)
				}
			}
		})
	}
}

func TestBackoffSchedule(t *testing.T) {
	e := newEnv(t)
	fail := e.remote.status("/fail/inbox", http.StatusInternalServerError)
	ob := e.outbox()
	e.run(ob)
	start := e.clock.Now()
	e.queue(ob, "ada", fail)
	for n := 1; n < MaxAttempts; n++ {
		var d *domain.Delivery
		waitFor(t, "a retry", func() bool {
			d = e.delivery(fail)
			return d != nil && d.Attempts == n
		})
		delay := d.NextAt.Sub(e.clock.Now())
		if delay < Backoff(n, 0) || delay > Backoff(n, 1) {
			t.Errorf("attempt %d: delay %v outside [%v, %v]", n, delay, Backoff(n, 0), Backoff(n, 1))
		}
		if e.remote.count("/fail/inbox") != n {
			t.Fatalf("attempt %d: %d POSTs", n, e.remote.count("/fail/inbox"))
		}
		// Past NextAt, the delivery is retried.
		e.clock.Set(d.NextAt.Add(time.Second))
		ob.Wake()
	}
	waitFor(t, "the delivery to be given up", func() bool { return e.delivery(fail) == nil })
	if n := e.remote.count("/fail/inbox"); n != MaxAttempts {
		t.Errorf("%d POSTs, want %d", n, MaxAttempts)
	}
	const day = 24 * time.Hour
	total := e.clock.Now().Sub(start)
	if total < 3*day/2 || total > 4*day {
		t.Errorf("the schedule spans %v, want between 1.5 and 4 days", total)
	}
	if h := e.health(e.host()); h.Unavailable {
		t.Errorf("host unavailable after failures on %d days", len(h.FailureDays))
	}
	t.Logf("16 attempts over %v", total)
}

func TestPerHostCap(t *testing.T) {
	e := newEnv(t)
	tokens := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	inbox := e.remote.route("/busy/inbox", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-tokens:
		case <-done:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusAccepted)
	})
	ob := e.outbox(func(c *Config) { c.PerHost = 2; c.Workers = 50 })
	e.run(ob)
	for range 10 {
		e.queue(ob, "ada", inbox)
	}
	for released := 0; released < 10; released++ {
		waitFor(t, "requests in flight", func() bool {
			n := e.remote.inFlight.Load()
			return n == 2 || n == int64(10-released) && n < 2
		})
		tokens <- struct{}{}
	}
	waitFor(t, "all delivered", func() bool { return len(e.deliveries()) == 0 })
	if got := e.remote.maxInFlight.Load(); got != 2 {
		t.Errorf("at most %d concurrent requests, want 2", got)
	}
	if got := e.remote.total(); got != 10 {
		t.Errorf("%d POSTs, want 10", got)
	}
}

func TestInstanceActorSigns(t *testing.T) {
	e := newEnv(t)
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.Update(context.Background(), func(tx domain.Tx) error {
		return tx.CreateInstanceActor(&domain.InstanceActor{Created: e.clock.Now()}, kp)
	}); err != nil {
		t.Fatal(err)
	}
	e.trust("http://node.test/actor#main-key", kp)
	inbox := e.remote.status("/inbox", http.StatusAccepted)
	ob := e.outbox()
	e.run(ob)
	e.queue(ob, domain.InstanceActorName, inbox)
	waitFor(t, "delivery", func() bool { return e.remote.total() == 1 && len(e.deliveries()) == 0 })
}

func TestMissingActivityOrKeyDropped(t *testing.T) {
	e := newEnv(t)
	inbox := e.remote.status("/inbox", http.StatusAccepted)
	ob := e.outbox()
	// A delivery whose signer has no key, and one whose activity is gone.
	if err := e.st.Update(context.Background(), func(tx domain.Tx) error {
		if err := ob.Queue(tx, "nobody", "http://node.test/a/1", []byte(`{}`), []string{inbox}); err != nil {
			return err
		}
		return tx.PutDelivery(&domain.Delivery{ID: "orphan", ActivityID: "http://node.test/a/missing", Actor: "ada", Inbox: inbox, NextAt: e.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	e.run(ob)
	waitFor(t, "both dropped", func() bool { return len(e.deliveries()) == 0 })
	if n := e.remote.total(); n != 0 {
		t.Errorf("%d POSTs, want none", n)
	}
}

// TestD6CircuitBreakerKeepsJobsQueued: after a burst of failures to one
// inbox, its remaining deliveries are not tried for a minute, and not
// dropped either: they wait, with no attempt counted, and go out after.
func TestD6CircuitBreakerKeepsJobsQueued(t *testing.T) {
	e := newEnv(t)
	inbox := e.remote.status("/burst", http.StatusInternalServerError)
	ob := e.outbox(func(c *Config) { c.PerHost = 1; c.Workers = 1 })
	e.run(ob)
	const jobs = BreakerFailures + 5
	for i := 0; i < jobs; i++ {
		e.queue(ob, "ada", inbox)
	}
	waitFor(t, "the breaker to open", func() bool { return e.remote.count("/burst") == BreakerFailures && e.settled() })
	var waiting, untried int
	e.st.View(context.Background(), func(tx domain.Tx) error {
		ds, _ := tx.Deliveries()
		waiting = len(ds)
		for _, d := range ds {
			if d.Attempts == 0 {
				untried++
			}
		}
		return nil
	})
	if waiting != jobs || untried != jobs-BreakerFailures {
		t.Fatalf("%d deliveries queued (%d untried), want all %d kept and %d untried", waiting, untried, jobs, jobs-BreakerFailures)
	}
	if n := e.remote.count("/burst"); n != BreakerFailures {
		t.Fatalf("%d POSTs while the breaker is open", n)
	}
	// A minute later the breaker closes and the waiting ones are tried.
	e.clock.Advance(BreakerCoolOff + time.Second)
	ob.Wake()
	waitFor(t, "the waiting deliveries to be tried", func() bool { return e.remote.count("/burst") >= BreakerFailures+1 })
}
