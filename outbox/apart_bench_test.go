package outbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

// TestMain lets BenchmarkFanOutReceiverApart and BenchmarkFanOutSlowHosts
// run their receiving servers in a child process: with
// LERNEJO_OUTBOX_RECEIVER or LERNEJO_OUTBOX_SLOWHOSTS set, the test binary
// is that server.
func TestMain(m *testing.M) {
	if os.Getenv("LERNEJO_OUTBOX_RECEIVER") == "1" {
		runReceiver()
		return
	}
	if os.Getenv("LERNEJO_OUTBOX_SLOWHOSTS") == "1" {
		runSlowHostsReceiver()
		return
	}
	os.Exit(m.Run())
}

// runReceiver answers every POST with 202 and counts them; GET /count says
// how many arrived.
func runReceiver() {
	var n atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("READY", ln.Addr().String())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			fmt.Fprint(w, n.Load())
			return
		}
		io.Copy(io.Discard, r.Body)
		n.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
}

// BenchmarkFanOutReceiverApart is BenchmarkFanOut with the receiving server
// in another process, so this process's CPU time is the node's own: one
// activity of a course with 10,000 followers on 1,000 inboxes, queued and
// delivered (1,000 signed POSTs). Before each fan-out and after the last
// it makes 1,000 raw RSA-2048 signatures on every CPU (the mean is used):
// ratio_to_raw is deliveries/s over raw signatures/s, and cpu_ratio_to_raw
// is raw CPU per signature over this process's CPU per delivery, which a
// shared machine's other tenants move less.
func BenchmarkFanOutReceiverApart(b *testing.B) {
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "LERNEJO_OUTBOX_RECEIVER=1")
	out, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		b.Fatalf("receiver: %q %v", line, err)
	}
	base := "http://" + strings.TrimSpace(strings.TrimPrefix(line, "READY "))
	count := func() int64 {
		resp, err := http.Get(base + "/count")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		s, _ := io.ReadAll(resp.Body)
		v, _ := strconv.ParseInt(string(s), 10, 64)
		return v
	}

	st, err := store.Open(store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	urls, _ := federation.NewURLs("http://node.test")
	kp, _ := domain.GenerateKeyPair()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := st.Update(context.Background(), func(tx domain.Tx) error {
		return tx.CreateCourse(&domain.Course{Handle: "python", Title: "Python", Organisers: []string{"ada"}, PublicKeyPEM: kp.PublicPEM, Created: now}, kp)
	}); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < benchFollowers; start += 1000 {
		if err := st.Update(context.Background(), func(tx domain.Tx) error {
			return addFollowers(tx, base, start, start+1000, now)
		}); err != nil {
			b.Fatal(err)
		}
	}
	ob := New(Config{Store: st, HTTP: fetch.NewClient(fetch.Config{AllowPrivate: true}).HTTP(), URLs: urls,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }, Workers: DefaultWorkers, PerHost: DefaultWorkers})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	defer func() { cancel(); <-done }()
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"http://node.test/courses/python","object":{"type":"Note","content":"Week 3 is open."}}`)

	// The raw signatures are made between the fan-outs (before each and
	// after the last), so they sample the speed of the shared machine
	// through the run; the fan-outs alone are timed.
	var rawRate, rawCPU float64
	sampleRaw := func() {
		b.StopTimer()
		r, c := rawSignAround(b)
		rawRate, rawCPU = rawRate+r, rawCPU+c
		b.StartTimer()
	}
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		sampleRaw()
		cpu0 := processCPU()
		id := fmt.Sprintf("http://node.test/activities/%d", i)
		if err := st.Update(context.Background(), func(tx domain.Tx) error {
			inboxes, err := tx.FollowerInboxes("python")
			if err != nil {
				return err
			}
			return ob.Queue(tx, "python", id, body, inboxes)
		}); err != nil {
			b.Fatal(err)
		}
		ob.Wake()
		want := int64((i + 1) * benchHosts)
		for n := 0; count() < want; n++ {
			if n > 600_000 {
				b.Fatal("the POSTs never all arrived")
			}
			time.Sleep(time.Millisecond)
		}
		cpu += processCPU() - cpu0
	}
	sampleRaw()
	b.StopTimer()
	if got := count(); got != int64(b.N*benchHosts) {
		b.Fatalf("%d POSTs, want exactly %d", got, b.N*benchHosts)
	}
	rawRate, rawCPU = rawRate/float64(b.N+1), rawCPU/float64(b.N+1)
	perDelivery := float64(cpu.Microseconds()) / float64(b.N*benchHosts)
	rate := float64(b.N*benchHosts) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(rawRate, "raw_signs/s")
	b.ReportMetric(rate/rawRate, "ratio_to_raw")
	b.ReportMetric(perDelivery, "cpu-µs/delivery")
	b.ReportMetric(rawCPU, "raw_cpu-µs/sign")
	b.ReportMetric(rawCPU/perDelivery, "cpu_ratio_to_raw")
}

// addFollowers adds accepted followers lo..hi-1 of the course, spread over
// benchHosts inboxes on base.
func addFollowers(tx domain.Tx, base string, lo, hi int, now time.Time) error {
	for i := lo; i < hi; i++ {
		h := fmt.Sprintf("%s/h%04d", base, i%benchHosts)
		if err := tx.PutFollower(&domain.Follower{Local: "python", Actor: fmt.Sprintf("%s/users/u%d", h, i),
			ActivityID: fmt.Sprintf("%s/f/%d", h, i), State: domain.FollowAccepted, Inbox: h + "/inbox", Created: now}); err != nil {
			return err
		}
	}
	return nil
}
