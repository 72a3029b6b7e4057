package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// getActivity GETs path as an ActivityPub client does, and decodes the
// answer when it is 200.
func getActivity(t *testing.T, n *testNode, path string) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", n.base+path, nil)
	req.Header.Set("Accept", "application/activity+json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var doc map[string]any
	if r.StatusCode == http.StatusOK {
		if err := json.NewDecoder(r.Body).Decode(&doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return r.StatusCode, r.Header.Get("Content-Type"), doc
}

// TestMeetingCreateActivityServed: the Create{Event} the course's outbox
// lists, at its id (the Event's with /activity), is served to ActivityPub
// clients with the Event embedded as it is now; a meeting of a draft
// course, whose Event is not served, has no Create served either, nor has
// a meeting that is none.
func TestMeetingCreateActivityServed(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	in := service.MeetingInput{Title: "Reading group", Start: "2031-03-04T18:30", Timezone: "Europe/Berlin", Minutes: 60,
		Repeat: domain.RepeatWeekly, Count: 4}
	m, err := n.Services.Meetings.Create(ctx, node.DemoOrganiser, node.DemoCourse, in)
	if err != nil {
		t.Fatal(err)
	}
	event := n.base + "/courses/" + node.DemoCourse + "/meetings/" + m.ID
	id := event + "/activity"
	_, _, outbox := getActivity(t, n, "/courses/"+node.DemoCourse+"/outbox?page=1")
	if b, _ := json.Marshal(outbox); !strings.Contains(string(b), `"id":"`+id+`"`) {
		t.Fatalf("the outbox does not list %s: %s", id, b)
	}
	if _, err := n.Services.Meetings.Edit(ctx, node.DemoOrganiser, node.DemoCourse, m.ID, service.MeetingInput{Title: "Reading circle",
		Start: in.Start, Timezone: in.Timezone, Minutes: 60, Repeat: in.Repeat, Count: in.Count}); err != nil {
		t.Fatal(err)
	}
	status, typ, doc := getActivity(t, n, strings.TrimPrefix(id, n.base))
	if status != http.StatusOK || !strings.HasPrefix(typ, "application/activity+json") {
		t.Fatalf("GET %s: %d %s", id, status, typ)
	}
	ev, _ := doc["object"].(map[string]any)
	if doc["type"] != "Create" || doc["id"] != id || doc["actor"] != n.base+"/courses/"+node.DemoCourse ||
		ev["type"] != "Event" || ev["id"] != event || ev["name"] != "Reading circle" {
		t.Fatalf("the Create at %s: %v", id, doc)
	}

	// A draft course's meeting: neither its Event nor its Create.
	if err := n.Services.Courses.Create(ctx, node.DemoOrganiser, &domain.Course{Handle: "secret-plans", Title: "Secret plans",
		Kind: "Course", Status: domain.StatusDraft, SignUp: domain.SignUpOpen, Organisers: []string{node.DemoOrganiser}, Language: "en"}); err != nil {
		t.Fatal(err)
	}
	dm, err := n.Services.Meetings.Create(ctx, node.DemoOrganiser, "secret-plans", in)
	if err != nil {
		t.Fatal(err)
	}
	draft := "/courses/secret-plans/meetings/" + dm.ID
	for _, path := range []string{draft, draft + "/activity", "/courses/" + node.DemoCourse + "/meetings/01JNOSUCHMEETING0000000000/activity"} {
		if status, _, _ := getActivity(t, n, path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
}
