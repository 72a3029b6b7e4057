package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// The disk-full tests put the data directory on a tmpfs of a few hundred MiB
// (root only: CI runs as root and sets LERNEJO_REQUIRE_TMPFS, so there they
// cannot be skipped) and fill it, with a file of the test's and through the
// node's own inbox. Before the disk-space guard, the node died of SIGBUS in
// Badger's mmapped files when the disk filled, and again in the replay of
// its logs at the next start.

// mountTmpfs mounts a tmpfs of size bytes on a new directory, unmounted when
// the test ends (after the node, which the test starts later, is closed).
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot mount a tmpfs (%v: %s); the disk-full tests need root", err, strings.TrimSpace(string(out)))
		if os.Getenv("LERNEJO_REQUIRE_TMPFS") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

func freeOn(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// fill writes the file path until the disk has at most leave bytes free
// (leave 0: until the disk is full).
func fill(t *testing.T, path string, leave int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		free := freeOn(t, filepath.Dir(path))
		if free <= leave {
			return
		}
		n := min(int64(len(chunk)), free-leave)
		if _, err := f.Write(chunk[:n]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

// bigNote is a signed Create from zoe of a note of about 60 KB in the course.
func (p *fakePeer) bigNote(course string, i int) (id string, activity map[string]any) {
	id = fmt.Sprintf("%s/notes/big-%d", p.URL, i)
	text := fmt.Sprintf("<p>note %d: %s</p>", i, strings.Repeat("filling the disk ", 3600))
	return id, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
		"actor": p.zoe(), "to": []string{federation.Public}, "cc": []string{course},
		"object": map[string]any{"id": id, "type": "Note", "attributedTo": p.zoe(), "content": text,
			"to": []string{federation.Public}, "cc": []string{course}}}
}

// sendFull POSTs a signed activity and returns the status and Retry-After;
// status 0 when the node could not be reached.
func (p *fakePeer) sendFull(inbox string, activity map[string]any) (int, string) {
	body, _ := json.Marshal(activity)
	req, _ := http.NewRequest("POST", inbox, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/activity+json")
	key, _ := domain.ParsePrivateKeyPEM(p.key.PrivatePEM)
	if err := httpsig.Sign(req, body, p.zoe()+"#main-key", key, time.Now()); err != nil {
		p.t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, ""
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// webClient is a logged-in browser without JavaScript: a cookie jar, and the
// CSRF token of the session.
type webClient struct {
	t     *testing.T
	base  string
	c     *http.Client
	token string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

func logIn(t *testing.T, base, handle, password string) *webClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	w := &webClient{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	w.refreshToken("/login")
	if st := w.post("/login", url.Values{"handle": {handle}, "password": {password}}); st != 303 {
		t.Fatalf("log in as %s: %d", handle, st)
	}
	w.refreshToken("/courses/" + DemoCourse)
	return w
}

func (w *webClient) refreshToken(page string) {
	w.t.Helper()
	resp, err := w.c.Get(w.base + page)
	if err != nil {
		w.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		w.t.Fatalf("no CSRF token on %s", page)
	}
	w.token = string(m[1])
}

// post sends a form with the session's token and returns the status.
func (w *webClient) post(path string, form url.Values) int {
	w.t.Helper()
	form.Set("_csrf", w.token)
	req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.base)
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func healthz(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, body := get(t, base+"/healthz", "")
	return resp.StatusCode, string(body)
}

// TestDiskFullRefusesWorkThenResumes (HOSTILE D12): with the data directory
// on a 320 MiB tmpfs that another file has mostly filled, a learner floods
// the course with 60 KB notes. The node answers 202 until free space goes
// under the watermark, then 503 with Retry-After, journalling nothing; its
// forms answer 503 with a page that says why, /healthz says why, the
// metric says so, and its pages are still served. When the other file is
// deleted the node takes work again by itself, and every note it answered
// 202 for is in the course's discussion: nothing acknowledged is lost, and
// the node never dies.
func TestDiskFullRefusesWorkThenResumes(t *testing.T) {
	disk := mountTmpfs(t, 320<<20)
	const minFree, reserve = 96 << 20, 16 << 20
	var adaPW string
	n := startNode(t, Config{DataDir: filepath.Join(disk, "data"), Demo: true, AllowPrivateNetworks: true,
		MinFreeDisk: minFree, DiskReserve: reserve, DemoOutput: func(_ string, a ...any) { adaPW, _ = a[len(a)-1].(string) }})
	base := n.URLs.Base()
	ada := logIn(t, base, DemoOrganiser, adaPW)
	eventually(t, "the reserve file is written", func() bool {
		fi, err := os.Stat(filepath.Join(disk, "data", "disk-reserve"))
		return err == nil && fi.Size() == reserve
	})
	peer := newFakePeer(t)
	peer.status.Store(202)
	course := base + "/courses/" + DemoCourse
	if st := peer.follow(course, base+"/inbox", "df"); st != 202 {
		t.Fatalf("follow: %d", st)
	}
	eventually(t, "zoe is accepted", func() bool { return peer.received("Accept") >= 1 })

	filler := filepath.Join(disk, "filler")
	fill(t, filler, minFree+8<<20)

	acked := map[string]bool{}
	posted := map[string]bool{} // ada's posts, through the form
	refused, formRefused, lastRetry := 0, 0, ""
	for i := 0; refused < 20 || formRefused == 0; i++ {
		if i > 3000 {
			t.Fatalf("still taking notes after %d (%d acknowledged): the disk never counted as low", i, len(acked))
		}
		if i%10 == 0 {
			text := fmt.Sprintf("Organiser note %d: %s", i, strings.Repeat("more words ", 400))
			switch st := ada.post("/courses/"+DemoCourse+"/posts", url.Values{"text": {text}}); st {
			case 303:
				posted[fmt.Sprintf("Organiser note %d", i)] = true
			case 503:
				formRefused++
			default:
				t.Fatalf("ada's post %d: status %d", i, st)
			}
		}
		id, act := peer.bigNote(course, i)
		switch st, retry := peer.sendFull(base+"/inbox", act); st {
		case 202:
			acked[id] = true
			refused = 0
		case 503:
			refused++
			lastRetry = retry
		default:
			t.Fatalf("note %d: status %d", i, st)
		}
	}
	if len(acked) < 20 || len(posted) < 2 {
		t.Fatalf("only %d notes and %d posts acknowledged before the disk was low", len(acked), len(posted))
	}
	if lastRetry == "" {
		t.Error("503 without Retry-After")
	}
	// The node reclaims space as it processes what it took (compaction
	// drops the journal's deleted items): top the file up, so that what
	// follows sees a disk that is surely low, though not critical.
	fill(t, filler, minFree*3/4)
	time.Sleep(200 * time.Millisecond) // past the guard's refresh
	if st, body := healthz(t, base); st != 503 || !strings.Contains(body, "disk space low") {
		t.Errorf("/healthz while the disk is low: %d %q", st, body)
	}
	if v := scrape(t, n, "lernejo_disk_low"); v != 1 {
		t.Errorf("lernejo_disk_low = %v", v)
	}
	// A form: refused with a page that says why (before the CSRF check, so
	// the bare POST is enough).
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"handle": {"ada"}, "password": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Origin", base)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(page), "short of disk space") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a form while the disk is low: %d %s", resp.StatusCode, page)
	}
	if resp, _ := get(t, course, "text/html"); resp.StatusCode != 200 {
		t.Errorf("the course page while the disk is low: %d", resp.StatusCode)
	}
	journalled := func() int {
		var k int
		n.Store.View(context.Background(), func(tx domain.Tx) error { k, _ = tx.InboxLen(); return nil })
		return k
	}
	before := journalled()
	_, act := peer.bigNote(course, 999999)
	if st, _ := peer.sendFull(base+"/inbox", act); st != 503 {
		t.Errorf("one more note while low: %d", st)
	}
	if after := journalled(); after > before {
		t.Errorf("the journal grew from %d to %d while the disk was low", before, after)
	}

	// Space is freed: the node resumes by itself.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	eventually(t, "/healthz is ok again", func() bool { st, _ := healthz(t, base); return st == 200 })
	id, act := peer.bigNote(course, 1000000)
	if st, _ := peer.sendFull(base+"/inbox", act); st != 202 {
		t.Fatalf("a note once space is back: %d", st)
	}
	acked[id] = true
	missing := func() []string {
		var out []string
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			for id := range acked {
				if _, err := tx.Post(id); err != nil {
					out = append(out, id)
				}
			}
			return nil
		})
		return out
	}
	// Hundreds of 60 KB notes to process, under -race on two shared cores:
	// more time than eventually's.
	for deadline := time.Now().Add(2 * time.Minute); len(missing()) > 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged notes are not in the discussion", len(missing()), len(acked))
		}
	}
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		posts, err := tx.CoursePosts(DemoCourse, 0, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			for prefix := range posted {
				if p.Local && strings.Contains(p.Content, prefix+":") {
					delete(posted, prefix)
				}
			}
		}
		return nil
	})
	if len(posted) > 0 {
		t.Errorf("%d of ada's posts were answered 303 and are not in the discussion", len(posted))
	}
	t.Logf("%d notes acknowledged, all kept; free after: %d MiB", len(acked), freeOn(t, disk)>>20)
}

