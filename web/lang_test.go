package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// getIn loads path with an Accept-Language header.
func (b *browser) getIn(path, acceptLanguage string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	req.Header.Set("Accept-Language", acceptLanguage)
	return b.do(req)
}

// TestPagesSpeakTheReadersLanguage: a visitor whose browser asks for
// Esperanto gets the pages in Esperanto, with lang="eo" and
// Content-Language; one asking for a language the pages do not speak
// gets English; an error message is translated too.
func TestPagesSpeakTheReadersLanguage(t *testing.T) {
	n := startNode(t, node.Config{Demo: true})
	visitor := newBrowser(t, n.base)
	for _, tc := range []struct {
		accept, lang string
		says         []string
	}{
		{"eo", "eo", []string{"Ensaluti", "Salti al la enhavo", "federan lernan reton"}},
		{"de-CH, eo;q=0.8, en;q=0.5", "eo", []string{"Ensaluti"}},
		{"fr", "en", []string{"Log in", "a federated learning network"}},
		{"", "en", []string{"Log in"}},
	} {
		resp, body := visitor.getIn("/", tc.accept)
		wantStatus(t, "GET / in "+tc.accept, resp, body, http.StatusOK)
		if !strings.Contains(body, `<html lang="`+tc.lang+`">`) || resp.Header.Get("Content-Language") != tc.lang {
			t.Errorf("Accept-Language %q: page lang %q, want %s", tc.accept, resp.Header.Get("Content-Language"), tc.lang)
		}
		for _, w := range tc.says {
			if !strings.Contains(body, w) {
				t.Errorf("Accept-Language %q: the page does not say %q", tc.accept, w)
			}
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
			t.Errorf("Vary %q leaves out Accept-Language", resp.Header.Get("Vary"))
		}
	}
	// The footer's link keeps its markup in the translation, and a node
	// name with markup in it stays text.
	_, body := visitor.getIn("/", "eo")
	if !strings.Contains(body, `funkciigas <a href="https://github.com/lernejo/lernejo">Lernejo</a>, federan`) {
		t.Errorf("the footer's translated link is not a link:\n%s", body)
	}
}

// TestReadingChoicesAreKept: a person who chooses Esperanto and
// Europe/Berlin reads the pages in Esperanto whatever the browser asks,
// with dates in Berlin time; a zone that is no zone (or a path) is
// refused with a message beside the field and changes nothing.
func TestReadingChoicesAreKept(t *testing.T) {
	n := startNode(t, node.Config{Demo: true})
	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login("ada", n.adaPW, "/"), "/")

	for _, zone := range []string{"Mars/Olympus", "../../../../etc/passwd", "/etc/localtime", "Local"} {
		resp, body := ada.post("/settings/language", url.Values{"_csrf": {ada.csrf("/settings/language")}, "language": {"eo"}, "zone": {zone}})
		wantStatus(t, "save zone "+zone, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, "is not a time zone") || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("zone %q: the form does not say what is wrong:\n%s", zone, body)
		}
	}
	resp, body := ada.post("/settings/language", url.Values{"_csrf": {ada.csrf("/settings/language")}, "language": {"tlh"}, "zone": {""}})
	wantStatus(t, "save language tlh", resp, body, http.StatusBadRequest)
	if p := person(t, n, "ada"); p.Language != "" || p.TimeZone != "" {
		t.Fatalf("refused choices were saved: %q %q", p.Language, p.TimeZone)
	}

	resp, body = ada.post("/settings/language", url.Values{"_csrf": {ada.csrf("/settings/language")}, "language": {"eo"}, "zone": {"Europe/Berlin"}})
	wantStatus(t, "save eo, Europe/Berlin", resp, body, http.StatusOK)
	if !strings.Contains(body, "Konservita.") {
		t.Errorf("the answer is not in the chosen language:\n%s", body)
	}
	if p := person(t, n, "ada"); p.Language != "eo" || p.TimeZone != "Europe/Berlin" {
		t.Fatalf("saved %q %q", p.Language, p.TimeZone)
	}
	resp, body = ada.getIn("/courses/"+node.DemoCourse, "en")
	wantStatus(t, "course page", resp, body, http.StatusOK)
	if !strings.Contains(body, `<html lang="eo">`) || !strings.Contains(body, "Elsaluti") {
		t.Errorf("the person's language does not win over the browser's")
	}
	// The demo's posts were written now: in Berlin it is an hour or two
	// later than UTC, and the zone is named.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if zone := time.Now().In(berlin).Format("MST"); !strings.Contains(body, " "+zone+"<") && !strings.Contains(body, " "+zone+" ") {
		t.Errorf("the course page's dates are not in %s:\n%s", zone, body)
	}

	// Back to the browser's language.
	resp, body = ada.post("/settings/language", url.Values{"_csrf": {ada.csrf("/settings/language")}, "language": {""}, "zone": {""}})
	wantStatus(t, "reset", resp, body, http.StatusOK)
	if _, body = ada.getIn("/", "en"); !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("after choosing the browser's language, an English browser does not get English")
	}
}

func person(t *testing.T, n *testNode, handle string) *domain.Person {
	t.Helper()
	var p *domain.Person
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		p, err = tx.Person(handle)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}
