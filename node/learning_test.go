package node

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

func receivedBadges(n *Node, person string) []*domain.ReceivedBadge {
	var out []*domain.ReceivedBadge
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		out, _ = tx.ReceivedBadges(person)
		return nil
	})
	return out
}

// TestCrossNodeStudyGroup: bea on A enrols in gentle-python on B, reads
// B's tasks from A, completes every one from A; B records the completions
// and awards the Python Basics badge; A shows it for bea. The assertion is
// valid Open Badges 2.0; revoking on B shows as revoked on A.
func TestCrossNodeStudyGroup(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	bea := a.URLs.Actor(domain.ActorPerson, "bea")
	if _, err := a.Services.Enrolment.Follow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea enrolled", func() bool { f := following(a, "bea", course); return f != nil && f.State == domain.FollowAccepted })

	// A fetched and cached B's tasks when bea was accepted.
	remoteTasks := func() []*domain.RemoteTask {
		var ts []*domain.RemoteTask
		a.Store.View(ctx, func(tx domain.Tx) error { ts, _ = tx.RemoteTasks(course); return nil })
		return ts
	}
	eventually(t, "A caches B's tasks", func() bool { return len(remoteTasks()) == 3 })
	cached := remoteTasks()
	if cached[0].Title != "Say hello to Python" || cached[2].Title != "Loops and decisions" || !strings.Contains(cached[1].Content, "<pre>") {
		t.Fatalf("cached tasks: %+v", cached[0])
	}
	// B edits a task: A's copy is refreshed from the Update.
	var first *domain.Task
	b.Store.View(ctx, func(tx domain.Tx) error { ts, _ := tx.Tasks(DemoCourse); first = ts[0]; return nil })
	edited := *first
	edited.Title = "Say hello to Python 3"
	if err := b.Services.Tasks.Edit(ctx, DemoOrganiser, &edited); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A refreshes the edited task", func() bool { return remoteTasks()[0].Title == "Say hello to Python 3" })

	for i, task := range cached {
		if _, err := a.Services.Tasks.Complete(ctx, "bea", course, task.ID, "https://example.org/bea/task", "done it"); err != nil {
			t.Fatal(err)
		}
		n := i + 1
		eventually(t, "B records completion", func() bool {
			var cs []*domain.Completion
			b.Store.View(ctx, func(tx domain.Tx) error { cs, _ = tx.CompletionsOf(DemoCourse, bea); return nil })
			return len(cs) == n
		})
	}
	eventually(t, "A receives the badge", func() bool { return len(receivedBadges(a, "bea")) == 1 })
	rb := receivedBadges(a, "bea")[0]
	if rb.Name != "Python Basics" || rb.Issuer != course || rb.Revoked || !strings.HasPrefix(rb.ImageURL, b.URLs.Base()) {
		t.Fatalf("received: %+v", rb)
	}

	// The evidence records are served, signed by bea, checkable against her actor.
	var mine []*domain.Completion
	a.Store.View(ctx, func(tx domain.Tx) error { mine, _ = tx.CompletionsOf(course, bea); return nil })
	if len(mine) != 3 {
		t.Fatalf("A keeps %d of bea's completions", len(mine))
	}
	if rec := getJSON(t, mine[0].ID, asAccept); rec["type"] != "Completion" || rec["proof"] == nil {
		t.Fatalf("completion record: %v", rec)
	}
	beaActor, err := b.Resolver.Actor(ctx, bea)
	if err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, mine[0].ID, asAccept); integrity.VerifyRecord(body, beaActor) != nil {
		t.Fatal("bea's completion record does not verify against her actor")
	}
	// The badge image with the assertion baked in.
	resp, baked := get(t, rb.Assertion+"/badge.png", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("baked badge: %d", resp.StatusCode)
	}
	if got, err := badgepng.Unbake(baked); err != nil || got != rb.Assertion {
		t.Fatalf("baked assertion %q %v", got, err)
	}
	// bea's profile on A shows the badge, linked to its assertion.
	if _, page := get(t, a.URLs.Actor(domain.ActorPerson, "bea"), "text/html"); !strings.Contains(string(page), rb.Assertion) ||
		!strings.Contains(string(page), "Python Basics") {
		t.Fatal("bea's profile does not show her badge")
	}

	// The assertion is a valid Open Badges 2.0 hosted assertion.
	resp, body := get(t, rb.Assertion, "application/ld+json")
	if resp.StatusCode != 200 {
		t.Fatalf("assertion: %d", resp.StatusCode)
	}
	var as federation.OBAssertion
	if err := json.Unmarshal(body, &as); err != nil {
		t.Fatal(err)
	}
	if err := federation.CheckAssertion(as); err != nil {
		t.Fatalf("assertion invalid: %v\n%s", err, body)
	}
	if as.Recipient.Identity != bea || as.Recipient.Type != "url" || as.Revoked || len(as.Evidence) != 3 {
		t.Fatalf("assertion fields: %s", body)
	}
	class := getJSON(t, as.Badge, "application/ld+json")
	if class["type"] != "BadgeClass" || class["name"] != "Python Basics" {
		t.Fatalf("badge class: %v", class)
	}
	issuer := getJSON(t, class["issuer"].(string), "application/ld+json")
	if issuer["type"] != "Issuer" {
		t.Fatalf("issuer: %v", issuer)
	}
	if resp, img := get(t, class["image"].(string), ""); resp.Header.Get("Content-Type") != "image/png" || len(img) < 100 {
		t.Fatalf("badge image: %s %d bytes", resp.Header.Get("Content-Type"), len(img))
	}

	// Revocation on B shows on A.
	var award *domain.Award
	b.Store.View(ctx, func(tx domain.Tx) error {
		bs, _ := tx.Badges(DemoCourse)
		award, _ = tx.AwardOf(bs[0].ID, bea)
		return nil
	})
	if err := b.Services.Badges.Revoke(ctx, DemoOrganiser, award.ID, "awarded by mistake"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A shows the badge revoked", func() bool { r := receivedBadges(a, "bea"); return len(r) == 1 && r[0].Revoked })
	_, body = get(t, rb.Assertion, "application/ld+json")
	if err := json.Unmarshal(body, &as); err != nil || !as.Revoked || as.RevocationReason != "awarded by mistake" {
		t.Fatalf("revoked assertion: %s", body)
	}

	// Undoing a completion on A removes it on B.
	if err := a.Services.Tasks.Redo(ctx, "bea", course, cached[0].ID); err != nil {
		t.Fatal(err)
	}
	onB := func() int {
		var cs []*domain.Completion
		b.Store.View(ctx, func(tx domain.Tx) error { cs, _ = tx.CompletionsOf(DemoCourse, bea); return nil })
		return len(cs)
	}
	eventually(t, "B removes the completion", func() bool { return onB() == 2 })

	// Restarting the self-paced course on A takes back the other two on B;
	// A keeps all three attempts, named as B's tasks are.
	if n, err := a.Services.Tasks.RestartCourse(ctx, "bea", course); err != nil || n != 2 {
		t.Fatalf("restart on A: %d set aside, %v", n, err)
	}
	eventually(t, "B removes the restarted completions", func() bool { return onB() == 0 })
	var past []*domain.PastCompletion
	a.Store.View(ctx, func(tx domain.Tx) (err error) { past, err = tx.PastCompletions(course, bea); return err })
	if len(past) != 3 || past[0].Title != "Say hello to Python 3" || past[0].Evidence != "https://example.org/bea/task" {
		t.Fatalf("A's earlier attempts: %+v", past)
	}

	// B's course gets dates; A learns them from its Update and refuses to
	// restart it.
	var co *domain.Course
	b.Store.View(ctx, func(tx domain.Tx) (err error) { co, err = tx.Course(DemoCourse); return err })
	co.Starts = time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)
	if err := b.Services.Courses.Update(ctx, DemoOrganiser, co); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A caches the course's dates", func() bool {
		var ra *domain.RemoteActor
		a.Store.View(ctx, func(tx domain.Tx) (err error) { ra, err = tx.RemoteActor(course); return err })
		return ra != nil && ra.Starts.Equal(co.Starts)
	})
	if _, err := a.Services.Tasks.Complete(ctx, "bea", course, cached[0].ID, "", ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B records the new completion", func() bool { return onB() == 1 })
	if _, err := a.Services.Tasks.RestartCourse(ctx, "bea", course); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("restarting a course with dates from A: %v, want EFORBIDDEN", err)
	}
}

