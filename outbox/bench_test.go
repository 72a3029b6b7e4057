package outbox

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

const (
	benchFollowers = 10_000
	benchHosts     = 1_000
)

// BenchmarkFanOut queues one activity of a course with 10,000 accepted
// followers on 1,000 hosts (10 per host, sharing the host's shared inbox) and
// waits until every delivery is POSTed and removed: exactly 1,000 POSTs per
// op. The cost is dominated by one RSA-2048 signature per POST (signing
// happens at send time, per inbox), so compare deliveries/s with
// BenchmarkRawRSASign/parallel's signs/s. sent/s leaves out the Queue
// transaction (reading 10,000 followers and writing 1,000 deliveries), which
// runs before any POST; queue-ms/op is its cost.
//
// All "hosts" are paths on one loopback httptest server (/h0042/inbox …),
// since every test host is 127.0.0.1: with the per-host cap they would be
// serialised as one host, so PerHost is set equal to Workers here. In
// production each of the 1,000 hosts has its own cap. (The shared client's
// transport still allows at most 20 connections to one host:port; the
// signing, not that, is the bottleneck.)
func BenchmarkFanOut(b *testing.B) {
	st, err := store.Open(store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	urls, err := federation.NewURLs("http://node.test")
	if err != nil {
		b.Fatal(err)
	}

	var (
		posts  atomic.Int64
		mu     sync.Mutex
		byPath = make(map[string]int, benchHosts)
		target atomic.Int64
		hit    = make(chan struct{}, 1)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Signature") == "" {
			b.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		byPath[r.URL.Path]++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		if posts.Add(1) == target.Load() {
			select {
			case hit <- struct{}{}:
			default:
			}
		}
	}))
	defer srv.Close()

	kp, err := domain.GenerateKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	err = st.Update(context.Background(), func(tx domain.Tx) error {
		return tx.CreateCourse(&domain.Course{Handle: "python", Title: "Python", Organisers: []string{"ada"}, PublicKeyPEM: kp.PublicPEM, Created: now}, kp)
	})
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < benchFollowers; start += 1000 {
		err := st.Update(context.Background(), func(tx domain.Tx) error {
			for i := start; i < start+1000; i++ {
				base := fmt.Sprintf("%s/h%04d", srv.URL, i%benchHosts)
				if err := tx.PutFollower(&domain.Follower{
					Local: "python", Actor: fmt.Sprintf("%s/users/u%d", base, i), ActivityID: fmt.Sprintf("%s/follows/%d", base, i),
					State: domain.FollowAccepted, Inbox: base + "/inbox", Created: now.Add(time.Duration(i)),
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}

	ob := New(Config{
		Store:   st,
		HTTP:    fetch.NewClient(fetch.Config{AllowPrivate: true}).HTTP(),
		URLs:    urls,
		Logger:  slog.New(slog.DiscardHandler),
		Now:     func() time.Time { return now },
		Workers: DefaultWorkers,
		PerHost: DefaultWorkers, // all 1,000 "hosts" share 127.0.0.1:PORT; see above
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	defer func() { cancel(); <-done }()

	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"http://node.test/courses/python","object":{"type":"Note","content":"Week 3 is open: loops and functions."}}`)
	queued := func() bool {
		var left []*domain.Delivery
		if err := st.View(context.Background(), func(tx domain.Tx) error {
			var err error
			left, err = tx.DueDeliveries(now, 1)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return len(left) > 0
	}
	var queueTime, sendCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("http://node.test/activities/%d", i)
		target.Store(int64((i + 1) * benchHosts))
		start := time.Now()
		err := st.Update(context.Background(), func(tx domain.Tx) error {
			inboxes, err := tx.FollowerInboxes("python")
			if err != nil {
				return err
			}
			if len(inboxes) != benchHosts {
				return fmt.Errorf("%d inboxes, want %d", len(inboxes), benchHosts)
			}
			return ob.Queue(tx, "python", id, body, inboxes)
		})
		if err != nil {
			b.Fatal(err)
		}
		queueTime += time.Since(start)
		cpu0 := processCPU()
		ob.Wake()
		select {
		case <-hit:
		case <-time.After(5 * time.Minute): // hang guard only
			b.Fatalf("%d of %d POSTs after 5 minutes", posts.Load(), target.Load())
		}
		// The last POST is answered; wait for its outcome to be written.
		for n := 0; queued(); n++ {
			if n > 100_000 {
				b.Fatal("deliveries never removed")
			}
			time.Sleep(100 * time.Microsecond)
		}
		sendCPU += processCPU() - cpu0
	}
	b.StopTimer()
	if got, want := posts.Load(), int64(b.N*benchHosts); got != want {
		b.Fatalf("%d POSTs, want exactly %d", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(byPath) != benchHosts {
		b.Fatalf("%d inboxes received POSTs, want %d", len(byPath), benchHosts)
	}
	for p, n := range byPath {
		if n != b.N {
			b.Fatalf("%s got %d POSTs over %d activities", p, n, b.N)
		}
	}
	sent := float64(b.N * benchHosts)
	b.ReportMetric(sent/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(sent/(b.Elapsed()-queueTime).Seconds(), "sent/s")
	b.ReportMetric(float64(queueTime.Milliseconds())/float64(b.N), "queue-ms/op")
	b.ReportMetric(float64(sendCPU.Microseconds())/sent, "cpu-µs/delivery")
}

// BenchmarkRawRSASign is the floor under BenchmarkFanOut: RSASSA-PKCS1-v1_5
// SHA-256 with an RSA-2048 key, the one signature every delivery needs.
// "parallel" makes 1,000 signatures per op (one fan-out's worth) on
// GOMAXPROCS goroutines, as the outbox's workers sign on every CPU; compare
// its signs/s with BenchmarkFanOut's deliveries/s. "serial" is one
// signature per op on one goroutine.
func BenchmarkRawRSASign(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, domain.RSAKeyBits)
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte("(request-target): post /h0042/inbox\nhost: 127.0.0.1:40000\ndate: Mon, 02 Mar 2026 10:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ncontent-type: application/activity+json")
	sign := func() {
		h := sha256.Sum256(msg)
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:]); err != nil {
			b.Error(err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			sign()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
	})
	b.Run("parallel", func(b *testing.B) {
		for b.Loop() {
			signs, cpu := rawSign(b, key, msg)
			b.ReportMetric(signs, "signs/s")
			b.ReportMetric(cpu, "cpu-µs/sign")
		}
		b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
	})
}

// rawSign makes one fan-out's worth of signatures (benchHosts) on GOMAXPROCS
// goroutines, as the outbox's signers do, and returns signatures per second
// and CPU microseconds per signature. The fan-out benchmarks run it before
// and after their load and compare with the mean: on a shared machine the
// speed drifts over seconds.
func rawSign(b *testing.B, key *rsa.PrivateKey, msg []byte) (perSecond, cpuPerSign float64) {
	var next atomic.Int64
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), processCPU()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for next.Add(1) <= benchHosts {
				h := sha256.Sum256(msg)
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:]); err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	return benchHosts / time.Since(start).Seconds(), float64((processCPU() - cpu0).Microseconds()) / benchHosts
}

// rawSignAround is rawSign with a fresh key and a typical signing string.
func rawSignAround(b *testing.B) (perSecond, cpuPerSign float64) {
	key, err := rsa.GenerateKey(rand.Reader, domain.RSAKeyBits)
	if err != nil {
		b.Fatal(err)
	}
	return rawSign(b, key, []byte("(request-target): post /h0042/inbox\nhost: 127.0.0.1:40000\ndate: Mon, 02 Mar 2026 10:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ncontent-type: application/activity+json"))
}

// processCPU is the CPU time this process has used (user + system). Other
// processes on a shared machine slow the benchmarks' wall-clock rates down;
// CPU time per delivery against CPU time per signature is the ratio they do
// not move much.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
