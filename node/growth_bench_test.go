package node

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store/storeseed"
)

// The growth benchmark's fixture, the same at every size: the demo
// course has growthFollowers accepted followers behind growthHosts shared
// inboxes (loopback addresses 127.0.x.y, one per host, so the outbox's
// per-host limits apply as to real hosts), to which one post fans out.
const (
	growthFollowers = 10_000
	growthHosts     = 1_000
	// growthCreates is how many pre-signed Creates each round of the inbox
	// stage posts to each node.
	growthCreates = 4_000
	// growthRounds is how many times each stage goes round the nodes, so
	// the machine's drift falls on every size alike.
	growthRounds = 3
	// growthPages is how many GETs of each page one round makes per node.
	growthPages = 200
	// growthPosts is how many posts of the fixture's followers the demo
	// course's discussion ends with: its newest, so its page shows the
	// same posts at every size.
	growthPosts = 100
)

// growthSizes are the sizes BenchmarkGrowth seeds: LERNEJO_GROWTH_SIZES
// (numbers, comma-separated), or empty, 100k and 1M. The first is the
// baseline the others are compared with.
func growthSizes(b *testing.B) []int {
	env := os.Getenv("LERNEJO_GROWTH_SIZES")
	if env == "" {
		return []int{0, 100_000, 1_000_000}
	}
	var out []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			b.Fatalf("LERNEJO_GROWTH_SIZES: %q", f)
		}
		out = append(out, n)
	}
	return out
}

