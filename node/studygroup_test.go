package node

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
)

// Names of TestStudyGroupAcrossThreeNodes.
const (
	circle       = "loops-circle"   // the study group on B
	circleAgain  = "loops-circle-2" // its next run
	circleTitle  = "Loops reading circle"
	sessionTitle = "Weekly loops session"
)

// inboxTap stands in front of a node as its public address (Config.URL)
// and passes every request on to the node's listener, keeping the body
// of every inbox POST the node answered 202: what the node received, as
// a count of deliveries rather than of what it chose to keep.
type inboxTap struct {
	*httptest.Server
	target atomic.Pointer[url.URL]
	mu     sync.Mutex
	got    [][]byte
}

func newInboxTap(t *testing.T) *inboxTap {
	tap := &inboxTap{}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(tap.target.Load())
		r.Out.Host = r.In.Host // the node checks signatures over its own host
	}}
	tap.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "inbox") {
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		rec := &statusRecorder{ResponseWriter: w}
		proxy.ServeHTTP(rec, r)
		if rec.status == http.StatusAccepted {
			tap.mu.Lock()
			tap.got = append(tap.got, body)
			tap.mu.Unlock()
		}
	}))
	t.Cleanup(tap.Close)
	return tap
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// tappedNode starts a node whose public address is a tap in front of it.
func tappedNode(t *testing.T, person string) (*Node, *inboxTap) {
	t.Helper()
	tap := newInboxTap(t)
	n := startNode(t, Config{URL: tap.URL, AllowPrivateNetworks: true})
	tap.target.Store(&url.URL{Scheme: "http", Host: n.Addr()})
	if err := n.Services.Accounts.Register(context.Background(), &domain.Person{Handle: person, DisplayName: person, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	return n, tap
}

// reminders counts, by note id, the Creates of a note whose content
// names the title that reached the tapped node.
func (tap *inboxTap) reminders(title string) map[string]int {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	var acts []map[string]any
	for _, b := range tap.got {
		a := map[string]any{}
		if json.Unmarshal(b, &a) == nil {
			acts = append(acts, a)
		}
	}
	return reminderNotesIn(acts, title)
}

// reminderNotesIn counts, by note id, the Creates of a note naming title.
func reminderNotesIn(acts []map[string]any, title string) map[string]int {
	out := map[string]int{}
	for _, a := range acts {
		obj, _ := a["object"].(map[string]any)
		if content, _ := obj["content"].(string); a["type"] == "Create" && obj["type"] == "Note" && strings.Contains(content, title) {
			id, _ := obj["id"].(string)
			out[id]++
		}
	}
	return out
}

// organiserWeb is B's organiser in a browser: a session put in B's store
// while it was down, its cookie and CSRF token on every form.
type organiserWeb struct {
	t       *testing.T
	base    string
	session *domain.Session
	client  *http.Client
}

// post sends a form and returns the status and the redirect's target.
func (o *organiserWeb) post(path string, form url.Values) (int, string) {
	o.t.Helper()
	form.Set("_csrf", o.session.CSRF)
	return o.send(path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// postMultipart sends a form as multipart/form-data (as the badge form
// is, for its image), and checks it was taken.
func (o *organiserWeb) postMultipart(path string, form url.Values) {
	o.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", o.session.CSRF)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	w.Close()
	o.send(path, w.FormDataContentType(), &body)
}

// send POSTs body as the organiser and checks the form was taken (a
// redirect); it returns the status and the redirect's target.
func (o *organiserWeb) send(path, contentType string, body io.Reader) (int, string) {
	o.t.Helper()
	req, _ := http.NewRequest("POST", o.base+path, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Cookie", "lernejo_session="+o.session.ID)
	resp, err := o.client.Do(req)
	if err != nil {
		o.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		o.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, resp.Header.Get("Location")
}

// page GETs a page of B as the organiser.
func (o *organiserWeb) page(path string) string {
	o.t.Helper()
	req, _ := http.NewRequest("GET", o.base+path, nil)
	req.Header.Set("Cookie", "lernejo_session="+o.session.ID)
	resp, err := o.client.Do(req)
	if err != nil {
		o.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		o.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// withStore opens a stopped node's data and runs f in one transaction.
func withStore(t *testing.T, dir string, f func(tx domain.Tx) error) {
	t.Helper()
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

// TestStudyGroupAcrossThreeNodes (issue 17): a study group on B, a child
// process killed with SIGKILL at will, with ada learning from A, cai from
// C and zoe from a Mastodon-like server that signs what it sends and
// verifies what it gets. B's organiser, through B's web forms, creates
// and opens the group and plans a weekly session; A and C keep it as a
// remote meeting and zoe gets the Event. Ada answers going on A (an
// Accept), cai maybe on C (a TentativeAccept), zoe replies "yes": B
// counts all three. The reminder is made due and B is killed around its
// rounds again and again: A, C and zoe each get exactly one reminder
// note. The organiser marks ada and cai as having come, which B still
// shows after a kill. The organiser adds a task that asks for peer review
// and a badge that needs one approval; ada submits work from A, cai
// reviews it from C, and the badge B awards shows on A. The group runs
// again: the new run's page links the
// old, the old run's actor names the new one, and A gets the invitation.
func TestStudyGroupAcrossThreeNodes(t *testing.T) {
	ctx := context.Background()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 3))

	a, tapA := tappedNode(t, "ada")
	c, tapC := tappedNode(t, "cai")
	zoe := newFakeMastodon(t)

	// B: one address and one data directory across all its lives.
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"LERNEJO_CHILD_LISTEN=" + ln.Addr().String(), "LERNEJO_CHILD_DATA=" + dir}
	ln.Close()
	var child *exec.Cmd
	var base string
	start := func(extra ...string) {
		t.Helper()
		var b string
		child, b = startChild(t, append(env[:2:2], extra...)...)
		if base != "" && b != base {
			t.Fatalf("B came back as %s, not %s", b, base)
		}
		base = b
	}
	kill := func() {
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
	}

	// B's first life seeds it; while it is down its organiser gets a session.
	start()
	kill()
	sess, err := domain.NewSession(DemoOrganiser, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	withStore(t, dir, func(tx domain.Tx) error { return tx.PutSession(sess) })
	org := &organiserWeb{t: t, session: sess, client: &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	start()
	org.base = base
	urlsB, _ := federation.NewURLs(base)
	course := urlsB.Actor(domain.ActorCourse, circle)
	adaID, caiID := a.URLs.Actor(domain.ActorPerson, "ada"), c.URLs.Actor(domain.ActorPerson, "cai")

	// The organiser creates the study group as a draft and opens it.
	if _, to := org.post("/new/course", url.Values{"handle": {circle}, "title": {circleTitle},
		"summary": {"We read about loops together, one chapter a week."}, "status": {string(domain.StatusDraft)},
		"signup": {string(domain.SignUpOpen)}}); to != "/courses/"+circle+"/manage" {
		t.Fatalf("creating the group went to %s", to)
	}
	org.post("/courses/"+circle+"/publish", url.Values{})
	if doc := getJSON(t, course, asAccept); doc["type"] != "Group" {
		t.Fatalf("the opened group's actor: %v", doc)
	}

	// Ada joins from A, cai from C, zoe follows from Mastodon.
	for _, l := range []struct {
		n   *Node
		who string
	}{{a, "ada"}, {c, "cai"}} {
		if _, err := l.n.Services.Enrolment.Enrol(ctx, l.who, course, ""); err != nil {
			t.Fatal(err)
		}
	}
	zoe.send(base+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": zoe.URL + "/follows/circle",
		"type": "Follow", "actor": zoe.zoe(), "object": course})
	eventually(t, "ada, cai and zoe take part in the group", func() bool {
		fa, fc := following(a, "ada", course), following(c, "cai", course)
		return fa != nil && fa.State == domain.FollowAccepted && fc != nil && fc.State == domain.FollowAccepted &&
			len(zoe.delivered("Accept")) == 1
	})

	// A weekly session that starts in half an hour, reminded ten minutes
	// ahead: not due yet.
	first := time.Now().UTC().Add(31 * time.Minute).Truncate(time.Minute)
	_, to := org.post("/courses/"+circle+"/meetings", url.Values{"title": {sessionTitle}, "agenda": {"Chapter one: while"},
		"place": {"https://meet.example/loops"}, "timezone": {"UTC"}, "start": {first.Format("2006-01-02T15:04")},
		"minutes": {"60"}, "repeat": {string(domain.RepeatWeekly)}, "count": {"4"}, "reminder": {"10"}})
	meetingPath, found := strings.CutPrefix(to, "/courses/"+circle+"/meetings/")
	if !found || meetingPath == "" {
		t.Fatalf("planning the meeting went to %s", to)
	}
	meetingID := meetingPath
	event := federation.MeetingURL(urlsB, circle, meetingID)
	eventually(t, "A and C keep the meeting, zoe gets its Event", func() bool {
		for _, cr := range zoe.delivered("Create") {
			if o, _ := cr["object"].(map[string]any); o["id"] == event && o["type"] == "Event" {
				return remoteMeeting(a, event) != nil && remoteMeeting(c, event) != nil
			}
		}
		return false
	})
	if rm := remoteMeeting(c, event); rm.Title != sessionTitle || !rm.Start.Equal(first) || rm.Repeat != domain.RepeatWeekly || rm.Count != 4 {
		t.Fatalf("C's copy of the meeting: %+v", rm)
	}

	// The three answers, from the three kinds of learner.
	if err := a.Services.Meetings.Answer(ctx, "ada", event, "going"); err != nil {
		t.Fatal(err)
	}
	if err := c.Services.Meetings.Answer(ctx, "cai", event, "maybe"); err != nil {
		t.Fatal(err)
	}
	reply := zoe.URL + "/notes/rsvp"
	zoe.send(base+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": reply + "/activity",
		"type": "Create", "actor": zoe.zoe(), "to": []string{course}, "object": map[string]any{"id": reply, "type": "Note",
			"attributedTo": zoe.zoe(), "inReplyTo": event, "content": `<p><span class="h-card"><a href="` + course + `">@` + circle + `</a></span> yes</p>`,
			"to": []string{course}, "published": time.Now().UTC().Format(time.RFC3339)}})
	meetingPage := "/courses/" + circle + "/meetings/" + meetingID
	eventually(t, "B counts the three answers", func() bool {
		_, body := get(t, base+meetingPage, "text/html")
		return strings.Contains(string(body), "2 going · 1 maybe · 0 can&#39;t") || strings.Contains(string(body), "2 going · 1 maybe · 0 can't")
	})

	// The reminder is made due (an hour ahead of a session in half an
	// hour) and B is killed at once, then at random moments of its first
	// round, once as soon as zoe has the note, and at random again.
	org.post(meetingPage+"/edit", url.Values{"title": {sessionTitle}, "agenda": {"Chapter one: while"},
		"place": {"https://meet.example/loops"}, "timezone": {"UTC"}, "start": {first.Format("2006-01-02T15:04")},
		"minutes": {"60"}, "repeat": {string(domain.RepeatWeekly)}, "count": {"4"}, "reminder": {"60"}})
	kill()
	life := func(wait func()) {
		t.Helper()
		start()
		wait()
		kill()
	}
	randomly := func() { time.Sleep(time.Duration(rnd.IntN(40)) * time.Millisecond) }
	zoeReminders := func() map[string]int { return reminderNotesIn(zoe.delivered("Create"), sessionTitle) }
	for range 3 {
		life(randomly)
	}
	life(func() { eventually(t, "zoe gets the reminder", func() bool { return len(zoeReminders()) > 0 }) })
	for range 3 {
		life(randomly)
	}

	// B's last lives run past the session's start (and every delivery's
	// retry time), within the clock skew signatures allow.
	late := "LERNEJO_CHILD_CLOCK=40m"
	start(late)
	eventually(t, "A, C and zoe have the reminder", func() bool {
		return len(tapA.reminders(sessionTitle)) > 0 && len(tapC.reminders(sessionTitle)) > 0 && len(zoeReminders()) > 0
	})
	for name, got := range map[string]func() map[string]int{"A": func() map[string]int { return tapA.reminders(sessionTitle) },
		"C": func() map[string]int { return tapC.reminders(sessionTitle) }, "zoe": zoeReminders} {
		if notes := got(); len(notes) != 1 {
			t.Errorf("%s got %d distinct reminder notes, want one: %v", name, len(notes), notes)
		}
	}
	var note string
	for id := range zoeReminders() {
		note = id
	}
	for name, tap := range map[string]*inboxTap{"A": tapA, "C": tapC} {
		if tap.reminders(sessionTitle)[note] == 0 {
			t.Errorf("%s's reminder is not the note zoe got (%s): %v", name, note, tap.reminders(sessionTitle))
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// The session has begun: the organiser marks ada and cai as come.
	org.post(meetingPage+"/attendance", url.Values{"start": {first.Format("2006-01-02T15:04Z")}, "came": {adaID, caiID}})
	session := meetingPage + "?session=" + url.QueryEscape(first.Format("2006-01-02T15:04Z"))
	kill()
	withStore(t, dir, func(tx domain.Tx) error {
		came, err := tx.Attendance(meetingID, first)
		if err != nil {
			return err
		}
		who := map[string]bool{}
		for _, at := range came {
			who[at.Actor] = true
		}
		if len(came) != 2 || !who[adaID] || !who[caiID] {
			t.Errorf("B keeps the attendance %+v, want ada and cai", came)
		}
		for actor, want := range map[string]domain.RSVPAnswer{adaID: domain.RSVPGoing, caiID: domain.RSVPMaybe, zoe.zoe(): domain.RSVPGoing} {
			if r, err := tx.RSVP(meetingID, actor); err != nil || r.Answer != want {
				t.Errorf("B's record of %s's answer: %+v %v, want %s", actor, r, err, want)
			}
		}
		return nil
	})
	start(late)
	page := org.page(session)
	for _, who := range []string{adaID, caiID} {
		if !strings.Contains(page, `value="`+who+`" checked`) {
			t.Errorf("after a restart the session's page does not show %s as come", who)
		}
	}
	if !strings.Contains(page, `value="`+zoe.zoe()+`">`) || !strings.Contains(page, "Who came (2 marked)") {
		t.Errorf("after a restart the session's page does not show zoe unmarked and two marked")
	}
	if t.Failed() {
		t.Fatalf("the session's page:\n%s", page)
	}

	// Review: ada on A submits work for a task that asks for peer review,
	// cai on C reviews it (a signed Review record), and the badge that
	// needs one approval is awarded on B and shows on A.
	org.post("/courses/"+circle+"/tasks", url.Values{"title": {"Write a loop"}, "body": {"Any loop, with a test."},
		"peer_review": {"1"}, "rubric": {"It runs\nIt reads well"}})
	var taskURL string
	eventually(t, "A caches the task that asks for review", func() bool {
		p, err := a.Services.Enrolment.Remote(ctx, "ada", course, "")
		if err != nil {
			return false
		}
		for _, task := range p.Tasks {
			if task.Title == "Write a loop" {
				taskURL = task.ID
			}
		}
		return taskURL != ""
	})
	org.postMultipart("/courses/"+circle+"/badges", url.Values{"name": {"Reviewed loop"}, "description": {"A loop a fellow learner approved."},
		"criteria": {"reviewed"}, "approvals": {"1"}, "tasks": {taskURL[strings.LastIndex(taskURL, "/")+1:]}})
	if _, err := a.Services.Tasks.Complete(ctx, "ada", course, taskURL, "https://example.org/adas-loop", ""); err != nil {
		t.Fatal(err)
	}
	var work []service.RemoteWork
	eventually(t, "C shows cai ada's work to review", func() bool {
		work, _ = c.Services.Reviews.RemoteWork(ctx, "cai", course)
		return len(work) == 1 && work[0].Learner == adaID
	})
	if err := c.Services.Reviews.ReviewElsewhere(ctx, "cai", work[0].Post, service.ReviewInput{Approve: true, Ratings: []int{5, 4},
		Comment: "Runs, and the test reads well."}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ada's badge for reviewed work shows on A", func() bool {
		var got []*domain.ReceivedBadge
		a.Store.View(ctx, func(tx domain.Tx) error { got, _ = tx.ReceivedBadges("ada"); return nil })
		return len(got) == 1 && got[0].Name == "Reviewed loop"
	})

	// The group runs again: a draft the organiser opens, which invites
	// the old run's followers.
	if _, to := org.post("/courses/"+circle+"/run-again", url.Values{"handle": {circleAgain},
		"starts": {time.Now().UTC().AddDate(0, 2, 0).Format("2006-01-02")}}); to != "/courses/"+circleAgain+"/manage/settings" {
		t.Fatalf("running the group again went to %s", to)
	}
	org.post("/courses/"+circleAgain+"/publish", url.Values{})
	next := urlsB.Actor(domain.ActorCourse, circleAgain)
	if page := string(mustGetBody(t, base+"/courses/"+circleAgain)); !strings.Contains(page, `href="/courses/`+circle+`"`) {
		t.Fatalf("the new run's page does not link the old run:\n%s", page)
	}
	if doc := getJSON(t, course, asAccept); doc["nextRun"] != next {
		t.Fatalf("the old run's actor names %v as its next run, want %s", doc["nextRun"], next)
	}
	if doc := getJSON(t, next, asAccept); doc["previousRun"] != course {
		t.Fatalf("the new run's actor names %v as its previous run, want %s", doc["previousRun"], course)
	}
	eventually(t, "A keeps the old run's invitation to the new one", func() bool {
		var found bool
		a.Store.View(ctx, func(tx domain.Tx) error {
			ps, err := tx.AllPosts()
			for _, p := range ps {
				found = found || p.Author == course && strings.Contains(p.Content, circleAgain)
			}
			return err
		})
		return found
	})
}

// mustGetBody GETs a page and fails unless it answers 200.
func mustGetBody(t *testing.T, u string) []byte {
	t.Helper()
	resp, b := get(t, u, "text/html")
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return b
}
