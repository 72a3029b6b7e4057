package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/service"
)

// newModeratedCourse is a fake course of another Lernejo node whose
// organisers approve each learner (manuallyApprovesFollowers), cached as
// newRemote caches a person.
func (r *rig) newModeratedCourse(id string) *remoteActor {
	r.t.Helper()
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		r.t.Fatal(err)
	}
	key, _ := domain.ParsePrivateKeyPEM(kp.PrivatePEM)
	doc, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Group", "name": "Gardening",
		"preferredUsername": id[strings.LastIndex(id, "/")+1:], "inbox": id + "/inbox", "manuallyApprovesFollowers": true,
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM},
	})
	if _, err := r.res.Remember(context.Background(), doc); err != nil {
		r.t.Fatal(err)
	}
	return &remoteActor{id: id, keyID: id + "#main-key", key: key, edSeed: kp.AssertionSeed}
}

// told is what person was told, newest first, as "kind by subject url".
func (r *rig) told(person string) []string {
	r.t.Helper()
	p, err := r.svc.Notifications.List(context.Background(), person, "")
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, n := range p.Items {
		out = append(out, fmt.Sprintf("%s %s %q %s", n.Kind, n.ActorName, n.Subject, n.URL))
	}
	return out
}

// TestNotificationsThroughTheInbox: what another server sends tells the
// people of this node, in the transaction that takes it out of the
// journal: a remote course's Accept of a person's Join (its organisers
// approved them), and a remote learner's reply to a person's post.
func TestNotificationsThroughTheInbox(t *testing.T) {
	r := newRig(t, fetch.Config{})
	ctx := context.Background()
	garden := r.newModeratedCourse("https://good.test/courses/garden")
	joinID := "https://node.test/activities/join-garden"
	if err := r.store.Update(ctx, func(tx domain.Tx) error {
		return tx.PutFollowing(&domain.Following{Local: "ada", Target: garden.id, ActivityID: joinID, State: domain.FollowPending})
	}); err != nil {
		t.Fatal(err)
	}
	accept := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://good.test/accepts/1", "type": "Accept",
		"actor": garden.id, "object": map[string]any{"id": joinID, "type": "Join", "actor": "https://node.test/people/ada", "object": garden.id}}
	if err := r.deliver(garden, accept); err != nil {
		t.Fatal(err)
	}

	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	post, err := r.svc.Posts.Publish(ctx, service.PostInput{Author: "ada", Course: "course", Text: "Where do we meet?"})
	if err != nil {
		t.Fatal(err)
	}
	reply := "https://good.test/notes/reply"
	if err := r.deliver(alice, wrap("Create", reply+"/activity", alice, note(alice, reply, "<p>In the garden.</p>", "inReplyTo", post.URI,
		"to", []string{federation.Public, "https://node.test/people/ada"}))); err != nil {
		t.Fatal(err)
	}
	if p := r.post(reply); p == nil {
		t.Fatal("the reply was not kept")
	}
	got := strings.Join(r.told("ada"), "\n")
	want := strings.Join([]string{
		`reply @alice@good.test "In the garden." /threads/` + post.Thread,
		`approved Gardening "Gardening" /remote?id=https%3A%2F%2Fgood.test%2Fcourses%2Fgarden`,
	}, "\n")
	if got != want {
		t.Errorf("ada was told:\n%s\nwant:\n%s", got, want)
	}
	if n, err := r.svc.Notifications.Unread(ctx, "ada"); err != nil || n != 0 {
		t.Errorf("%d unread after the list (%v)", n, err)
	}
}

// TestNotifiedOfRedistributedNotesAndFlags: a note a followed remote
// course redistributes (Announce, fetched from its origin) tells the
// person of this node it mentions; a Flag from another server about a post
// of a local course's discussion is that course's report, shown to its
// organisers and told to them.
func TestNotifiedOfRedistributedNotesAndFlags(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/notes/m" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		self := "http://" + req.Host
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": self + "/notes/m", "type": "Note", "attributedTo": self + "/users/alice",
			"content": "<p>@ada the meeting moved to Friday.</p>", "to": []string{federation.Public}, "published": "2026-11-28T15:00:00Z",
			"tag": []any{map[string]any{"type": "Mention", "href": "https://node.test/people/ada", "name": "@ada@node.test"}}})
	}))
	t.Cleanup(origin.Close)
	r := newRig(t, fetch.Config{AllowPrivate: true})
	ctx := context.Background()
	course := r.newRemote("https://good.test/groups/course")
	r.follows(course.id)
	if err := r.deliver(course, wrap("Announce", "https://good.test/announces/m", course, origin.URL+"/notes/m")); err != nil {
		t.Fatal(err)
	}
	if p := r.post(origin.URL + "/notes/m"); p == nil {
		t.Fatal("the redistributed note was not kept")
	}
	mention := `mention ` + origin.URL + `/users/alice "@ada the meeting moved to Friday." /threads/` + r.post(origin.URL+"/notes/m").Thread
	wantLines(t, "ada after the Announce", r.told("ada"), mention)

	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	reply := "https://good.test/notes/spam"
	if err := r.deliver(alice, wrap("Create", reply+"/activity", alice, note(alice, reply, "<p>Buy my stuff</p>",
		"to", []string{federation.Public, courseID}))); err != nil {
		t.Fatal(err)
	}
	if r.post(reply) == nil {
		t.Fatal("the post was not kept")
	}
	mod := r.newRemote("https://good.test/actor")
	flag := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://good.test/reports/1", "type": "Flag",
		"actor": mod.id, "object": []string{alice.id, reply}, "content": "spam"}
	if err := r.deliver(mod, flag); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "ada after the Flag", r.told("ada"), `report @actor@good.test "Course" /courses/course/manage/discussion#reports`, mention)
	var page domain.Page[*domain.Report]
	r.view(func(tx domain.Tx) { page, _ = tx.CourseReportsPage("course", "", 20) })
	if len(page.Items) != 1 || page.Items[0].Content != "spam" {
		t.Fatalf("the course's reports: %+v, want the Flag's", page.Items)
	}
	m, err := r.svc.Courses.Manage(ctx, "ada", "course", service.ManageQuery{Tab: service.TabDiscussion})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Reports) != 1 || m.Reports[0].Post == nil || m.Reports[0].Post.URI != reply {
		t.Fatalf("the manage page's reports: %+v, want the reported post", m.Reports)
	}
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
