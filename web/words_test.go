package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

var kindSelect = regexp.MustCompile(`(?s)<select id="kind" name="kind">(.*?)</select>`)
var kindOption = regexp.MustCompile(`<option( selected)?>([^<]*)</option>`)

// submittedKind is the kind a browser sends from the course form in page:
// the selected option, or the first when none is selected.
func submittedKind(t *testing.T, page string) string {
	t.Helper()
	m := kindSelect.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no kind select in %s", page)
	}
	opts := kindOption.FindAllStringSubmatch(m[1], -1)
	if len(opts) == 0 {
		t.Fatalf("kind select without options: %s", m[0])
	}
	for _, o := range opts {
		if o[1] != "" {
			return html.UnescapeString(o[2])
		}
	}
	return html.UnescapeString(opts[0][2])
}

func demoCourse(t *testing.T, n *testNode) *domain.Course {
	t.Helper()
	var c *domain.Course
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		c, err = tx.Course(node.DemoCourse)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOperatorsWords: with the operator's one word "Challenge", the pages,
// buttons, footer and error messages say challenge where they said course;
// and editing the demo study group's summary after the rename keeps its
// kind (the form offered only the new words, so the browser sent the
// first one, and the service refused the stored kind).
func TestOperatorsWords(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	st := domain.DefaultSettings()
	st.Kinds, st.DefaultKind = []string{"Challenge"}, "Challenge"
	if _, err := n.Services.Settings.Update(ctx, st); err != nil {
		t.Fatal(err)
	}
	visitor := newBrowser(t, n.base)
	for page, want := range map[string][]string{
		"/":                           {"Follow any challenge from Mastodon."},
		"/signup":                     {"to join challenges,"},
		"/lookup":                     {"<h1>Find a challenge elsewhere</h1>", "<title>Find a challenge elsewhere"},
		"/schools/" + node.DemoSchool: {`<h2 id="courses-h">Challenges</h2>`, "to hear about its new challenges"},
		"/tags/python":                {`class="visually-hidden">Challenges</h2>`},
	} {
		resp, body := visitor.get(page)
		wantStatus(t, "GET "+page, resp, body, http.StatusOK)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not say %q", page, w)
			}
		}
		if strings.Contains(body, "any course") || strings.Contains(body, "a course elsewhere") || strings.Contains(body, "new courses") {
			t.Errorf("%s still says course:\n%s", page, body)
		}
	}

	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login("ada", n.adaPW, "/"), "/")
	manage := "/courses/" + node.DemoCourse + "/manage/settings"
	_, page := ada.get(manage)
	if !strings.Contains(page, "Find a challenge elsewhere") && !strings.Contains(page, "Follow any challenge") {
		t.Errorf("the manage page's footer does not use the operator's word")
	}
	if _, cp := ada.get("/courses/" + node.DemoCourse); !strings.Contains(cp, "> Post as the study group</label>") {
		t.Errorf("the post form does not name the course by its kind")
	}
	c := demoCourse(t, n)
	form := func(kind, status, summary string) url.Values {
		return url.Values{"_csrf": {ada.csrf(manage)}, "title": {c.Title}, "summary": {summary}, "kind": {kind},
			"status": {status}, "signup": {string(c.SignUp)}, "school": {c.School}, "language": {c.Language},
			"tags": {strings.Join(c.Tags, " ")}, "capacity": {"0"}}
	}
	kind := submittedKind(t, page)
	resp, _ := ada.post("/courses/"+node.DemoCourse+"/edit", form(kind, "open", "A new summary."))
	wantRedirect(t, "edit the summary", resp, manage)
	if got := demoCourse(t, n); got.Summary != "A new summary." || got.Kind != "Study Group" {
		t.Fatalf("after editing the summary: summary %q, kind %q (want the kind kept, Study Group)", got.Summary, got.Kind)
	}

	// The organisers choose the new word; an error then uses it.
	resp, _ = ada.post("/courses/"+node.DemoCourse+"/edit", form("Challenge", "open", "A new summary."))
	wantRedirect(t, "choose the new kind", resp, manage)
	if got := demoCourse(t, n); got.Kind != "Challenge" {
		t.Fatalf("kind %q, want Challenge", got.Kind)
	}
	// The settings form is shown again, with the message beside the status.
	resp, page = ada.post("/courses/"+node.DemoCourse+"/edit", form("Challenge", "draft", "A new summary."))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="status-error" role="alert">This challenge cannot go from open to draft.`) {
		t.Errorf("the refused change does not say challenge:\n%s", page)
	}
}
