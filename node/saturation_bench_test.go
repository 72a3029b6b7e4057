package node

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// saturationJournal is the journal bound of BenchmarkIngestSaturation's
// node: small, so that a burst of a few seconds fills it.
const saturationJournal = 2000

// BenchmarkIngestSaturation sends the node more than it can apply: 12,000
// notes to the demo course's discussion from an enrolled learner on
// another server, as fast as 128 connections go. Each note is stored and
// announced to the course's followers (200 more, behind that server's
// shared inbox), one signed delivery each, so applying one costs far more
// than checking it, and acceptance outruns processing. The node (a child
// process, journal on disk and synced, per-host and per-address limits
// lifted) bounds its journal at saturationJournal activities; past it,
// every POST is answered 503 with Retry-After, and the load generator
// sends that request again 50 ms later (a real server waits the
// Retry-After; the benchmark would take minutes). It reports how fast the
// node accepted (202s) and processed (until the journal was empty), the
// refusals, and the journal's peak, which must stay within the bound (the
// benchmark fails if not). LERNEJO_BENCH_CPUPROFILE=FILE profiles the node.
func BenchmarkIngestSaturation(b *testing.B) {
	peer := newFakePeer(b)
	peer.status.Store(202)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := []string{"LERNEJO_CHILD_LISTEN=" + addr, "LERNEJO_CHILD_DATA=" + b.TempDir(), "LERNEJO_CHILD_NO_INBOX_LIMITS=1",
		"LERNEJO_CHILD_INBOX_JOURNAL=" + strconv.Itoa(saturationJournal), "LERNEJO_CHILD_FOLLOWERS=200," + peer.URL + "/inbox"}
	if p := os.Getenv("LERNEJO_BENCH_CPUPROFILE"); p != "" {
		env = append(env, "LERNEJO_CHILD_CPUPROFILE="+p)
	}
	child, base := startChildB(b, env...)
	if os.Getenv("LERNEJO_BENCH_CPUPROFILE") != "" {
		defer func() { child.Process.Signal(syscall.SIGTERM); child.Wait() }()
	}
	course := base + "/courses/" + DemoCourse
	if st := peer.follow(course, base+"/inbox", "saturation"); st != 202 {
		b.Fatalf("Follow: %d", st)
	}
	for peer.received("Accept") == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	for burst := 0; b.Loop(); burst++ {
		b.StopTimer()
		reqs := signedActivities(b, peer, base, burstActivities, func(i int) map[string]any {
			id := fmt.Sprintf("%s/notes/%d-%d", peer.URL, burst, i)
			public := []string{"https://www.w3.org/ns/activitystreams#Public"}
			return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
				"actor": peer.zoe(), "to": public, "cc": []string{course},
				"object": map[string]any{"id": id, "type": "Note", "attributedTo": peer.zoe(),
					"content": fmt.Sprintf("<p>note %d of burst %d</p>", i, burst), "to": public, "cc": []string{course}}}
		})
		b.StartTimer()
		out := ingestBurst(b, addr, base, reqs, 50*time.Millisecond)
		accepted, drained, peak, refused := out.accepted, out.drained, out.peak, out.refused
		if peak > saturationJournal {
			b.Fatalf("the journal held %d activities, past its bound of %d", peak, saturationJournal)
		}
		b.ReportMetric(float64(burstActivities)/accepted.Seconds(), "accepted/s")
		b.ReportMetric(float64(burstActivities)/drained.Seconds(), "processed/s")
		b.ReportMetric(accepted.Seconds()/drained.Seconds(), "processing-ratio")
		b.ReportMetric(float64(peak), "peak-backlog")
		b.ReportMetric(float64(refused), "refused-503")
		b.ReportMetric(float64(peakRSS(b, child.Process.Pid))/(1<<20), "peak-rss-MiB")
	}
}