// TestPeerAwardedBadge: a badge awarded after two votes from enrolled learners.
func TestPeerAwardedBadge(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	for _, h := range []string{"bea", "cem", "dan"} {
		if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: h, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Services.Enrolment.EnrolLocal(ctx, h, DemoCourse, ""); err != nil {
			t.Fatal(err)
		}
	}
	badge := &domain.Badge{Issuer: DemoCourse, Name: "Helpful Peer", Criteria: domain.CriteriaPeer, Votes: 2}
	if err := n.Services.Badges.Add(ctx, DemoOrganiser, badge); err != nil {
		t.Fatal(err)
	}
	dan := n.URLs.Actor(domain.ActorPerson, "dan")
	if err := n.Services.Badges.Vote(ctx, "dan", badge.ID, dan); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("self-vote: %v", err)
	}
	held := func() bool {
		var err error
		n.Store.View(ctx, func(tx domain.Tx) error { _, err = tx.AwardOf(badge.ID, dan); return nil })
		return err == nil
	}
	if err := n.Services.Badges.Vote(ctx, "bea", badge.ID, dan); err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Badges.Vote(ctx, "bea", badge.ID, dan); domain.ErrorCode(err) != domain.ECONFLICT { // the same voter twice is refused
		t.Fatalf("second vote: %v", err)
	}
	if held() {
		t.Fatal("awarded after one voter")
	}
	if err := n.Services.Badges.Vote(ctx, "cem", badge.ID, dan); err != nil {
		t.Fatal(err)
	}
	if !held() {
		t.Fatal("not awarded after two voters")
	}
}

