package node

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// benchGET measures a GET over loopback HTTP with keep-alive connections.
func benchGET(b *testing.B, rawURL, accept string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	req, _ := http.NewRequest("GET", rawURL, nil)
	req.Header.Set("Accept", accept)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkActorDocument serves the demo course's actor document.
func BenchmarkActorDocument(b *testing.B) {
	n := startNode(b, Config{Demo: true})
	benchGET(b, n.URLs.Base()+"/courses/gentle-python", asAccept)
}

// BenchmarkWebFinger resolves the demo course by acct:.
func BenchmarkWebFinger(b *testing.B) {
	n := startNode(b, Config{Demo: true})
	benchGET(b, n.URLs.Base()+"/.well-known/webfinger?resource="+url.QueryEscape("acct:gentle-python@"+n.URLs.Host()), "application/jrd+json")
}

// rawVerify measures RSA-2048 PKCS#1 v1.5 SHA-256 verifications on one
// goroutine for about a quarter of a second: per second of wall-clock time
// (the raw limit an inbox's throughput is compared with) and per second of
// this thread's CPU time (the unit of the node's CPU per activity in
// BenchmarkInboxIngestServerCPU, which leaves out the time the thread
// waited for a core on a shared machine). The benchmarks measure it before
// and after their load and use the mean: the speed of a shared machine
// drifts over seconds.
func rawVerify(b *testing.B) (perSecond, perCPUSecond float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	kp, _ := domain.GenerateKeyPair()
	key, _ := domain.ParsePrivateKeyPEM(kp.PrivatePEM)
	sum := sha256.Sum256([]byte("signing string"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	threadCPU := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	n := 0
	start, cpu0 := time.Now(), threadCPU()
	for time.Since(start) < 250*time.Millisecond {
		for range 100 {
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
				b.Fatal(err)
			}
		}
		n += 100
	}
	return float64(n) / time.Since(start).Seconds(), float64(n) / (threadCPU() - cpu0).Seconds()
}

// BenchmarkInboxIngest posts pre-signed Create activities over loopback HTTP
// from loadConns connections to a node's shared inbox: signature check,
// decode, journal, 202, and the processing after it. "durable" keeps the
// journal on disk with synced writes; "memory" is an in-memory store. It
// reports the node's activities/s, with the load generator in the same
// process on the same cores, and the ratio to raw RSA verifications/s on
// one core measured around the run. BenchmarkInboxIngestServerCPU gives the
// stricter figure: the node's own CPU time per activity.
func BenchmarkInboxIngest(b *testing.B) {
	for _, mode := range []string{"durable", "memory"} {
		b.Run(mode, func(b *testing.B) {
			rawBefore, _ := rawVerify(b)
			peer := newFakePeer(b)
			cfg := Config{AllowPrivateNetworks: true, InboxPerHost: noLimit, InboxPerIP: noLimit, InboxBacklog: noLimit, InboxJournal: noLimit}
			if mode == "durable" {
				cfg.DataDir = b.TempDir()
			}
			n := startNode(b, cfg)
			addr := n.URLs.Host()
			warmUp(b, peer, addr, n.URLs.Base())
			reqs := signedCreates(b, peer, n.URLs.Base(), 0, b.N)
			b.ResetTimer()
			start := time.Now()
			postAll(b, addr, reqs)
			rate := float64(b.N) / time.Since(start).Seconds()
			b.StopTimer()
			rawAfter, _ := rawVerify(b)
			raw := (rawBefore + rawAfter) / 2
			b.ReportMetric(rate, "activities/s")
			b.ReportMetric(raw, "raw_verify/s")
			b.ReportMetric(rate/raw, "ratio_to_raw")
		})
	}
}

// processCPUOf reads a process's user+system CPU time from /proc.
func processCPUOf(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// BenchmarkInboxIngestServerCPU runs the node in a child process on one core
// (GOMAXPROCS=1) and the load (pre-signed Creates over loopback, many
// connections) in this one, so the node's own CPU time per activity can be
// read from /proc: activities per second of the node's CPU, next to raw RSA
// verifications per second of CPU measured around the run. Journal on disk,
// synced (durable); LERNEJO_BENCH_MEMORY=1 for an in-memory store,
// LERNEJO_BENCH_CPUPROFILE=FILE to profile the node.
func BenchmarkInboxIngestServerCPU(b *testing.B) {
	_, rawBefore := rawVerify(b)
	peer := newFakePeer(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	data := "LERNEJO_CHILD_DATA=" + b.TempDir()
	if os.Getenv("LERNEJO_BENCH_MEMORY") != "" {
		data = "LERNEJO_CHILD_DATA="
	}
	// The node runs on one core, as the target is put ("on one core"); the
	// load generator in this process has the other.
	env := []string{"LERNEJO_CHILD_LISTEN=" + listen, data, "GOMAXPROCS=1", "LERNEJO_CHILD_NO_INBOX_LIMITS=1"}
	if p := os.Getenv("LERNEJO_BENCH_CPUPROFILE"); p != "" {
		env = append(env, "LERNEJO_CHILD_CPUPROFILE="+p)
	}
	child, base := startChildB(b, env...)
	warmUp(b, peer, listen, base)
	reqs := signedCreates(b, peer, base, 0, b.N)
	cpu0 := processCPUOf(b, child.Process.Pid)
	b.ResetTimer()
	postAll(b, listen, reqs)
	b.StopTimer()
	cpu := processCPUOf(b, child.Process.Pid) - cpu0
	_, rawAfter := rawVerify(b)
	raw := (rawBefore + rawAfter) / 2
	if os.Getenv("LERNEJO_BENCH_CPUPROFILE") != "" {
		child.Process.Signal(syscall.SIGTERM)
		child.Wait()
	}
	perCore := float64(b.N) / cpu.Seconds()
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "server-cpu-µs/activity")
	b.ReportMetric(perCore, "activities/s/core")
	b.ReportMetric(raw, "raw_verify/s/core")
	b.ReportMetric(perCore/raw, "ratio_to_raw")
}
