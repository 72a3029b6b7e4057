package browsertest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestJourneyPeerBadgeVotedAndRevoked: an organiser makes a badge that
// fellow learners award by two votes; three people join, two of them vote
// for the third on the course page (a second vote is refused), who then
// finds the badge on their profile. The organiser opens the award's page
// and revokes it with a reason: the page says so, the hosted assertion
// answers revoked with the reason, and the profile no longer shows it.
func TestJourneyPeerBadgeVotedAndRevoked(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)

	ada := b.as("ada", n.Base)
	ada.logIn("ada", n.AdaPassword)
	ada.openOK("/courses/gentle-python/manage/badges")
	ada.fill("New badge name", "Kind Helper")
	ada.fill("Description", "Helped fellow learners.")
	ada.choose("Earned by", "peer")
	ada.fill("Votes needed (for peer badges)", "2")
	ada.pressOK("Create badge")
	ada.sees("Kind Helper (peer)")

	var people []*user
	for _, h := range []string{"pat", "quinn", "rosa"} {
		u := b.as(h, n.Base)
		u.signUp(h, h, pw)
		u.openOK("/courses/gentle-python")
		u.pressOK("Join this Study Group")
		u.sees("You take part in this Study Group")
		people = append(people, u)
	}
	pat, quinn, rosa := people[0], people[1], people[2]

	quinn.openOK("/courses/gentle-python")
	quinn.sees("“Kind Helper” is awarded by fellow learners: 2 votes")
	quinn.choose("Vote for a fellow learner", n.person("pat"))
	quinn.pressOK("Vote for “Kind Helper”")
	quinn.choose("Vote for a fellow learner", n.person("pat"))
	// Refused, and told on the course's page (a flash, forms_test.go).
	quinn.pressOK("Vote for “Kind Helper”")
	if alert, _ := runJS[string](quinn, `(document.querySelector("#flash.error") || {}).innerText || ""`); !strings.Contains(alert, "You have already voted for this learner.") {
		t.Fatalf("a second vote is not refused with a message: %q\n%s", alert, quinn.where())
	}
	pat.openOK("/people/pat")
	pat.sees("No badges yet.")

	rosa.openOK("/courses/gentle-python")
	rosa.choose("Vote for a fellow learner", n.person("pat"))
	rosa.pressOK("Vote for “Kind Helper”")

	pat.openOK("/people/pat")
	pat.sees("Kind Helper")
	var award *domain.Award
	n.view(t, func(tx domain.Tx) error {
		as, err := tx.AwardsOf(n.person("pat"))
		if len(as) == 1 {
			award = as[0]
		}
		return err
	})
	if award == nil {
		t.Fatal("pat holds no award after two votes")
	}

	ada.openOK("/awards/" + award.ID)
	ada.sees("Kind Helper", "Awarded to @pat by A Gentle Introduction to Python")
	ada.reveal("Revoke…") // the one confirm pattern (forms_test.go)
	ada.fill("Reason for revoking", "The votes were traded.")
	ada.pressOK("Revoke this badge")
	ada.sees("This badge was revoked", "The reason: The votes were traded.")

	req, _ := http.NewRequest("GET", n.Base+"/awards/"+award.ID, nil)
	req.Header.Set("Accept", "application/ld+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var as struct {
		Type             string `json:"type"`
		Revoked          bool   `json:"revoked"`
		RevocationReason string `json:"revocationReason"`
	}
	if err := json.Unmarshal(body, &as); err != nil || as.Type != "Assertion" || !as.Revoked || as.RevocationReason != "The votes were traded." {
		t.Fatalf("the assertion after revocation: %s", body)
	}
	pat.openOK("/people/pat")
	pat.sees("No badges yet.")
}