// TestTaskRevisions: edit a task twice, restore the first version.
func TestTaskRevisions(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	var task *domain.Task
	n.Store.View(ctx, func(tx domain.Tx) error { ts, _ := tx.Tasks(DemoCourse); task = ts[0]; return nil })
	original := task.Title
	for _, title := range []string{"Say hello", "Say hello to Python 3"} {
		edit := *task
		edit.Title = title
		edit.Body = `<p>New text</p><script>alert(1)</script>`
		if err := n.Services.Tasks.Edit(ctx, DemoOrganiser, &edit); err != nil {
			t.Fatal(err)
		}
	}
	var got *domain.Task
	var revs []*domain.TaskRevision
	n.Store.View(ctx, func(tx domain.Tx) error {
		got, _ = tx.Task(DemoCourse, task.ID)
		revs, _ = tx.TaskRevisions(DemoCourse, task.ID)
		return nil
	})
	if got.Title != "Say hello to Python 3" || strings.Contains(got.Body, "<script") || len(revs) != 2 {
		t.Fatalf("after two edits: %+v, %d revisions", got, len(revs))
	}
	restored, err := n.Services.Tasks.Restore(ctx, DemoOrganiser, DemoCourse, task.ID, 1)
	if err != nil || restored.Title != original {
		t.Fatalf("restore: %+v %v", restored, err)
	}
	e := *got
	if err := n.Services.Tasks.Edit(ctx, "mallory", &e); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("edit by a non-organiser: %v", err)
	}
}

