package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestPeerReviewOnTheTaskPage: the organiser makes a task ask for peer
// review with two criteria; a learner submits work; a fellow learner sees
// it on the task's page, reviews it with a rating per criterion, and the
// learner reads the review there. The learner cannot review their own work
// and someone who does not take part cannot review it: nothing is kept.
func TestPeerReviewOnTheTaskPage(t *testing.T) {
	n := startNode(t, node.Config{})
	course := "/courses/" + node.DemoCourse
	var task *domain.Task
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		ts, err := tx.Tasks(node.DemoCourse)
		if err == nil {
			task = ts[0]
		}
		return err
	})
	taskURL := course + "/tasks/" + task.ID
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	edit := taskURL + "/edit"
	form := url.Values{"_csrf": {ada.csrf(edit)}, "title": {task.Title}, "body": {task.Source}, "peer_review": {"1"},
		"rubric": {"It runs\r\nIt reads well\r\n"}}
	resp, _ := ada.post(edit, form)
	wantRedirect(t, "ask for review", resp, course+"/manage/tasks")
	if page := ada.mustGet(t, edit); !strings.Contains(page, `name="peer_review" value="1" checked`) || !strings.Contains(page, "It reads well") {
		t.Fatal("the task form does not show its review settings")
	}

	learner := func(h string) *browser {
		b := newBrowser(t, n.base)
		resp, body := b.post("/signup", signupForm(b.csrf("/signup"), h))
		wantStatus(t, "sign-up "+h, resp, body, http.StatusSeeOther)
		resp, _ = b.post(course+"/join", url.Values{"_csrf": {b.csrf(course)}})
		wantRedirect(t, h+" joins", resp, course)
		return b
	}
	bea, cem := learner("bea"), learner("cem")
	beaID := n.URLs.Actor(domain.ActorPerson, "bea")
	resp, _ = bea.post(taskURL+"/done", url.Values{"_csrf": {bea.csrf(taskURL)}, "evidence": {"https://example.org/bea"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bea marks the task done: %d", resp.StatusCode)
	}
	reviews := func() int {
		k := 0
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			rs, err := tx.Reviews(node.DemoCourse, task.ID, beaID)
			k = len(rs)
			return err
		})
		return k
	}

	page := section(t, cem.mustGet(t, taskURL), "work")
	if !strings.Contains(page, "@bea") || !strings.Contains(page, `href="https://example.org/bea"`) || !strings.Contains(page, `name="rating1"`) {
		t.Fatalf("cem does not see bea's work with a review form: %s", page)
	}
	if page := bea.mustGet(t, taskURL); strings.Contains(page, `name="learner" value="`+beaID+`"`) {
		t.Error("bea is offered to review her own work")
	}
	own := url.Values{"_csrf": {bea.csrf(taskURL)}, "learner": {beaID}, "approve": {"1"}, "rating0": {"5"}, "rating1": {"5"}}
	resp, _ = bea.post(taskURL+"/reviews", own)
	wantRedirect(t, "bea reviews herself", resp, taskURL+"#work")
	dan := newBrowser(t, n.base)
	resp, body := dan.post("/signup", signupForm(dan.csrf("/signup"), "dan"))
	wantStatus(t, "sign-up dan", resp, body, http.StatusSeeOther)
	own.Set("_csrf", dan.csrf(taskURL))
	resp, _ = dan.post(taskURL+"/reviews", own)
	wantRedirect(t, "dan reviews", resp, taskURL+"#work")
	if got := reviews(); got != 0 {
		t.Fatalf("refused reviews were kept: %d", got)
	}

	review := url.Values{"_csrf": {cem.csrf(taskURL)}, "learner": {beaID}, "approve": {"1"}, "rating0": {"4"}, "rating1": {"3"},
		"comment": {"It runs; name the loop variable better."}}
	resp, _ = cem.post(taskURL+"/reviews", review)
	wantRedirect(t, "cem reviews", resp, taskURL+"#work")
	if got := reviews(); got != 1 {
		t.Fatalf("%d reviews after cem's, want 1", got)
	}
	if page := section(t, cem.mustGet(t, taskURL), "work"); !strings.Contains(page, "You reviewed it and approve.") {
		t.Error("cem's page does not say she reviewed it")
	}
	mine := bea.mustGet(t, taskURL)
	for _, want := range []string{"Reviews of your work", "@cem", "approves", "It runs: 4 of 5", "It reads well: 3 of 5", "name the loop variable better"} {
		if !strings.Contains(mine, want) {
			t.Errorf("bea's task page lacks %q", want)
		}
	}
	resp, _ = cem.post(taskURL+"/reviews", review)
	wantRedirect(t, "cem reviews again", resp, taskURL+"#work")
	if got := reviews(); got != 1 {
		t.Fatalf("a second review by cem was kept: %d", got)
	}
}

// TestReviewedBadgeForm: the Badges tab offers a badge for reviewed work
// with its approvals and lowest mean rating; a count of 0 or a rating
// above 5 is refused on its field and makes nothing; a good one is made
// with the chosen task.
func TestReviewedBadgeForm(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	course := "/courses/" + node.DemoCourse
	if tab := ada.mustGet(t, course+"/manage/badges"); !strings.Contains(tab, `<option value="reviewed">`) || !strings.Contains(tab, `name="min_rating"`) {
		t.Fatal("the badges tab offers no badge for reviewed work")
	}
	var task string
	badges := func() []*domain.Badge {
		var bs []*domain.Badge
		n.Store.View(context.Background(), func(tx domain.Tx) (err error) {
			ts, err := tx.Tasks(node.DemoCourse)
			if err != nil {
				return err
			}
			task = ts[0].ID
			bs, err = tx.Badges(node.DemoCourse)
			return err
		})
		return bs
	}
	before := len(badges())
	for field, bad := range map[string]map[string]string{
		"approvals":  {"approvals": "0", "min_rating": "3"},
		"min_rating": {"approvals": "2", "min_rating": "6"},
	} {
		f := map[string]string{"_csrf": ada.csrf(course + "/manage"), "name": "Reviewed", "criteria": "reviewed", "tasks": task}
		for k, v := range bad {
			f[k] = v
		}
		resp, body := ada.postMultipart(course+"/badges", f)
		wantStatus(t, "bad "+field, resp, body, http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="`+field+`-error"`) || !strings.Contains(body, `<option value="reviewed" selected>`) {
			t.Errorf("bad %s: the form again does not mark the field", field)
		}
	}
	if got := len(badges()); got != before {
		t.Fatalf("refused badges were made: %d, want %d", got, before)
	}
	resp, _ := ada.postMultipart(course+"/badges", map[string]string{"_csrf": ada.csrf(course + "/manage"), "name": "Reviewed",
		"criteria": "reviewed", "tasks": task, "approvals": "2", "min_rating": "3.5"})
	wantRedirect(t, "a badge for reviewed work", resp, course+"/manage/badges")
	var made *domain.Badge
	for _, b := range badges() {
		if b.Name == "Reviewed" {
			made = b
		}
	}
	if made == nil || made.Criteria != domain.CriteriaReviewed || made.Approvals != 2 || made.MinRating != 3.5 || len(made.Tasks) != 1 || made.Tasks[0] != task {
		t.Fatalf("made %+v", made)
	}
}
