package node

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
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
// from 128 connections (a busy inbox hears from many senders at once) to a
// node's shared inbox: signature check, decode, journal, 202, and the
// processing after it. "durable" keeps the journal on disk with synced
// writes; "memory" is an in-memory store. It reports the node's
// activities/s, with the load generator in the same process on the same
// cores, and the ratio to raw RSA verifications/s on one core measured
// around the run. BenchmarkInboxIngestServerCPU gives the stricter figure:
// the node's own CPU time per activity.
func BenchmarkInboxIngest(b *testing.B) {
	for _, mode := range []string{"durable", "memory"} {
		b.Run(mode, func(b *testing.B) {
			rawBefore, _ := rawVerify(b)
			peer := newFakePeer(b)
			cfg := Config{AllowPrivateNetworks: true}
			if mode == "durable" {
				cfg.DataDir = b.TempDir()
			}
			n := startNode(b, cfg)
			if _, err := n.Resolver.Remember(context.Background(), peer.actorDoc()); err != nil {
				b.Fatal(err)
			}
			key, _ := domain.ParsePrivateKeyPEM(peer.key.PrivatePEM)
			reqs := make([]*http.Request, b.N)
			bodies := make([][]byte, b.N)
			for i := range reqs {
				id := fmt.Sprintf("%s/notes/%d", peer.URL, i)
				body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity",
					"type": "Create", "actor": peer.zoe(), "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
					"object": map[string]any{"id": id, "type": "Note", "attributedTo": peer.zoe(), "content": "<p>Hello from the benchmark</p>"}})
				req, _ := http.NewRequest("POST", n.URLs.Base()+"/inbox", nil)
				req.Header.Set("Content-Type", "application/activity+json")
				if err := federation.SignRequest(req, body, peer.zoe()+"#main-key", key, time.Now()); err != nil {
					b.Fatal(err)
				}
				reqs[i], bodies[i] = req, body
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}
			var next atomic.Int64
			b.ResetTimer()
			start := time.Now()
			b.SetParallelism(64)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1) - 1
					req := reqs[i].Clone(context.Background())
					req.Body = io.NopCloser(bytes.NewReader(bodies[i]))
					req.ContentLength = int64(len(bodies[i]))
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 202 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
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

// BenchmarkInboxIngestServerCPU runs the node in a child process and the
// load (pre-signed Creates over loopback, many connections) in this one, so
// the node's own CPU time per activity can be read from /proc: the
// "activities per server core" figure, next to raw RSA verifications per
// core measured in the same run. Journal on disk, synced (durable).
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
	env := []string{"LERNEJO_CHILD_LISTEN=" + listen, data}
	if p := os.Getenv("LERNEJO_BENCH_CPUPROFILE"); p != "" {
		env = append(env, "LERNEJO_CHILD_CPUPROFILE="+p)
	}
	child, base := startChildB(b, env...)
	key, _ := domain.ParsePrivateKeyPEM(peer.key.PrivatePEM)
	mk := func(i int) (*http.Request, []byte) {
		id := fmt.Sprintf("%s/notes/%d", peer.URL, i)
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity",
			"type": "Create", "actor": peer.zoe(), "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": peer.zoe(), "content": "<p>Hello from the benchmark</p>"}})
		req, _ := http.NewRequest("POST", base+"/inbox", nil)
		req.Header.Set("Content-Type", "application/activity+json")
		if err := federation.SignRequest(req, body, peer.zoe()+"#main-key", key, time.Now()); err != nil {
			b.Fatal(err)
		}
		return req, body
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}
	send := func(req *http.Request, body []byte) int {
		r := req.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		resp, err := client.Do(r)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// Warm up: the first activity makes the node fetch zoe's key.
	if st := send(mk(-1)); st != 202 {
		b.Fatalf("warm-up: %d", st)
	}
	reqs := make([]*http.Request, b.N)
	bodies := make([][]byte, b.N)
	for i := range reqs {
		reqs[i], bodies[i] = mk(i)
	}
	var next atomic.Int64
	cpu0 := processCPUOf(b, child.Process.Pid)
	b.ResetTimer()
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if st := send(reqs[i], bodies[i]); st != 202 {
				b.Errorf("status %d", st)
				return
			}
		}
	})
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
