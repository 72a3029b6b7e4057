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

// saysIn checks that body says each of says and none of the English
// phrases notEnglish (the pages' own text, not what people wrote).
func saysIn(t *testing.T, page, body string, says, notEnglish []string) {
	t.Helper()
	for _, w := range says {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not say %q", page, w)
		}
	}
	for _, w := range notEnglish {
		if strings.Contains(body, w) {
			t.Errorf("%s still says %q in English", page, w)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", page, body)
	}
}

// TestOperatorPagesInEsperanto: the operator's pages, a school's page, a
// badge's award and a refused badge form are written in Esperanto for a
// browser that asks for it, with the node's default kinds in Esperanto;
// notices and refusals (a service's error, a field's name in it, fiber's
// own 404) are Esperanto too.
func TestOperatorPagesInEsperanto(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login(node.DemoOrganiser, n.adaPW, "/"), "/")
	eo := func(path string) string {
		t.Helper()
		resp, body := ada.getIn(path, "eo")
		wantStatus(t, "GET "+path, resp, body, http.StatusOK)
		return body
	}
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		form.Set("_csrf", ada.csrf("/admin/settings"))
		resp, _ := ada.post(path, form, "Accept-Language", "eo")
		return resp
	}

	saysIn(t, "the settings", eo("/admin/settings"),
		[]string{"<title>Agordoj", "Ĉi tiu nodo", "Blokitaj domajnoj", "Ĉiu rajtas registriĝi", "Neniuj raportoj.", "Uzantoj: suspendi kaj malsuspendi kontojn"},
		[]string{"This node", "Blocked domains", "Anyone may sign up", "No reports.", "Preselected kind", ">Save<", ">Block<", "Reason (for your records)"})

	// A notice, a refusal of the service and a refusal naming a field.
	wantRedirect(t, "block", post("/admin/blocks", url.Values{"domain": {"spam.example"}, "reason": {"spam"}}), "/admin/settings")
	saysIn(t, "the settings after a block", eo("/admin/settings"),
		[]string{"La domajno estas blokita.", "Malbloki"}, []string{"The domain is blocked.", ">Unblock<"})
	wantRedirect(t, "bad settings", post("/admin/settings", url.Values{"name": {"Lernejo"}, "kinds": {""}}), "/admin/settings")
	saysIn(t, "the settings refused", eo("/admin/settings"),
		[]string{"La nodo bezonas almenaŭ unu specon de agado."}, []string{"The node needs at least one activity kind."})

	saysIn(t, "the users", eo("/admin/users"),
		[]string{"<title>Uzantoj", "Identigilo", "administranto", "Ĉu suspendi @", "Reen al la agordoj"},
		[]string{">Handle<", ">operator<", ">member<", ">Suspend<", "Back to the settings", "Accounts table"})
	wantRedirect(t, "suspend oneself", post("/admin/users/suspend", url.Values{"handle": {node.DemoOrganiser}}), "/admin/users")
	saysIn(t, "the users after a refusal", eo("/admin/users"),
		[]string{"Vi ne povas suspendi vian propran konton."}, []string{"You cannot suspend your own account."})

	saysIn(t, "the schools", eo("/admin/schools"),
		[]string{"Nova lernejo", "Krei lernejon", "Fermi: School of Webcraft", "Ĉu fermi School of Webcraft?"},
		[]string{"New school", "Create school", "Retire School", "At most 100 characters.", "No schools yet."})
	resp, body := ada.post("/admin/schools", url.Values{"_csrf": {ada.csrf("/admin/schools")}, "handle": {"arto"}, "name": {""},
		"organisers": {node.DemoOrganiser}}, "Accept-Language", "eo")
	wantStatus(t, "a school without a name", resp, body, 422)
	saysIn(t, "the refused school", body,
		[]string{"La nomo de la lernejo estas necesa.", `aria-invalid="true"`}, []string{"The school name is required.", "school name"})

	// The school's page: the default kind "Course" reads "kursoj", the
	// demo course's kind "Study Group" reads "Studrondo".
	saysIn(t, "the school", eo("/schools/"+node.DemoSchool),
		[]string{"por aŭdi pri ĝiaj novaj kursoj", "Studrondo", "Organizantoj:", "La bildo de la lernejo", "Konservi la profilon"},
		[]string{"follow this school", "Study Group", "Organisers:", "The school's picture", "Save the profile", " courses"})

	// A badge's award, with the organiser's form to revoke it.
	ctx := context.Background()
	var badgeID string
	n.Store.View(ctx, func(tx domain.Tx) error {
		bs, err := tx.Badges(node.DemoCourse)
		if len(bs) > 0 {
			badgeID = bs[0].ID
		}
		return err
	})
	award, err := n.Services.Badges.Award(ctx, node.DemoOrganiser, badgeID, "https://remote.test/users/rae")
	if err != nil {
		t.Fatal(err)
	}
	saysIn(t, "the award", eo("/awards/"+award.ID),
		[]string{"Aljuĝita al <a href=\"https://remote.test/users/rae\">", "Nuligi…", "Kialo de la nuligo"},
		[]string{"Awarded to", "Revoke", "Reason for revoking"})

	// A refused badge form, its field's name translated with its message.
	resp, body = ada.post("/courses/"+node.DemoCourse+"/badges", url.Values{"_csrf": {ada.csrf("/courses/" + node.DemoCourse + "/manage")},
		"name": {""}, "criteria": {"all_tasks"}}, "Accept-Language", "eo")
	wantStatus(t, "a badge without a name", resp, body, 422)
	saysIn(t, "the refused badge", body,
		[]string{"Nova insigno", "La nomo de la insigno estas necesa.", "Plenumo de ĉiu tasko", "Krei insignon"},
		[]string{"New badge", "badge name", "Completing every task", "Create badge", "Votes needed"})

	// fiber's own 404, and a domain error on the error page.
	resp, body = ada.getIn("/no/such/page", "eo")
	wantStatus(t, "no such page", resp, body, http.StatusNotFound)
	saysIn(t, "the 404", body, []string{"Ne ekzistas tia paĝo ĉi tie.", "Reen al la komenca paĝo"}, []string{"Cannot GET", "Not Found"})
	resp, body = ada.getIn("/schools/nowhere", "eo")
	wantStatus(t, "no such school", resp, body, http.StatusNotFound)
	if strings.Contains(body, "not found") || strings.Contains(body, "There is no") {
		t.Errorf("the school's 404 is in English:\n%s", body)
	}
}

// TestOperatorsOwnKindsStayAsTyped: a kind the operator typed is theirs
// and reads as typed in every language, while the default kinds are
// translated; in English nothing changes.
func TestOperatorsOwnKindsStayAsTyped(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login(node.DemoOrganiser, n.adaPW, "/"), "/")
	if _, body := ada.get("/schools/" + node.DemoSchool); !strings.Contains(body, "to hear about its new courses") || !strings.Contains(body, `<span class="kind">Study Group</span>`) {
		t.Errorf("the English school page changed:\n%s", body)
	}
	resp, _ := ada.post("/admin/settings", url.Values{"_csrf": {ada.csrf("/admin/settings")}, "name": {"Lernejo"},
		"kinds": {"Workshop\nStudy Group"}, "default_kind": {"Workshop"}, "registration_open": {"1"}})
	wantRedirect(t, "save kinds", resp, "/admin/settings")
	_, body := ada.getIn("/schools/"+node.DemoSchool, "eo")
	saysIn(t, "the school with the operator's kind", body,
		[]string{"por aŭdi pri ĝiaj novaj workshops", `<span class="kind">Studrondo</span>`}, []string{"kursoj"})
}
