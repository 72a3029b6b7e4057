package node

import (
	"context"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// TestNodeInfoCountsPublishedCoursesAndActiveUsers: NodeInfo's
// metadata.courses leaves drafts out, and usage.users counts the people
// who logged in or posted in the last month and half-year, as Mastodon
// reports activeMonth and activeHalfyear.
func TestNodeInfoCountsPublishedCoursesAndActiveUsers(t *testing.T) {
	ctx := context.Background()
	var adaPW string
	n := startNode(t, Config{Demo: true, DemoOutput: func(_ string, a ...any) { adaPW, _ = a[len(a)-1].(string) }})
	base := n.URLs.Base()
	type counts struct{ total, month, halfyear, courses float64 }
	count := func() counts {
		ni := getJSON(t, base+"/nodeinfo/2.1", "")
		users := ni["usage"].(map[string]any)["users"].(map[string]any)
		return counts{users["total"].(float64), users["activeMonth"].(float64), users["activeHalfyear"].(float64),
			ni["metadata"].(map[string]any)["courses"].(float64)}
	}
	if err := n.Services.Courses.Create(ctx, DemoOrganiser, &domain.Course{Handle: "sql-sprint", Title: "SQL sprint",
		Kind: "Challenge", Status: domain.StatusDraft, Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != (counts{2, 0, 0, 1}) {
		t.Fatalf("with a draft and nobody active yet: %+v, want 2 users, none active, 1 course", got)
	}

	logIn(t, base, DemoOrganiser, adaPW)
	if got := count(); got != (counts{2, 1, 1, 1}) {
		t.Fatalf("after ada logged in: %+v", got)
	}
	ago := func(handle string, d time.Duration) {
		if err := n.Store.Update(ctx, func(tx domain.Tx) error {
			p, err := tx.Person(handle)
			if err != nil {
				return err
			}
			p.LastActive = time.Now().Add(-d)
			return tx.PutPerson(p)
		}); err != nil {
			t.Fatal(err)
		}
	}
	ago(DemoOrganiser, 60*24*time.Hour)
	if got := count(); got != (counts{2, 0, 1, 1}) {
		t.Fatalf("ada active two months ago: %+v", got)
	}
	ago(DemoOrganiser, 200*24*time.Hour)
	if got := count(); got != (counts{2, 0, 0, 1}) {
		t.Fatalf("ada active 200 days ago: %+v", got)
	}
	// Posting counts as activity too.
	if _, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: DemoOrganiser, Course: DemoCourse, Text: "Welcome back!"}); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != (counts{2, 1, 1, 1}) {
		t.Fatalf("after ada posted: %+v", got)
	}
}
