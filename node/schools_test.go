package node

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// TestCourseJoinsSchoolAcrossNodes: bea's course on A asks to join the
// demo school on B by its handle. B queues the Offer; B's school organiser
// accepts; A's course now names the school (its actor, its page), and B's
// school lists the course of A on its page and in its courses collection.
func TestCourseJoinsSchoolAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	if err := a.Services.Courses.Create(ctx, "bea", &domain.Course{Handle: "webdev", Title: "Web development", Kind: "Course",
		Status: domain.StatusOpen, Organisers: []string{"bea"}}); err != nil {
		t.Fatal(err)
	}
	schoolID := b.URLs.Actor(domain.ActorSchool, DemoSchool)
	courseID := a.URLs.Actor(domain.ActorCourse, "webdev")
	r, err := a.Services.Schools.Ask(ctx, "bea", "webdev", fmt.Sprintf("@%s@%s", DemoSchool, b.URLs.Host()))
	if err != nil || !r.Remote || r.School != schoolID {
		t.Fatalf("ask: %+v %v", r, err)
	}
	school := func() *domain.School {
		var sc *domain.School
		b.Store.View(ctx, func(tx domain.Tx) error { sc, _ = tx.School(DemoSchool); return nil })
		return sc
	}
	eventually(t, "B's school queues the Offer", func() bool {
		sc := school()
		return len(sc.Asks) == 1 && sc.Asks[0].Course == courseID
	})
	if sc := school(); sc.Asks[0].Name != "Web development" {
		t.Fatalf("the ask: %+v", sc.Asks[0])
	}
	if err := b.Services.Schools.Decide(ctx, "bea", DemoSchool, courseID, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("a non-organiser of B answers: %v", err)
	}
	if err := b.Services.Schools.Decide(ctx, DemoOrganiser, DemoSchool, courseID, true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A's course hears the Accept", func() bool {
		var c *domain.Course
		a.Store.View(ctx, func(tx domain.Tx) error { c, _ = tx.Course("webdev"); return nil })
		return c != nil && c.RemoteSchool != nil && c.RemoteSchool.Accepted
	})
	if actor := getJSON(t, courseID, asAccept); actor["school"] != schoolID {
		t.Fatalf("A's course actor names %v", actor["school"])
	}
	if _, page := get(t, courseID, "text/html"); !strings.Contains(string(page), `part of <a href="`+schoolID+`">School of Webcraft</a>`) {
		t.Fatalf("A's course page does not show the school:\n%s", page)
	}
	if _, page := get(t, schoolID, "text/html"); !strings.Contains(string(page), `<a href="`+courseID+`"><strong>Web development</strong></a>`) {
		t.Fatalf("B's school page does not list the course:\n%s", page)
	}
	coll := getJSON(t, schoolID+"/courses", asAccept)
	items, _ := coll["orderedItems"].([]any)
	found := false
	for _, it := range items {
		found = found || it == courseID
	}
	if !found {
		t.Fatalf("B's courses collection: %v", coll)
	}
	if n := getJSON(t, schoolID+"/outbox", asAccept)["totalItems"]; n.(float64) < 2 {
		t.Fatalf("B's school outbox counts %v items, want its Accept and its note", n)
	}
}