// TestTaskRestoreAndReorderFederate: bea on A follows gentle-python on B,
// whose tasks A caches. B's organiser, through the manage page's forms,
// restores an earlier version of a task and moves the last task up: A's
// cached copies show the restored title and the new order (the forms
// changed B alone before: they did not send Update{Page}).
func TestTaskRestoreAndReorderFederate(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, Config{AllowPrivateNetworks: true})
	var adaPW string
	b := startNode(t, Config{AllowPrivateNetworks: true, Demo: true, DemoOutput: func(_ string, args ...any) { adaPW, _ = args[len(args)-1].(string) }})
	if err := a.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	if _, err := a.Services.Enrolment.Follow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	cached := func() []*domain.RemoteTask {
		var ts []*domain.RemoteTask
		a.Store.View(ctx, func(tx domain.Tx) error { ts, _ = tx.RemoteTasks(course); return nil })
		return ts
	}
	eventually(t, "A caches B's three tasks", func() bool { return len(cached()) == 3 })
	var tasks []*domain.Task
	b.Store.View(ctx, func(tx domain.Tx) error { tasks, _ = tx.Tasks(DemoCourse); return nil })
	original := tasks[0].Title
	edited := *tasks[0]
	edited.Title = "Hello, Python"
	if err := b.Services.Tasks.Edit(ctx, DemoOrganiser, &edited); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A sees the edit", func() bool { return cached()[0].Title == "Hello, Python" })

	ada := logIn(t, b.URLs.Base(), DemoOrganiser, adaPW)
	manage := "/courses/" + DemoCourse
	if st := ada.post(manage+"/tasks/"+tasks[0].ID+"/restore", url.Values{"rev": {"1"}}); st != 303 {
		t.Fatalf("restore: %d", st)
	}
	eventually(t, "A sees the restored version", func() bool { return cached()[0].Title == original })
	if st := ada.post(manage+"/tasks/"+tasks[2].ID+"/move", url.Values{"dir": {"up"}}); st != 303 {
		t.Fatalf("move: %d", st)
	}
	eventually(t, "A lists the tasks in B's new order", func() bool {
		c := cached()
		return len(c) == 3 && strings.HasSuffix(c[1].ID, "/"+tasks[2].ID) && strings.HasSuffix(c[2].ID, "/"+tasks[1].ID)
	})
}

// TestNewTaskReachesLearnersElsewhere: a task the organiser adds after a
// learner on another Lernejo node joined reaches that node (Add{Page} to
// the course's tasks collection), which lists it with the others and tells
// the learner; an edit of the task then tells no one again.
func TestNewTaskReachesLearnersElsewhere(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, Config{AllowPrivateNetworks: true})
	b := startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	if err := a.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	if _, err := a.Services.Enrolment.Follow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	cached := func() []*domain.RemoteTask {
		var ts []*domain.RemoteTask
		a.Store.View(ctx, func(tx domain.Tx) error { ts, _ = tx.RemoteTasks(course); return nil })
		return ts
	}
	told := func() []*domain.Notification {
		p, err := a.Services.Notifications.List(ctx, "bea", "")
		if err != nil {
			t.Fatal(err)
		}
		var out []*domain.Notification
		for _, n := range p.Items {
			if n.Kind == domain.NotifyTask {
				out = append(out, n.Notification)
			}
		}
		return out
	}
	eventually(t, "A caches B's three tasks", func() bool { return len(cached()) == 3 })
	if n := told(); len(n) != 0 {
		t.Fatalf("the tasks cached at joining told bea %d times", len(n))
	}

	task := &domain.Task{Course: DemoCourse, Title: "Write a small game", Source: "Guess a number between 1 and 10."}
	if err := b.Services.Tasks.Add(ctx, DemoOrganiser, task); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A lists the new task fourth", func() bool {
		c := cached()
		return len(c) == 4 && c[3].Title == "Write a small game" && c[3].Position == 4 &&
			strings.Contains(c[3].Content, "Guess a number")
	})
	eventually(t, "bea is told of the new task", func() bool { return len(told()) == 1 })
	if n := told()[0]; n.Subject != "Write a small game" || !strings.HasSuffix(n.URL, "/tasks/"+task.ID) || n.Actor != course {
		t.Fatalf("the notification: %+v", n)
	}

	edited := *task
	edited.Title = "Write a tiny game"
	if err := b.Services.Tasks.Edit(ctx, DemoOrganiser, &edited); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A sees the edit", func() bool { c := cached(); return len(c) == 4 && c[3].Title == "Write a tiny game" })
	if n := told(); len(n) != 1 {
		t.Fatalf("an edit told bea again: %d notifications", len(n))
	}
}
