package node

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// burstActivities is how many pre-signed Creates BenchmarkPagesDuringIngest
// posts in its burst: about a second of full-speed ingest here.
const burstActivities = 12_000

// runPageSampler is a child process of BenchmarkPagesDuringIngest (see
// TestMain): it GETs LERNEJO_PAGE_SAMPLER from one keep-alive connection,
// one request after another with a short pause, as a person's browser
// would, until its stdin closes; then it prints each request's time in
// microseconds, one per line. A process of its own, so that its requests
// wait for the node, not for the load generator's goroutines.
func runPageSampler() int {
	url := os.Getenv("LERNEJO_PAGE_SAMPLER")
	stop := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stop) }()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	var out []time.Duration
	for {
		select {
		case <-stop:
			for _, d := range out {
				fmt.Println(d.Microseconds())
			}
			return 0
		default:
		}
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			fmt.Fprintln(os.Stderr, "status", resp.StatusCode)
			return 1
		}
		out = append(out, time.Since(start))
		time.Sleep(2 * time.Millisecond)
	}
}

// pageSampler is a running runPageSampler child.
type pageSampler struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   io.Reader
}

func startPageSampler(b *testing.B, url string) *pageSampler {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LERNEJO_PAGE_SAMPLER="+url)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return &pageSampler{cmd: cmd, stdin: stdin, out: out}
}

// stop ends the sampling and returns the requests' times, sorted.
func (s *pageSampler) stop(b *testing.B) []time.Duration {
	s.stdin.Close()
	var out []time.Duration
	sc := bufio.NewScanner(s.out)
	for sc.Scan() {
		us, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			b.Fatalf("sampler: %q", sc.Text())
		}
		out = append(out, time.Duration(us)*time.Microsecond)
	}
	if err := s.cmd.Wait(); err != nil {
		b.Fatalf("sampler: %v", err)
	}
	slices.Sort(out)
	return out
}

// quantile is the q-th quantile of sorted durations, in milliseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(float64(len(sorted))*q), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// metricsJournal reads the node's lernejo_inbox_journal gauge from /metrics.
func metricsJournal(b *testing.B, base string) int {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "lernejo_inbox_journal "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	b.Fatal("no lernejo_inbox_journal in /metrics")
	return 0
}

// BenchmarkPagesDuringIngest measures what a person notices while another
// server floods the node: the demo course page's p50 and p99 at rest, then
// during a burst of burstActivities pre-signed Creates from loadConns
// connections (journal on disk, synced), and how far processing lags
// behind acceptance: the inbox's acceptance rate, the rate at which the
// journal drains (all accepted activities processed), and the backlog's
// peak. Three processes share the machine's cores, as on a server: the
// node, the load generator (this one) and the page sampler, so that a
// page's time is the node's, not the generator's scheduling. Run with
// -benchtime 1x; each iteration is one burst. LERNEJO_BENCH_CPUPROFILE=FILE
// profiles the node.
func BenchmarkPagesDuringIngest(b *testing.B) {
	peer := newFakePeer(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := []string{"LERNEJO_CHILD_LISTEN=" + addr, "LERNEJO_CHILD_DATA=" + b.TempDir(), "LERNEJO_CHILD_NO_INBOX_LIMITS=1"}
	if p := os.Getenv("LERNEJO_BENCH_CPUPROFILE"); p != "" {
		env = append(env, "LERNEJO_CHILD_CPUPROFILE="+p)
		if t := os.Getenv("LERNEJO_BENCH_TRACE"); t != "" {
			env = append(env, "LERNEJO_CHILD_TRACE="+t)
		}
	}
	child, base := startChildB(b, env...)
	if os.Getenv("LERNEJO_BENCH_CPUPROFILE") != "" {
		defer func() { child.Process.Signal(syscall.SIGTERM); child.Wait() }()
	}
	page := base + "/courses/" + DemoCourse
	warmUp(b, peer, addr, base)
	for burst := 0; b.Loop(); burst++ {
		b.StopTimer()
		reqs := signedCreates(b, peer, base, burst*burstActivities, burstActivities)
		s := startPageSampler(b, page)
		time.Sleep(3 * time.Second)
		idle := s.stop(b)
		b.StartTimer()

		s = startPageSampler(b, page)
		burst := ingestBurst(b, addr, base, reqs, 0)
		loaded := s.stop(b)
		accepted, drained, peak := burst.accepted, burst.drained, burst.peak

		b.ReportMetric(quantile(idle, 0.5), "idle-p50-ms")
		b.ReportMetric(quantile(idle, 0.99), "idle-p99-ms")
		b.ReportMetric(quantile(loaded, 0.5), "burst-p50-ms")
		b.ReportMetric(quantile(loaded, 0.99), "burst-p99-ms")
		b.ReportMetric(quantile(loaded, 0.99)/quantile(idle, 0.99), "p99-ratio")
		b.ReportMetric(float64(len(loaded)), "burst-pages")
		b.ReportMetric(float64(burstActivities)/accepted.Seconds(), "accepted/s")
		b.ReportMetric(float64(burstActivities)/drained.Seconds(), "processed/s")
		b.ReportMetric(accepted.Seconds()/drained.Seconds(), "processing-ratio")
		b.ReportMetric(float64(peak), "peak-backlog")
		b.ReportMetric(float64(peakRSS(b, child.Process.Pid))/(1<<20), "peak-rss-MiB")
	}
}

// burstOutcome is what ingestBurst measured.
type burstOutcome struct {
	accepted, drained time.Duration // from the first POST until the last 202, and until the journal was empty
	peak              int           // the journal's longest, sampled every 50 ms
	refused           int64         // 503s answered (and sent again)
}

// ingestBurst posts reqs to the node at addr (base URL base) over loadConns
// connections, and waits until its journal is empty. retry503 is how long
// after a 503 the request is sent again; 0 fails the benchmark on any
// answer but 202.
func ingestBurst(b *testing.B, addr, base string, reqs [][]byte, retry503 time.Duration) burstOutcome {
	var out burstOutcome
	sampling := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-t.C:
				out.peak = max(out.peak, metricsJournal(b, base))
			}
		}
	})
	start := time.Now()
	out.refused = postLoop(b, addr, reqs, func(int) {}, retry503)
	out.accepted = time.Since(start)
	for metricsJournal(b, base) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	out.drained = time.Since(start)
	close(sampling)
	wg.Wait()
	return out
}

// peakRSS is the peak resident set size of process pid so far (VmHWM), in
// bytes.
func peakRSS(b *testing.B, pid int) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatalf("VmHWM %q", v)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
