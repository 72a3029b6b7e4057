package outbox

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

// The hosts of BenchmarkFanOutSlowHosts: two sets of benchHosts, each host
// its own loopback address (Linux routes all of 127.0.0.0/8 to lo), so the
// outbox's per-host caps and the transport's per-host connection limit apply
// to each as they would to distinct servers. Set 0 is all fast; in set 1,
// one host in ten answers after slowHostDelay and one in twenty refuses
// connections (its address has no listener: the kernel answers the SYN with
// a RST, so the dial fails at once with ECONNREFUSED).
const (
	slowHostSets  = 2
	slowHostDelay = 2 * time.Second
)

type hostKind int

const (
	fastHost hostKind = iota
	slowHost
	deadHost
)

// slowHostKind is what host i (0 ≤ i < benchHosts) of set is.
func slowHostKind(set, i int) hostKind {
	switch {
	case set == 0:
		return fastHost
	case i%10 == 3:
		return slowHost
	case i%20 == 7:
		return deadHost
	}
	return fastHost
}

// slowHostAddr is the loopback address of host j (set j/benchHosts).
func slowHostAddr(j int) string {
	return fmt.Sprintf("127.1.%d.%d", j/250, j%250+1)
}

// slowHostsStats is what the receiver child reports: per host (j =
// set*benchHosts + i) the POSTs it received and the wall-clock time
// (UnixNano) of the last one's arrival.
type slowHostsStats struct {
	Count []int64 `json:"count"`
	Last  []int64 `json:"last"`
}

// runSlowHostsReceiver is the child process of BenchmarkFanOutSlowHosts: one
// listener per live host, a closed one per dead host, and a control listener.
// It prints one JSON line: the control address and every host's address.
func runSlowHostsReceiver() {
	n := slowHostSets * benchHosts
	count := make([]atomic.Int64, n)
	last := make([]atomic.Int64, n)
	addrs := make([]string, n)
	fail := func(err error) {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	for j := range n {
		ln, err := net.Listen("tcp", slowHostAddr(j)+":0")
		if err != nil {
			fail(err)
		}
		addrs[j] = ln.Addr().String()
		kind := slowHostKind(j/benchHosts, j%benchHosts)
		if kind == deadHost {
			ln.Close() // nothing listens there now: connections are refused
			continue
		}
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			last[j].Store(time.Now().UnixNano())
			count[j].Add(1)
			if kind == slowHost {
				select {
				case <-time.After(slowHostDelay):
				case <-r.Context().Done():
					return
				}
			}
			w.WriteHeader(http.StatusAccepted)
		}))
	}
	ctrl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	line, _ := json.Marshal(map[string]any{"ctrl": ctrl.Addr().String(), "hosts": addrs})
	fmt.Println(string(line))
	http.Serve(ctrl, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/count" {
			// POSTs received by set's fast and slow hosts: cheap to poll.
			set, _ := strconv.Atoi(r.URL.Query().Get("set"))
			var fast, slow int64
			for i := range benchHosts {
				switch slowHostKind(set, i) {
				case fastHost:
					fast += count[set*benchHosts+i].Load()
				case slowHost:
					slow += count[set*benchHosts+i].Load()
				}
			}
			fmt.Fprintf(w, "%d %d", fast, slow)
			return
		}
		var s slowHostsStats
		for j := range n {
			s.Count = append(s.Count, count[j].Load())
			s.Last = append(s.Last, last[j].Load())
		}
		_ = json.NewEncoder(w).Encode(s)
	}))
}

