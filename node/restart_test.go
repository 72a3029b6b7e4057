package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// TestMain lets the restart test run a node in a child process that it can
// SIGKILL: with LERNEJO_NODE_CHILD set, the test binary is that node.
func TestMain(m *testing.M) {
	if os.Getenv("LERNEJO_NODE_CHILD") == "1" {
		os.Exit(runChild())
	}
	if os.Getenv("LERNEJO_PAGE_SAMPLER") != "" {
		os.Exit(runPageSampler())
	}
	os.Exit(m.Run())
}

// runChild runs a demo node on LERNEJO_CHILD_DATA with its clock moved by
// LERNEJO_CHILD_CLOCK; with LERNEJO_CHILD_FOLLOW, bea follows that actor;
// with LERNEJO_CHILD_NO_INBOX_LIMITS, its inbox takes all it is sent and
// its pages answer any number of requests.
// LERNEJO_CHILD_MIN_FREE and LERNEJO_CHILD_RESERVE (bytes) set the disk
// watermark and reserve.
func runChild() int {
	offset, _ := time.ParseDuration(os.Getenv("LERNEJO_CHILD_CLOCK"))
	minFree, _ := strconv.ParseInt(os.Getenv("LERNEJO_CHILD_MIN_FREE"), 10, 64)
	reserve, _ := strconv.ParseInt(os.Getenv("LERNEJO_CHILD_RESERVE"), 10, 64)
	cfg := Config{
		Listen: os.Getenv("LERNEJO_CHILD_LISTEN"), DataDir: os.Getenv("LERNEJO_CHILD_DATA"), Demo: true, AllowPrivateNetworks: true,
		Now: func() time.Time { return time.Now().Add(offset) }, DemoOutput: func(string, ...any) {},
		MinFreeDisk: minFree, DiskReserve: reserve,
	}
	if os.Getenv("LERNEJO_CHILD_NO_INBOX_LIMITS") != "" {
		cfg.InboxPerHost, cfg.InboxPerIP, cfg.InboxBacklog, cfg.InboxJournal, cfg.RequestsPerIP = noLimit, noLimit, noLimit, noLimit, noLimit
	}
	if j, err := strconv.Atoi(os.Getenv("LERNEJO_CHILD_INBOX_JOURNAL")); err == nil {
		cfg.InboxJournal = j
	}
	debug.SetMemoryLimit(DefaultMemoryLimit) // as lernejo serve does
	n, err := New(cfg)
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	n.Start()
	if p := os.Getenv("LERNEJO_CHILD_CPUPROFILE"); p != "" {
		// For benchmarks: profile the node until SIGTERM.
		f, _ := os.Create(p)
		pprof.StartCPUProfile(f)
		var tf *os.File
		if t := os.Getenv("LERNEJO_CHILD_TRACE"); t != "" {
			tf, _ = os.Create(t)
			trace.Start(tf)
		}
		go func() {
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGTERM)
			<-sig
			pprof.StopCPUProfile()
			if tf != nil {
				trace.Stop()
				tf.Close()
			}
			f.Close()
			if p := os.Getenv("LERNEJO_CHILD_MEMPROFILE"); p != "" {
				// What the node allocated over its life (-sample_index=alloc_space).
				if m, err := os.Create(p); err == nil {
					pprof.Lookup("allocs").WriteTo(m, 0)
					m.Close()
				}
			}
			os.Exit(0)
		}()
	}
	ctx := context.Background()
	// LERNEJO_CHILD_FOLLOWERS=N,INBOX: the demo course has N accepted
	// followers more, all behind the shared inbox INBOX.
	if v := os.Getenv("LERNEJO_CHILD_FOLLOWERS"); v != "" {
		count, inbox, _ := strings.Cut(v, ",")
		k, _ := strconv.Atoi(count)
		if err := n.Store.Update(ctx, func(tx domain.Tx) error {
			for i := range k {
				actor := fmt.Sprintf("%s/users/u%d", strings.TrimSuffix(inbox, "/inbox"), i)
				if err := tx.PutFollower(&domain.Follower{Local: DemoCourse, Actor: actor, ActivityID: actor + "/follow",
					State: domain.FollowAccepted, Inbox: inbox, Created: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			fmt.Println("ERROR", err)
			return 1
		}
	}
	if target := os.Getenv("LERNEJO_CHILD_FOLLOW"); target != "" {
		if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil && !domain.IsConflict(err) {
			fmt.Println("ERROR", err)
			return 1
		}
		if _, err := n.Services.Enrolment.Follow(ctx, "bea", target); err != nil {
			fmt.Println("ERROR", err)
			return 1
		}
	}
	fmt.Println("READY", n.URLs.Base())
	select {} // until killed
}

// fakePeer is a remote server with one person, zoe, whose inbox answers
// with a status the test sets, and records every activity it receives.
type fakePeer struct {
	*httptest.Server
	t      testing.TB
	key    domain.KeyPair
	status atomic.Int32
	mu     sync.Mutex
	got    []string // "TYPE ACTOR"
	bodies [][]byte
}

func newFakePeer(t testing.TB) *fakePeer {
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePeer{t: t, key: kp}
	p.status.Store(503)
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/users/zoe":
			w.Header().Set("Content-Type", "application/activity+json")
			w.Write(p.actorDoc())
		case r.Method == "POST" && (r.URL.Path == "/users/zoe/inbox" || r.URL.Path == "/inbox"):
			b, _ := io.ReadAll(r.Body)
			var a struct{ Type, Actor string }
			json.Unmarshal(b, &a)
			p.mu.Lock()
			p.got = append(p.got, a.Type+" "+a.Actor)
			p.bodies = append(p.bodies, b)
			p.mu.Unlock()
			w.WriteHeader(int(p.status.Load()))
		default:
			t.Errorf("fake peer: unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(404)
		}
	}))
	p.Start() // after p.Server is set: the handler reads p.URL
	t.Cleanup(p.Close)
	return p
}