// TestStartsOnAFullDisk: a node is killed with SIGKILL while holding
// acknowledged notes, the disk is then filled to the last byte, and the
// node is started again. It deletes its reserve file, replays its logs in
// the room that gives, and serves its pages (it used to die of SIGBUS in
// the replay); it takes no new work while the disk is full. Once space is
// freed, it processes its journal, and every note it acknowledged before
// the kill is in the course's discussion.
func TestStartsOnAFullDisk(t *testing.T) {
	disk := mountTmpfs(t, 256<<20)
	data := filepath.Join(disk, "data")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"LERNEJO_CHILD_LISTEN=" + ln.Addr().String(), "LERNEJO_CHILD_DATA=" + data,
		fmt.Sprintf("LERNEJO_CHILD_MIN_FREE=%d", 96<<20), fmt.Sprintf("LERNEJO_CHILD_RESERVE=%d", 64<<20)}
	ln.Close()
	peer := newFakePeer(t)
	peer.status.Store(202)
	child, base := startChild(t, env...)
	course := base + "/courses/" + DemoCourse
	if st := peer.follow(course, base+"/inbox", "full"); st != 202 {
		t.Fatalf("follow: %d", st)
	}
	acked := map[string]bool{}
	for i := range 60 {
		id, act := peer.bigNote(course, i)
		if st, _ := peer.sendFull(base+"/inbox", act); st != 202 {
			t.Fatalf("note %d: %d", i, st)
		}
		acked[id] = true
	}
	eventually(t, "the reserve file is written", func() bool {
		_, err := os.Stat(filepath.Join(data, "disk-reserve"))
		return err == nil
	})
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	fill(t, filepath.Join(disk, "filler"), 0)
	if free := freeOn(t, disk); free > 1<<20 {
		t.Fatalf("the disk still has %d bytes free", free)
	}

	second, base2 := startChild(t, env...) // fails the test if the node does not come up
	if base2 != base {
		t.Fatalf("came back as %s, not %s", base2, base)
	}
	if _, err := os.Stat(filepath.Join(data, "disk-reserve")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the reserve file is still there: %v", err)
	}
	for _, page := range []string{"/", "/courses/" + DemoCourse, "/schools/" + DemoSchool} {
		if resp, _ := get(t, base+page, "text/html"); resp.StatusCode != 200 {
			t.Errorf("GET %s on a full disk: %d", page, resp.StatusCode)
		}
	}
	if st, body := healthz(t, base); st != 503 || !strings.Contains(body, "disk") {
		t.Errorf("/healthz on a full disk: %d %q", st, body)
	}
	_, act := peer.bigNote(course, 1000)
	if st, _ := peer.sendFull(base+"/inbox", act); st != 503 {
		t.Errorf("a note on a full disk: %d", st)
	}

	os.Remove(filepath.Join(disk, "filler"))
	eventually(t, "/healthz is ok once space is freed", func() bool { st, _ := healthz(t, base); return st == 200 })
	eventually(t, "the journal is processed", func() bool {
		resp, body := get(t, base+"/metrics", "")
		return resp.StatusCode == 200 && strings.Contains(string(body), "\nlernejo_inbox_journal 0\n")
	})
	second.Process.Signal(syscall.SIGKILL)
	second.Wait()
	st, err := store.Open(store.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.View(context.Background(), func(tx domain.Tx) error {
		for id := range acked {
			if _, err := tx.Post(id); err != nil {
				t.Errorf("note %s, acknowledged before the kill: %v", id, err)
			}
		}
		return nil
	})
}

