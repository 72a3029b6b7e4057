package node

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// TestCourseAtomFeed: the course's own posts come out as an Atom feed that
// encoding/xml reads back, newest first, their HTML escaped as text; drafts
// and unknown courses have no feed.
func TestCourseAtomFeed(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	base := n.URLs.Base()
	first, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Week 1: print(\"hi\") & <script>alert(1)</script> #python"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Week 2: loops"})
	if err != nil {
		t.Fatal(err)
	}
	resp, b := get(t, base+"/courses/"+DemoCourse+"/feed.atom", "")
	if resp.StatusCode != 200 {
		t.Fatalf("feed: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Author  struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Content struct {
				Type string `xml:"type,attr"`
				Text string `xml:",chardata"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b, &feed); err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, b)
	}
	courseURL := n.URLs.Actor(domain.ActorCourse, DemoCourse)
	if feed.ID != courseURL || feed.Title != "A Gentle Introduction to Python" || len(feed.Links) != 2 || feed.Links[0].Href != courseURL+"/feed.atom" {
		t.Errorf("feed head: %+v", feed)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Errorf("updated %q: %v", feed.Updated, err)
	}
	if len(feed.Entries) != 2+len(demoTasks) || feed.Entries[0].ID != second.URI || feed.Entries[1].ID != first.URI {
		t.Fatalf("entries: %+v", feed.Entries)
	}
	e := feed.Entries[1]
	if e.Content.Type != "html" || !strings.Contains(e.Content.Text, "&lt;script&gt;") || strings.Contains(e.Content.Text, "<script") ||
		e.Content.Text != first.Content || e.Author.Name != "A Gentle Introduction to Python" || !strings.HasPrefix(e.Title, "Week 1: print(\"hi\") & <script>") {
		t.Errorf("entry: %+v", e)
	}
	if strings.Contains(string(b), "<script") {
		t.Error("raw markup in the feed's XML")
	}

	if err := n.Services.Courses.Create(ctx, DemoOrganiser, &domain.Course{Handle: "secret", Title: "Secret", Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/courses/secret/feed.atom", "/courses/nope/feed.atom", "/courses/secret/meetings.ics"} {
		if resp, _ := get(t, base+path, ""); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}
