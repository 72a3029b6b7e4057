package inbox_test

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

// TestDeleteOfLernejoLearnerEndsEnrolment: a learner of another Lernejo
// node deletes their account, and their node sends the Delete{Person}
// that Accounts.DeleteAccount builds (federation.DeleteActor): the course
// drops the learner's enrolment and the cached actor.
func TestDeleteOfLernejoLearnerEndsEnrolment(t *testing.T) {
	r := newRig(t, fetch.Config{})
	kim := r.newRemote("https://lernejo.test/people/kim")
	ctx := context.Background()
	if err := r.inbox.Receive(ctx, r.signed(kim, followBody("https://lernejo.test/activities/join-1", kim.id))); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	r.view(func(tx domain.Tx) {
		if _, err := tx.Follower("course", kim.id); err != nil {
			t.Fatalf("not enrolled: %v", err)
		}
	})
	del := federation.DeleteActor("https://lernejo.test/activities/delete-kim", kim.id,
		federation.NoteAddress{To: []string{federation.Public}, CC: []string{kim.id + "/followers"}})
	if err := r.inbox.Receive(ctx, r.signed(kim, del)); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	r.view(func(tx domain.Tx) {
		if _, err := tx.Follower("course", kim.id); !domain.IsNotFound(err) {
			t.Errorf("the enrolment survived the learner's deletion: %v", err)
		}
		if _, err := tx.RemoteActor(kim.id); !domain.IsNotFound(err) {
			t.Errorf("cached actor survived: %v", err)
		}
	})
}