func (p *fakePeer) zoe() string { return p.URL + "/users/zoe" }

func (p *fakePeer) actorDoc() []byte {
	b, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": p.zoe(), "type": "Person", "preferredUsername": "zoe",
		"inbox": p.zoe() + "/inbox", "endpoints": map[string]string{"sharedInbox": p.URL + "/inbox"},
		"publicKey": map[string]string{"id": p.zoe() + "#main-key", "owner": p.zoe(), "publicKeyPem": p.key.PublicPEM},
	})
	return b
}

func (p *fakePeer) received(typ string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, g := range p.got {
		if strings.HasPrefix(g, typ+" ") {
			n++
		}
	}
	return n
}

// follow POSTs a signed Follow of target from zoe and returns the status.
func (p *fakePeer) follow(target, inbox, id string) int {
	return p.send(inbox, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": p.URL + "/follows/" + id,
		"type": "Follow", "actor": p.zoe(), "object": target})
}

// activities returns the activities of a type the peer received, decoded.
func (p *fakePeer) activities(typ string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, b := range p.bodies {
		m := map[string]any{}
		if json.Unmarshal(b, &m) == nil && m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

// send POSTs an activity from zoe, signed with her key, and returns the status.
func (p *fakePeer) send(inbox string, activity map[string]any) int {
	body, _ := json.Marshal(activity)
	req, _ := http.NewRequest("POST", inbox, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/activity+json")
	key, _ := domain.ParsePrivateKeyPEM(p.key.PrivatePEM)
	if err := httpsig.Sign(req, body, p.zoe()+"#main-key", key, time.Now()); err != nil {
		p.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// startChild starts a node process and waits for its base URL.
func startChild(t *testing.T, env ...string) (*exec.Cmd, string) { return startChildB(t, env...) }

// startChildB is startChild for tests and benchmarks.
func startChildB(t testing.TB, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "LERNEJO_NODE_CHILD=1"), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		t.Fatalf("child: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return cmd, strings.TrimSpace(strings.TrimPrefix(line, "READY "))
}

// TestSIGKILLLosesNothingAcknowledged (HOSTILE D1, D2): a node with a
// delivery pending to a host that is down, and an inbox activity it just
// answered 202, is killed with SIGKILL. On restart the delivery is still
// queued and is sent once the host answers, and the activity is processed.
func TestSIGKILLLosesNothingAcknowledged(t *testing.T) {
	dir := t.TempDir()
	peer := newFakePeer(t)
	// Both lives of the node listen on one address, so its URL stays the same.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := "LERNEJO_CHILD_LISTEN=" + ln.Addr().String()
	ln.Close()

	first, base := startChild(t, listen, "LERNEJO_CHILD_DATA="+dir, "LERNEJO_CHILD_FOLLOW="+peer.zoe())
	eventually(t, "the Follow reaches the peer, which answers 503", func() bool { return peer.received("Follow") >= 1 })
	course := base + "/courses/" + DemoCourse
	if status := peer.follow(course, base+"/inbox", "1"); status != 202 {
		t.Fatalf("zoe's Follow: %d", status)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	// The killed node's data: bea's Follow is still queued for the peer.
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	st.View(context.Background(), func(tx domain.Tx) error {
		ds, _ := tx.Deliveries()
		for _, d := range ds {
			a, err := tx.Activity(d.ActivityID)
			var typ struct{ Type string }
			if err == nil && json.Unmarshal(a.JSON, &typ) == nil && typ.Type == "Follow" {
				pending++
			}
		}
		return nil
	})
	st.Close()
	if pending != 1 {
		t.Fatalf("%d pending Follow deliveries after SIGKILL, want 1", pending)
	}

	// The host is back; restart with the clock past the retry time.
	peer.status.Store(202)
	followsBefore := peer.received("Follow")
	_, base2 := startChild(t, listen, "LERNEJO_CHILD_DATA="+dir, "LERNEJO_CHILD_CLOCK=5m")
	if base2 != base {
		t.Fatalf("the node came back as %s, not %s", base2, base)
	}
	eventually(t, "the pending Follow is delivered after the restart", func() bool { return peer.received("Follow") > followsBefore })
	eventually(t, "zoe's Follow, answered 202 before the kill, is accepted", func() bool { return peer.received("Accept") >= 1 })
	if fc := getJSON(t, course+"/followers", asAccept); fc["totalItems"] != float64(1) {
		t.Fatalf("followers after restart: %v", fc)
	}
}

// announced returns the distinct objects the peer received Announces of.
func (p *fakePeer) announced() map[string]bool {
	out := map[string]bool{}
	for _, a := range p.activities("Announce") {
		if o, ok := a["object"].(string); ok {
			out[o] = true
		}
	}
	return out
}

// signedGet fetches a document with a GET signed by zoe's key.
func (p *fakePeer) signedGet(t *testing.T, u string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", "application/activity+json")
	key, _ := domain.ParsePrivateKeyPEM(p.key.PrivatePEM)
	if err := httpsig.Sign(req, nil, p.zoe()+"#main-key", key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m := map[string]any{}
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}