// BenchmarkFanOutSlowHosts measures, in the same run and interleaved (all
// fast, mixed, all fast, mixed, …), one activity of a course with 10,000
// followers on 1,000 hosts (10 per host, one shared inbox each) delivered
//
//   - to 1,000 fast hosts (fast-ms: until the last of them has its POST), and
//   - to 1,000 hosts of which 100 answer after 2 s and 50 refuse connections
//     (mixed-fast-ms: until the last of the 850 fast ones has its POST;
//     mixed-slow-ms: until the last slow one has it; mixed-done-ms: until
//     every outcome is recorded).
//
// ratio is mixed-fast-ms over fast-ms (target ≤ 2). Each host has its own
// loopback address, so the real per-host caps apply (DefaultWorkers,
// DefaultPerHost), and the hosts are served by a child process, so this
// process's CPU is the node's. Every live inbox must get exactly one POST
// per activity and the dead ones none; dead-backoff/op is how many of the
// dead deliveries were rescheduled with a next attempt in the future (it
// must be all 50, then they are removed). "burst8" queues eight activities
// at once, as a course posting eight notes in a row does: then the slow
// hosts have 800 deliveries, PerHost each, far more than the 200 workers.
func BenchmarkFanOutSlowHosts(b *testing.B) {
	b.Run("one", func(b *testing.B) { benchSlowHosts(b, 1) })
	b.Run("burst8", func(b *testing.B) { benchSlowHosts(b, 8) })
}