func sizeLabel(n int) string {
	switch {
	case n == 0:
		return "empty"
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

// growthNode is a node process on a seeded store.
type growthNode struct {
	size     int
	label    string
	addr     string // host:port
	base     string // http://addr
	cmd      *exec.Cmd
	password string // the demo organiser's
	seedTime time.Duration
	// peakAnon is the highest RssAnon the sampler saw, in KiB.
	peakAnon atomic.Int64
}

// fanoutReceiver stands for the growthHosts servers of the demo course's
// followers: it answers every POST 202 and counts them, and the hosts
// they came to.
type fanoutReceiver struct {
	port   int
	mu     sync.Mutex
	hosts  map[string]int
	posts  int
	target int
	done   chan struct{}
}

// startFanoutReceiver starts the receiver; with keep (LERNEJO_GROWTH_DIR),
// on the port named in keep/port, which the seeded followers' inboxes
// name, or on a new one it writes there.
func startFanoutReceiver(b *testing.B, keep string) *fanoutReceiver {
	listen := ":0"
	if keep != "" {
		if p, err := os.ReadFile(filepath.Join(keep, "port")); err == nil {
			listen = ":" + strings.TrimSpace(string(p))
		}
	}
	// Every 127.0.x.y is this machine: listen on all of them.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		b.Fatalf("the fan-out receiver: %v (remove LERNEJO_GROWTH_DIR to seed anew)", err)
	}
	if keep != "" {
		if err := os.MkdirAll(keep, 0o700); err != nil {
			b.Fatal(err)
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		if err := os.WriteFile(filepath.Join(keep, "port"), []byte(port), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	r := &fanoutReceiver{port: ln.Addr().(*net.TCPAddr).Port, hosts: map[string]int{}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		if req.Method != http.MethodPost || req.Header.Get("Signature") == "" && req.Header.Get("Signature-Input") == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hosts[req.Host]++
		if r.posts++; r.posts == r.target && r.done != nil {
			close(r.done)
			r.done = nil
		}
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return r
}

// expect resets the counts and returns a channel closed at the n-th POST.
func (r *fanoutReceiver) expect(n int) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts, r.posts, r.target = map[string]int{}, 0, n
	r.done = make(chan struct{})
	return r.done
}

func (r *fanoutReceiver) counts() (posts, hosts int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.posts, len(r.hosts)
}

// fanoutHost is the address of the i-th follower host of the fixture.
func (r *fanoutReceiver) fanoutHost(i int) string {
	return fmt.Sprintf("127.0.%d.%d:%d", 1+i/250, 1+i%250, r.port)
}

// seedGrowthStore prepares dir as the store of a node listening on addr:
// the demo content (its organiser's password is returned), the fixture's
// followers, and size posts, followers and deliveries from storeseed.
func seedGrowthStore(b *testing.B, dir, addr string, size int, recv *fanoutReceiver, keys domain.KeyPair) string {
	var pw string
	n, err := New(Config{Listen: addr, DataDir: dir, Demo: true, AllowPrivateNetworks: true,
		DemoOutput: func(_ string, args ...any) {
			if len(args) == 2 {
				pw, _ = args[1].(string)
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := n.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}()
	ctx := context.Background()
	now := time.Now()
	for from := 0; from < growthFollowers; from += 1000 {
		if err := n.Store.Update(ctx, func(tx domain.Tx) error {
			for i := from; i < from+1000; i++ {
				host := recv.fanoutHost(i % growthHosts)
				actor := fmt.Sprintf("http://%s/users/f%05d", host, i)
				if err := tx.PutRemoteActor(&domain.RemoteActor{ID: actor, Type: "Person", Username: fmt.Sprintf("f%05d", i),
					Host: host, Name: fmt.Sprintf("Follower %d", i), Inbox: actor + "/inbox", SharedInbox: "http://" + host + "/inbox",
					KeyID: actor + "#main-key", PublicKeyPEM: keys.PublicPEM, Fetched: now}); err != nil {
					return err
				}
				if err := tx.PutFollower(&domain.Follower{Local: DemoCourse, Actor: actor, ActivityID: actor + "/follows/1",
					State: domain.FollowAccepted, Inbox: "http://" + host + "/inbox", Created: now.Add(-time.Duration(growthFollowers-i) * time.Second)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	// The fixture's posts, after the seeded ones: every fourth answers one
	// of the three before it.
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		var ids, uris []string
		for i := range growthPosts {
			at := now.Add(-30*time.Minute + time.Duration(i)*10*time.Second)
			id := ulid.MustNew(ulid.Timestamp(at), rand.Reader).String()
			actor := fmt.Sprintf("http://%s/users/f%05d", recv.fanoutHost(i%growthHosts), i)
			p := &domain.Post{ID: id, Course: DemoCourse, URI: actor + "/statuses/" + id, Author: actor, Thread: id,
				Content: fmt.Sprintf("<p>Fixture post %d: what did you make this week?</p>", i), Published: at}
			if i%4 == 3 {
				parent := i - 1 - (i/4)%3
				p.InReplyTo, p.Thread = uris[parent], ids[parent]
			}
			ids, uris = append(ids, id), append(uris, p.URI)
			if err := tx.PutPost(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	o := storeseed.Options{Posts: size, Followers: size, Deliveries: size, Course: DemoCourse, School: DemoSchool,
		Organiser: DemoOrganiser, Keys: keys, Now: now}
	if err := storeseed.Seed(ctx, n.Store, o); err != nil {
		b.Fatal(err)
	}
	if pw == "" {
		b.Fatal("no demo password")
	}
	return pw
}

// growthSeed is what a seeded store kept in LERNEJO_GROWTH_DIR needs to be
// used again: the address its node's URLs name, the demo organiser's
// password, and when it was seeded (its deliveries fall due 6 hours after).
type growthSeed struct {
	Addr, Password string
	Seeded         time.Time
}

const seedMark = "growth-seed.json"

// reusableSeed reads the mark of a store seeded less than 5 hours ago.
func reusableSeed(b *testing.B, dir string) (growthSeed, bool) {
	var s growthSeed
	raw, err := os.ReadFile(filepath.Join(dir, seedMark))
	if err != nil || json.Unmarshal(raw, &s) != nil || time.Since(s.Seeded) > 5*time.Hour {
		return s, false
	}
	return s, true
}

func writeSeedMark(b *testing.B, dir string, s growthSeed) {
	raw, _ := json.Marshal(s)
	if err := os.WriteFile(filepath.Join(dir, seedMark), raw, 0o600); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGrowth measures how the node's costs grow with what it holds:
// nodes seeded (storeseed) with 0, 100k and 1M posts, followers and
// deliveries (LERNEJO_GROWTH_SIZES to choose), each in a process of its
// own with its store on disk and synced, as in production, all running at
// once. Each stage goes round the nodes growthRounds times, so the shared
// machine's drift falls on every size alike, and reports each size's
// figure and its ratio to the first size's, measured in the same run:
//
//   - inbox: pre-signed Creates from loadConns keep-alive connections, as in
//     BenchmarkInboxIngest (activities/s, acknowledged: journalled and
//     synced), and the node's peak memory: VmHWM after the stage, and the
//     highest RssAnon (its heap and stacks, without the store's mmapped
//     files) sampled during it;
//   - pages: the demo course page and the home page, one GET after
//     another from one connection (p50 and p99, ms);
//   - fanout: a post of the demo course (its growthFollowers followers
//     behind growthHosts shared inboxes, the same at every size) until the
//     last host has it (ms);
//   - metrics: a scrape of /metrics (ms).
//
// LERNEJO_BENCH_CPUPROFILE=FILE profiles each node into FILE.SIZE (for
// instance FILE.1M), and with it LERNEJO_BENCH_MEMPROFILE=FILE writes what
// each allocated. LERNEJO_GROWTH_DIR=DIR keeps the seeded stores in DIR
// and uses them again for 5 hours (the seeded deliveries fall due after
// 6): each run then adds its few fan-out posts to the demo course, on
// every size alike. Run it with -benchtime 1x. Seeding 1M of each takes a few minutes and
// about 3 GB of disk (in the benchmark's temporary directory).
func BenchmarkGrowth(b *testing.B) {
	sizes := growthSizes(b)
	keep := os.Getenv("LERNEJO_GROWTH_DIR")
	recv := startFanoutReceiver(b, keep)
	keys, err := domain.GenerateKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	peer := newFakePeer(b)
	var nodes []*growthNode
	for _, size := range sizes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		g := &growthNode{size: size, label: sizeLabel(size), addr: addr}
		dir := b.TempDir()
		if keep != "" {
			dir = filepath.Join(keep, g.label)
		}
		if seed, ok := reusableSeed(b, dir); ok {
			g.addr, g.password = seed.Addr, seed.Password
			b.Logf("%s: the store seeded at %s", g.label, seed.Seeded.Format(time.TimeOnly))
		} else {
			start := time.Now()
			os.RemoveAll(dir)
			g.password = seedGrowthStore(b, dir, addr, size, recv, keys)
			g.seedTime = time.Since(start)
			b.Logf("seeded %s in %s", g.label, g.seedTime.Round(time.Second))
			if keep != "" {
				writeSeedMark(b, dir, growthSeed{Addr: addr, Password: g.password, Seeded: start})
			}
		}
		env := []string{"LERNEJO_CHILD_LISTEN=" + addr, "LERNEJO_CHILD_DATA=" + dir, "LERNEJO_CHILD_NO_INBOX_LIMITS=1"}
		if p := os.Getenv("LERNEJO_BENCH_CPUPROFILE"); p != "" {
			env = append(env, "LERNEJO_CHILD_CPUPROFILE="+p+"."+g.label)
			if m := os.Getenv("LERNEJO_BENCH_MEMPROFILE"); m != "" {
				env = append(env, "LERNEJO_CHILD_MEMPROFILE="+m+"."+g.label)
			}
		}
		env[0] = "LERNEJO_CHILD_LISTEN=" + g.addr
		g.cmd, g.base = startChildB(b, env...)
		warmUp(b, peer, g.addr, g.base)
		nodes = append(nodes, g)
	}
	// A node that has run a while is not compacting a million fresh
	// records: wait until each is idle.
	for _, g := range nodes {
		start := time.Now()
		waitIdle(b, g.cmd.Process.Pid)
		b.Logf("%s idle after %s", g.label, time.Since(start).Round(time.Second))
	}
	if os.Getenv("LERNEJO_BENCH_CPUPROFILE") != "" {
		defer func() {
			for _, g := range nodes {
				g.cmd.Process.Signal(syscall.SIGTERM)
				g.cmd.Wait()
			}
		}()
	}
	stop := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Go(func() { sampleRSS(nodes, stop) })
	defer func() { close(stop); sampling.Wait() }()

	b.Run("inbox", func(b *testing.B) {
		rates := make([][]float64, len(nodes))
		for iter := 0; b.Loop(); iter++ {
			b.StopTimer()
			reqs := make([][][][]byte, len(nodes))
			for k, g := range nodes {
				reqs[k] = make([][][]byte, growthRounds)
				for r := range growthRounds {
					first := ((iter*len(nodes)+k)*growthRounds + r) * growthCreates
					reqs[k][r] = signedCreatesParallel(b, peer, g.base, first, growthCreates)
				}
			}
			b.StartTimer()
			for r := range growthRounds {
				for k, g := range nodes {
					start := time.Now()
					postAll(b, g.addr, reqs[k][r])
					rates[k] = append(rates[k], float64(growthCreates)/time.Since(start).Seconds())
				}
			}
		}
		for k, g := range nodes {
			rate := median(rates[k])
			b.ReportMetric(rate, g.label+"-activities/s")
			if k > 0 {
				b.ReportMetric(rate/median(rates[0]), g.label+"/"+nodes[0].label)
			}
		}
		for _, g := range nodes {
			hwm, _ := procStatus(g.cmd.Process.Pid, "VmHWM")
			b.ReportMetric(float64(hwm)/1024, g.label+"-VmHWM-MiB")
			b.ReportMetric(float64(g.peakAnon.Load())/1024, g.label+"-peak-RssAnon-MiB")
		}
	})

	b.Run("pages", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		pages := []struct{ name, path string }{{"course", "/courses/" + DemoCourse}, {"home", "/"}}
		times := make([][][]time.Duration, len(pages))
		bytes := make([][]int, len(pages))
		for p := range pages {
			times[p] = make([][]time.Duration, len(nodes))
			bytes[p] = make([]int, len(nodes))
		}
		for b.Loop() {
			for r := range growthRounds {
				for p, page := range pages {
					for k, g := range nodes {
						url := g.base + page.path
						if r == 0 {
							getPage(b, client, url) // a first GET fills the caches
						}
						for range growthPages {
							start := time.Now()
							bytes[p][k] = getPage(b, client, url)
							times[p][k] = append(times[p][k], time.Since(start))
						}
					}
				}
			}
		}
		for p, page := range pages {
			for k, g := range nodes {
				slices.Sort(times[p][k])
				p50, p99 := quantile(times[p][k], 0.5), quantile(times[p][k], 0.99)
				b.ReportMetric(p50, page.name+"-"+g.label+"-p50-ms")
				b.ReportMetric(p99, page.name+"-"+g.label+"-p99-ms")
				b.ReportMetric(float64(bytes[p][k]), page.name+"-"+g.label+"-bytes")
				if k > 0 {
					b.ReportMetric(p99/quantile(times[p][0], 0.99), page.name+"-p99-"+g.label+"/"+nodes[0].label)
				}
			}
		}
	})

	b.Run("fanout", func(b *testing.B) {
		clients := make([]*http.Client, len(nodes))
		for k, g := range nodes {
			clients[k] = growthLogIn(b, g.base, g.password)
		}
		times := make([][]time.Duration, len(nodes))
		for iter := 0; b.Loop(); iter++ {
			for r := range growthRounds {
				for k, g := range nodes {
					done := recv.expect(growthHosts)
					start := time.Now()
					postAsCourse(b, clients[k], g.base, fmt.Sprintf("Week %d is open (%s, round %d).", iter, g.label, r))
					select {
					case <-done:
					case <-time.After(5 * time.Minute): // a hang guard, not a measure
						posts, hosts := recv.counts()
						b.Fatalf("%s: %d POSTs to %d hosts after 5 minutes", g.label, posts, hosts)
					}
					times[k] = append(times[k], time.Since(start))
					if posts, hosts := recv.counts(); posts != growthHosts || hosts != growthHosts {
						b.Fatalf("%s: %d POSTs to %d hosts, want one to each of %d", g.label, posts, hosts, growthHosts)
					}
				}
			}
		}
		for k, g := range nodes {
			slices.Sort(times[k])
			ms := quantile(times[k], 0.5)
			b.ReportMetric(ms, g.label+"-ms")
			if k > 0 {
				b.ReportMetric(ms/quantile(times[0], 0.5), g.label+"/"+nodes[0].label)
			}
		}
	})

	b.Run("metrics", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		times := make([][]time.Duration, len(nodes))
		for b.Loop() {
			for range growthRounds {
				for k, g := range nodes {
					start := time.Now()
					getPage(b, client, g.base+"/metrics")
					times[k] = append(times[k], time.Since(start))
				}
			}
		}
		for k, g := range nodes {
			slices.Sort(times[k])
			b.ReportMetric(quantile(times[k], 0.5), g.label+"-ms")
		}
		for _, g := range nodes {
			hwm, _ := procStatus(g.cmd.Process.Pid, "VmHWM")
			b.Logf("%s: seeded in %s; VmHWM %d MiB, peak RssAnon %d MiB", g.label, g.seedTime.Round(time.Second), hwm/1024, g.peakAnon.Load()/1024)
		}
	})
}

// waitIdle waits, at most 10 minutes, until the process pid uses less
// than 5 % of a core over a second.
func waitIdle(b *testing.B, pid int) {
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); {
		cpu := processCPUOf(b, pid)
		time.Sleep(time.Second)
		if processCPUOf(b, pid)-cpu < 50*time.Millisecond {
			return
		}
	}
	b.Logf("process %d still busy after 10 minutes", pid)
}

// signedCreatesParallel is signedCreates with the signing spread over the
// machine's cores.
func signedCreatesParallel(b *testing.B, peer *fakePeer, base string, first, n int) [][]byte {
	const parts = 4
	out := make([][]byte, n)
	var wg sync.WaitGroup
	for p := range parts {
		from, to := p*n/parts, (p+1)*n/parts
		wg.Go(func() { copy(out[from:to], signedCreates(b, peer, base, first+from, to-from)) })
	}
	wg.Wait()
	return out
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// sampleRSS keeps each node's highest RssAnon until stop is closed.
func sampleRSS(nodes []*growthNode, stop <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			for _, g := range nodes {
				if kb, err := procStatus(g.cmd.Process.Pid, "RssAnon"); err == nil && kb > g.peakAnon.Load() {
					g.peakAnon.Store(kb)
				}
			}
		}
	}
}

// procStatus reads a field of /proc/PID/status, in KiB.
func procStatus(pid int, field string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// getPage GETs a page as a browser does, fails on anything but 200, and
// returns its size.
func getPage(b *testing.B, c *http.Client, url string) int {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return int(n)
}

// csrfOf GETs a page and returns the CSRF token of its first form.
func csrfOf(b *testing.B, c *http.Client, url string) string {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		b.Fatalf("no CSRF token on %s (%d)", url, resp.StatusCode)
	}
	return string(m[1])
}

// growthLogIn logs the demo organiser in and returns their browser.
func growthLogIn(b *testing.B, base, password string) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"_csrf": {csrfOf(b, c, base+"/login")}, "handle": {DemoOrganiser},
		"password": {password}, "next": {"/"}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("log in: status %d", resp.StatusCode)
	}
	return c
}

// postAsCourse publishes a post as the demo course through its page's form.
func postAsCourse(b *testing.B, c *http.Client, base, text string) {
	page := base + "/courses/" + DemoCourse
	resp, err := c.PostForm(page+"/posts", url.Values{"_csrf": {csrfOf(b, c, page)}, "text": {text}, "as_course": {"1"}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("post: status %d", resp.StatusCode)
	}
}
