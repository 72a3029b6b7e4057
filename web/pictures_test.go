package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/node"
)

// actorIcon fetches an actor document as a peer does and returns its
// icon's URL.
func actorIcon(t *testing.T, b *browser, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Icon struct{ URL string } `json:"icon"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, body)
	}
	return doc.Icon.URL
}

// TestCourseAndSchoolPictures: an organiser uploads a picture for the
// course (from its settings tab) and the school (from its page): the
// actors' icons name it, the school's page shows it beside its name, and a
// learner who organises neither is refused and changes nothing.
func TestCourseAndSchoolPictures(t *testing.T) {
	n := startNode(t, node.Config{Demo: true})
	course, school := "/courses/"+node.DemoCourse, "/schools/"+node.DemoSchool
	visitor := newBrowser(t, n.base)
	generatedCourse, generatedSchool := actorIcon(t, visitor, course), actorIcon(t, visitor, school)

	bea := newBrowser(t, n.base)
	wantRedirect(t, "sign up", mustPost(bea.post("/signup", signupForm(bea.csrf("/signup"), "bea"))), "/")
	jpg := testJPEG(t, 300, 200)
	csrf := bea.csrf("/")
	for _, path := range []string{course + "/image", school + "/image"} {
		resp, body := bea.postMultipart(path, map[string]string{"_csrf": csrf}, upload{"image", "p.jpg", "image/jpeg", jpg})
		if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a learner's upload to %s: %d %s", path, resp.StatusCode, body)
		}
	}
	if actorIcon(t, visitor, course) != generatedCourse || actorIcon(t, visitor, school) != generatedSchool {
		t.Fatal("a learner's upload changed a picture")
	}

	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login("ada", n.adaPW, "/"), "/")
	csrf = ada.csrf(course + "/manage/settings")
	resp, body := ada.postMultipart(course+"/image", map[string]string{"_csrf": csrf}, upload{"image", "p.jpg", "image/jpeg", jpg})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the course picture: %d %s", resp.StatusCode, body)
	}
	resp, body = ada.postMultipart(school+"/image", map[string]string{"_csrf": csrf}, upload{"image", "s.jpg", "image/jpeg", testJPEG(t, 200, 300)})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the school picture: %d %s", resp.StatusCode, body)
	}
	ci, si := actorIcon(t, visitor, course), actorIcon(t, visitor, school)
	if !imageURLRE.MatchString(ci) || !imageURLRE.MatchString(si) || ci == si {
		t.Fatalf("the actors' icons are %q and %q", ci, si)
	}
	_, page := visitor.get(school)
	u, _ := url.Parse(si)
	if !strings.Contains(page, `<div class="profile-head"><img class="avatar large" src="`+u.Path+`"`) {
		t.Errorf("the school's page does not show its picture %s:\n%s", u.Path, page)
	}
	_, page = visitor.get(course)
	cu, _ := url.Parse(ci)
	if !strings.Contains(page, `<div class="profile-head"><img class="avatar large" src="`+cu.Path+`"`) {
		t.Errorf("the course's page does not show its picture %s:\n%s", cu.Path, page)
	}
	if resp, _ := visitor.get(u.Path); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET %s: %d %s", u.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