func benchSlowHosts(b *testing.B, acts int) {
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "LERNEJO_OUTBOX_SLOWHOSTS=1")
	out, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	var ready struct {
		Ctrl  string   `json:"ctrl"`
		Hosts []string `json:"hosts"`
	}
	if err != nil || json.Unmarshal([]byte(line), &ready) != nil || len(ready.Hosts) != slowHostSets*benchHosts {
		b.Fatalf("receiver: %q %v", line, err)
	}
	ctrl := "http://" + ready.Ctrl
	counts := func(set int) (fast, slow int64) {
		resp, err := http.Get(fmt.Sprintf("%s/count?set=%d", ctrl, set))
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := fmt.Fscan(resp.Body, &fast, &slow); err != nil {
			b.Fatal(err)
		}
		return fast, slow
	}
	stats := func() slowHostsStats {
		resp, err := http.Get(ctrl + "/stats")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var s slowHostsStats
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			b.Fatal(err)
		}
		return s
	}
	inboxOf := func(j int) string { return "http://" + ready.Hosts[j] + "/inbox" }
	var nFast, nSlow [slowHostSets]int64
	kindOfInbox := make(map[string]hostKind)
	for set := range slowHostSets {
		for i := range benchHosts {
			k := slowHostKind(set, i)
			kindOfInbox[inboxOf(set*benchHosts+i)] = k
			switch k {
			case fastHost:
				nFast[set]++
			case slowHost:
				nSlow[set]++
			}
		}
	}

	st, err := store.Open(store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	urls, _ := federation.NewURLs("http://node.test")
	// The node's clock stands still during a fan-out and moves on by more
	// than BreakerWindow between them, so the dead inboxes' circuit
	// breakers (10 failures a minute) never open: every fan-out is alike.
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).UnixNano())
	nowFn := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	now := nowFn()
	courses := [slowHostSets]string{"allfast", "mixed"}
	for set, course := range courses {
		kp, _ := domain.GenerateKeyPair()
		if err := st.Update(context.Background(), func(tx domain.Tx) error {
			return tx.CreateCourse(&domain.Course{Handle: course, Title: course, Organisers: []string{"ada"}, PublicKeyPEM: kp.PublicPEM, Created: now}, kp)
		}); err != nil {
			b.Fatal(err)
		}
		for start := 0; start < benchFollowers; start += 1000 {
			if err := st.Update(context.Background(), func(tx domain.Tx) error {
				for k := start; k < start+1000; k++ {
					j := set*benchHosts + k%benchHosts
					base := "http://" + ready.Hosts[j]
					if err := tx.PutFollower(&domain.Follower{Local: course, Actor: fmt.Sprintf("%s/users/u%d", base, k),
						ActivityID: fmt.Sprintf("%s/f/%d", base, k), State: domain.FollowAccepted, Inbox: inboxOf(j), Created: now}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	}

	ob := New(Config{Store: st, HTTP: fetch.NewClient(fetch.Config{AllowPrivate: true}).HTTP(), URLs: urls,
		Logger: slog.New(slog.DiscardHandler), Now: nowFn})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var (
		fastMS, mixedFastMS, slowMS, doneMS []float64
		backoff                             int
		sent                                [slowHostSets]int64 // activities sent to each set so far
		seq                                 int
	)
	fanOut := func(set int) {
		course := courses[set]
		var ids []string
		now := nowFn().Add(BreakerWindow + time.Second)
		clock.Store(now.UnixNano())
		start := time.Now()
		for range acts {
			seq++
			id := fmt.Sprintf("http://node.test/activities/%d", seq)
			ids = append(ids, id)
			body := fmt.Appendf(nil, `{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Create","actor":"http://node.test/courses/%s","object":{"type":"Note","content":"Week 3 is open."}}`, id, course)
			if err := st.Update(context.Background(), func(tx domain.Tx) error {
				inboxes, err := tx.FollowerInboxes(course)
				if err != nil {
					return err
				}
				if len(inboxes) != benchHosts {
					return fmt.Errorf("%d inboxes, want %d", len(inboxes), benchHosts)
				}
				return ob.Queue(tx, course, id, body, inboxes)
			}); err != nil {
				b.Fatal(err)
			}
		}
		ob.Wake()
		sent[set] += int64(acts)
		// Hang guard only: each wait below is for a count, never a time.
		deadline := time.Now().Add(5 * time.Minute)
		for {
			fast, slow := counts(set)
			if fast >= sent[set]*nFast[set] && slow >= sent[set]*nSlow[set] {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s: %d fast and %d slow POSTs after 5 minutes", course, fast, slow)
			}
			time.Sleep(time.Millisecond)
		}
		// Every outcome recorded: nothing due is left (the dead hosts'
		// deliveries are rescheduled into the future of the fixed clock).
		for {
			var left []*domain.Delivery
			if err := st.View(context.Background(), func(tx domain.Tx) error {
				var err error
				left, err = tx.DueDeliveries(now, 1)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			if len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s: deliveries never all recorded", course)
			}
			time.Sleep(time.Millisecond)
		}
		doneAt := time.Since(start)

		s := stats()
		var lastFast, lastSlow int64
		for i := range benchHosts {
			j := set*benchHosts + i
			kind := slowHostKind(set, i)
			want := sent[set]
			if kind == deadHost {
				want = 0
			}
			if s.Count[j] != want {
				b.Fatalf("%s: %s got %d POSTs, want %d", course, inboxOf(j), s.Count[j], want)
			}
			switch kind {
			case fastHost:
				lastFast = max(lastFast, s.Last[j])
			case slowHost:
				lastSlow = max(lastSlow, s.Last[j])
			}
		}
		ms := func(t int64) float64 { return float64(t-start.UnixNano()) / 1e6 }
		if set == 0 {
			fastMS = append(fastMS, ms(lastFast))
			return
		}
		mixedFastMS = append(mixedFastMS, ms(lastFast))
		slowMS = append(slowMS, ms(lastSlow))
		doneMS = append(doneMS, float64(doneAt.Microseconds())/1e3)

		// The dead hosts' deliveries: each rescheduled once, into the future.
		var ds []*domain.Delivery
		if err := st.View(context.Background(), func(tx domain.Tx) error {
			var err error
			ds, err = tx.Deliveries()
			return err
		}); err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, d := range ds {
			if !slices.Contains(ids, d.ActivityID) {
				continue
			}
			if kindOfInbox[d.Inbox] != deadHost || d.Attempts != 1 || !d.NextAt.After(now) || d.LastError == "" {
				b.Fatalf("left queued: %+v", d)
			}
			n++
		}
		if want := acts * (benchHosts - int(nFast[set]+nSlow[set])); n != want {
			b.Fatalf("%d dead deliveries rescheduled, want %d", n, want)
		}
		backoff += n
		// Checked: gone, so the next fan-out starts alike.
		if err := st.Update(context.Background(), func(tx domain.Tx) error {
			for _, d := range ds {
				if slices.Contains(ids, d.ActivityID) {
					if err := tx.DeleteDelivery(d); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		fanOut(0)
		fanOut(1)
	}
	b.StopTimer()
	mean := func(xs []float64) float64 {
		var s float64
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	b.ReportMetric(mean(fastMS), "fast-ms")
	b.ReportMetric(mean(mixedFastMS), "mixed-fast-ms")
	b.ReportMetric(mean(mixedFastMS)/mean(fastMS), "ratio")
	b.ReportMetric(mean(slowMS), "mixed-slow-ms")
	b.ReportMetric(mean(doneMS), "mixed-done-ms")
	b.ReportMetric(float64(backoff)/float64(b.N), "dead-backoff/op")
}
