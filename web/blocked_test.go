package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestBlockedLearnerCannotEnrolAgain: an organiser blocks a learner of this
// node from the course; the learner's "Join" is refused, and they are not
// enrolled (they could post again before: the inbox's admission checked the
// block list, the local enrolment did not).
func TestBlockedLearnerCannotEnrolAgain(t *testing.T) {
	n := startNode(t, node.Config{})
	course := "/courses/" + node.DemoCourse
	bea := newBrowser(t, n.base)
	resp, body := bea.post("/signup", signupForm(bea.csrf("/signup"), "bea"))
	wantStatus(t, "sign-up", resp, body, 303)
	resp, body = bea.post(course+"/join", url.Values{"_csrf": {bea.csrf(course)}})
	wantRedirect(t, "join", resp, course)

	beaID := n.URLs.Actor(domain.ActorPerson, "bea")
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	resp, _ = ada.post(course+"/block", url.Values{"_csrf": {ada.csrf(course + "/manage")}, "actor": {beaID}})
	wantRedirect(t, "block", resp, course+"/manage/progress")
	enrolled := func() bool {
		var ok bool
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			_, ok, _ = domain.Found(tx.Follower(node.DemoCourse, beaID))
			return nil
		})
		return ok
	}
	if enrolled() {
		t.Fatal("still enrolled after the block")
	}
	// Refused, and told so on the course's page, once.
	resp, _ = bea.post(course+"/join", url.Values{"_csrf": {bea.csrf(course)}})
	wantRedirect(t, "join after the block", resp, course)
	if _, body = bea.get(course); !strings.Contains(body, `<div class="flash error" id="flash" role="alert">`) {
		t.Errorf("the course page does not say the join was refused: %s", body)
	}
	if _, body = bea.get(course); strings.Contains(body, `id="flash"`) {
		t.Error("the refusal is shown again on reload")
	}
	if enrolled() {
		t.Fatal("the blocked learner enrolled again")
	}
}
