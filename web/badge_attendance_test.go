package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestAttendanceBadgeForm: the organiser's badge form offers a badge for
// coming to N sessions of the course's meetings; one made with a count is
// kept with it and its badge class says so, and a count that is missing,
// not a number, zero or too many is refused on the field and makes no
// badge.
func TestAttendanceBadgeForm(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	course := "/courses/" + node.DemoCourse
	tab := ada.mustGet(t, course+"/manage/badges")
	for _, want := range []string{`<option value="attendance">Coming to sessions of the meetings</option>`, `name="sessions" type="number"`} {
		if !strings.Contains(tab, want) {
			t.Errorf("the badges tab has no %s", want)
		}
	}
	badges := func() []*domain.Badge {
		var bs []*domain.Badge
		if err := n.Store.View(context.Background(), func(tx domain.Tx) (err error) { bs, err = tx.Badges(node.DemoCourse); return err }); err != nil {
			t.Fatal(err)
		}
		return bs
	}
	before := len(badges())

	for _, bad := range []string{"", "two", "0", "-3", "105"} {
		resp, body := ada.post(course+"/badges", url.Values{"_csrf": {ada.csrf(course + "/manage")},
			"name": {"Regular"}, "criteria": {"attendance"}, "sessions": {bad}})
		wantStatus(t, "sessions "+bad, resp, body, http.StatusUnprocessableEntity)
		for _, want := range []string{"A badge for coming to sessions needs between 1 and 104 sessions.", `id="sessions"`, `aria-invalid="true"`,
			`<option value="attendance" selected>`} {
			if !strings.Contains(body, want) {
				t.Errorf("sessions %q: the form again has no %s", bad, want)
			}
		}
	}
	if got := len(badges()); got != before {
		t.Fatalf("%d badges after refused forms, want %d", got, before)
	}

	resp, _ := ada.post(course+"/badges", url.Values{"_csrf": {ada.csrf(course + "/manage")},
		"name": {"Regular"}, "criteria": {"attendance"}, "sessions": {"2"}, "votes": {"3"}})
	wantRedirect(t, "an attendance badge", resp, course+"/manage/badges")
	var made *domain.Badge
	for _, b := range badges() {
		if b.Name == "Regular" {
			made = b
		}
	}
	if made == nil || made.Criteria != domain.CriteriaAttendance || made.Sessions != 2 {
		t.Fatalf("the badge made: %+v", made)
	}
	if tab := ada.mustGet(t, course+"/manage/badges"); !strings.Contains(tab, "Regular <span class=\"count\">(attendance)</span>") {
		t.Errorf("the badges tab does not list the attendance badge")
	}
	req, _ := http.NewRequest("GET", n.base+"/badges/"+made.ID, nil)
	req.Header.Set("Accept", "application/ld+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct{ Criteria struct{ Narrative string } }
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil || doc.Criteria.Narrative != "Come to 2 sessions of the course's meetings." {
		t.Fatalf("the badge class's criteria: %+v, %v", doc.Criteria, err)
	}
}