// TestOpensReadOnlyOnAFullDiskWithoutAReserve: with no reserve file (the
// operator turned it off) and a disk filled to the last byte after a clean
// stop, the store cannot open for writing. The node opens it read-only and
// serves its pages, says so on /healthz, refuses work, and once space is
// freed reopens the store for writing by itself and takes work again.
func TestOpensReadOnlyOnAFullDiskWithoutAReserve(t *testing.T) {
	disk := mountTmpfs(t, 160<<20)
	cfg := Config{DataDir: filepath.Join(disk, "data"), Demo: true, AllowPrivateNetworks: true, MinFreeDisk: 48 << 20, DiskReserve: -1}
	first := startNode(t, cfg)
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	fill(t, filepath.Join(disk, "filler"), 0)

	n := startNode(t, cfg)
	base := n.URLs.Base()
	if !n.Store.Space().ReadOnly {
		t.Fatalf("opened for writing with %d bytes free", freeOn(t, disk))
	}
	if resp, _ := get(t, base+"/courses/"+DemoCourse, "text/html"); resp.StatusCode != 200 {
		t.Errorf("the course page, read-only: %d", resp.StatusCode)
	}
	if st, body := healthz(t, base); st != 503 || !strings.Contains(body, "read-only") {
		t.Errorf("/healthz, read-only: %d %q", st, body)
	}
	peer := newFakePeer(t)
	peer.status.Store(202)
	if st := peer.follow(base+"/courses/"+DemoCourse, base+"/inbox", "ro"); st != 503 {
		t.Errorf("a Follow, read-only: %d", st)
	}

	os.Remove(filepath.Join(disk, "filler"))
	eventually(t, "the store reopens for writing", func() bool { return !n.Store.Space().ReadOnly })
	if st, _ := healthz(t, base); st != 200 {
		t.Errorf("/healthz after reopening: %d", st)
	}
	if st := peer.follow(base+"/courses/"+DemoCourse, base+"/inbox", "rw"); st != 202 {
		t.Fatalf("a Follow after reopening: %d", st)
	}
	eventually(t, "zoe is accepted", func() bool { return peer.received("Accept") >= 1 })
}

// TestFullDiskAfterACrashWithoutAReserveSaysWhy: killed with SIGKILL, then
// the disk filled to the last byte, with no reserve to give back: the store
// must replay its logs and has no room to. The node does not start, and
// says why (it used to die of SIGBUS reading its logs).
func TestFullDiskAfterACrashWithoutAReserveSaysWhy(t *testing.T) {
	disk := mountTmpfs(t, 128<<20)
	data := filepath.Join(disk, "data")
	env := []string{"LERNEJO_CHILD_LISTEN=127.0.0.1:0", "LERNEJO_CHILD_DATA=" + data,
		fmt.Sprintf("LERNEJO_CHILD_MIN_FREE=%d", 32<<20), "LERNEJO_CHILD_RESERVE=-1"}
	child, _ := startChild(t, env...)
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	fill(t, filepath.Join(disk, "filler"), 0)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "LERNEJO_NODE_CHILD=1"), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the node on a full disk: %v, want exit code 1; output:\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "ERROR ") || !strings.Contains(string(out), "is full") || !strings.Contains(string(out), "free some space") {
		t.Errorf("it does not say why:\n%s", out)
	}
}
