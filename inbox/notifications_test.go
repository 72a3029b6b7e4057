package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
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
