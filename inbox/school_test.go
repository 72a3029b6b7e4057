package inbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/service"
)

const schoolID = "https://node.test/schools/school"

// newRemoteCourse is a course (a Group) of another Lernejo node, with its
// own key, cached as the rig caches remote people.
func (r *rig) newRemoteCourse(id string) *remoteActor {
	r.t.Helper()
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		r.t.Fatal(err)
	}
	key, _ := domain.ParsePrivateKeyPEM(kp.PrivatePEM)
	doc, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Group", "name": "Remote course",
		"preferredUsername": "g", "inbox": id + "/inbox",
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM},
	})
	if _, err := r.res.Remember(context.Background(), doc); err != nil {
		r.t.Fatal(err)
	}
	return &remoteActor{id: id, keyID: id + "#main-key", key: key}
}

func offerBody(id string, by *remoteActor, course, school string) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Offer",
		"actor": by.id, "object": course, "target": school, "to": []string{school}}
}

func (r *rig) asks() []domain.SchoolAsk {
	r.t.Helper()
	var out []domain.SchoolAsk
	r.view(func(tx domain.Tx) {
		sc, err := tx.School("school")
		if err != nil {
			r.t.Fatal(err)
		}
		out = sc.Asks
	})
	return out
}

// TestHostileOffers: a course offers only itself, only to a school that
// exists, only as a course; offered twice it waits once, under its last
// Offer. None of the refused ones leaves anything in the queue.
func TestHostileOffers(t *testing.T) {
	r := newRig(t, fetch.Config{})
	ctx := context.Background()
	if err := r.svc.Schools.Create(ctx, service.ByOperator, &domain.School{Handle: "school", Name: "School", Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	g := r.newRemoteCourse("https://good.test/courses/g")
	m := r.newRemoteCourse("https://evil.test/courses/m")
	person := r.newRemote("https://evil.test/users/mallory")

	for name, c := range map[string]struct {
		by  *remoteActor
		act map[string]any
	}{
		"a course of another origin": {m, offerBody("https://evil.test/offers/1", m, g.id, schoolID)},
		"a local course":             {m, offerBody("https://evil.test/offers/2", m, courseID, schoolID)},
		"an unknown school":          {m, offerBody("https://evil.test/offers/3", m, m.id, "https://node.test/schools/nowhere")},
		"a person":                   {person, offerBody("https://evil.test/offers/4", person, person.id, schoolID)},
	} {
		if err := r.deliver(c.by, c.act); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := r.asks(); len(got) != 0 {
			t.Fatalf("%s: queued %+v", name, got)
		}
		if n := r.journalLen(); n != 0 {
			t.Fatalf("%s: %d journal items left", name, n)
		}
	}

	first := offerBody("https://good.test/offers/1", g, g.id, schoolID)
	for range 2 {
		if err := r.deliver(g, first); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.deliver(g, offerBody("https://good.test/offers/2", g, g.id, schoolID)); err != nil {
		t.Fatal(err)
	}
	got := r.asks()
	if len(got) != 1 || got[0].Course != g.id || got[0].Offer != "https://good.test/offers/2" || got[0].Name != "Remote course" {
		t.Fatalf("after the same course offered three times: %+v", got)
	}

	// Only the school's organisers answer, and the answer goes to the course.
	if err := r.svc.Schools.Decide(ctx, "ada", "school", g.id, true); err != nil {
		t.Fatal(err)
	}
	var accepted bool
	for _, d := range r.deliveries() {
		accepted = accepted || strings.HasPrefix(d, g.id+"/inbox ") && strings.Contains(d, `"type":"Accept"`) &&
			strings.Contains(d, `"id":"https://good.test/offers/2"`)
	}
	if !accepted {
		t.Fatalf("no Accept of the last Offer sent to the course: %v", r.deliveries())
	}
}

// TestForgedAnswerToAnOffer: our course offered itself to a school
// elsewhere; an Accept from someone else, or of another Offer, changes
// nothing; the school's own Accept makes the course part of it.
func TestForgedAnswerToAnOffer(t *testing.T) {
	r := newRig(t, fetch.Config{})
	ctx := context.Background()
	school := r.newRemote("https://good.test/schools/s")
	mallory := r.newRemote("https://evil.test/users/mallory")
	offer := "https://node.test/activities/offer-1"
	r.update(func(tx domain.Tx) error {
		c, err := tx.Course("course")
		if err != nil {
			return err
		}
		c.RemoteSchool = &domain.RemoteSchool{ID: school.id, Name: "S", Offer: offer}
		return tx.PutCourse(c)
	})
	accept := func(id string, by *remoteActor, offerID string) map[string]any {
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Accept", "actor": by.id,
			"to": []string{courseID}, "object": map[string]any{"id": offerID, "type": "Offer", "actor": courseID,
				"object": courseID, "target": school.id}}
	}
	state := func() *domain.RemoteSchool {
		var rs *domain.RemoteSchool
		r.view(func(tx domain.Tx) {
			c, err := tx.Course("course")
			if err != nil {
				t.Fatal(err)
			}
			rs = c.RemoteSchool
		})
		return rs
	}
	for name, act := range map[string]struct {
		by  *remoteActor
		doc map[string]any
	}{
		"by another actor": {mallory, accept("https://evil.test/accepts/1", mallory, offer)},
		"of another Offer": {school, accept("https://good.test/accepts/0", school, offer+"x")},
	} {
		if err := r.deliver(act.by, act.doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rs := state(); rs == nil || rs.Accepted {
			t.Fatalf("%s: %+v", name, rs)
		}
	}
	if err := r.deliver(school, accept("https://good.test/accepts/1", school, offer)); err != nil {
		t.Fatal(err)
	}
	if rs := state(); rs == nil || !rs.Accepted {
		t.Fatalf("after the school's Accept: %+v", rs)
	}
	doc, err := r.svc.Documents.Actor(ctx, domain.ActorCourse, "course")
	var actor struct{ School string }
	if err != nil || json.Unmarshal(doc, &actor) != nil || actor.School != school.id {
		t.Fatalf("course actor names %q (%v)", actor.School, err)
	}
}
