package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// sentObjects is the activities queued for inbox, each as its type and
// its object's id (the object itself when it is an id).
func (u *useCases) sentObjects(inbox string) []string {
	u.t.Helper()
	var out []string
	u.view(func(tx domain.Tx) error {
		ds, err := tx.Deliveries()
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Inbox != inbox {
				continue
			}
			a, err := tx.Activity(d.ActivityID)
			if err != nil {
				return err
			}
			var doc struct {
				Type   string
				Object json.RawMessage
			}
			if err := json.Unmarshal(a.JSON, &doc); err != nil {
				return err
			}
			var id string
			if json.Unmarshal(doc.Object, &id) != nil {
				var obj struct{ ID string }
				json.Unmarshal(doc.Object, &obj)
				id = obj.ID
			}
			out = append(out, doc.Type+" "+id)
		}
		return nil
	})
	return out
}

// withAccount creates cy, with a password, enrolled in the course,
// following the remote course g and followed by rae; cy has a post in the
// course. It returns the post's id.
func (u *useCases) withAccount() string {
	u.t.Helper()
	ctx := context.Background()
	if _, err := u.svc.Accounts.Create(ctx, "cy", "Cy Young", false, "correct horse"); err != nil {
		u.t.Fatal(err)
	}
	if _, err := u.svc.Enrolment.EnrolLocal(ctx, "cy", "course", ""); err != nil {
		u.t.Fatal(err)
	}
	u.update(func(tx domain.Tx) error {
		if err := tx.PutFollower(&domain.Follower{Local: "cy", Actor: raeID, ActivityID: raeID + "/follows/cy",
			State: domain.FollowAccepted, Inbox: raeID + "/inbox"}); err != nil {
			return err
		}
		return tx.PutFollowing(&domain.Following{Local: "cy", Target: gID, ActivityID: "https://node.test/activities/follow-g-cy",
			State: domain.FollowAccepted})
	})
	p, err := u.svc.Posts.Publish(ctx, PostInput{Author: "cy", Course: "course", Text: "Hello from Cy"})
	if err != nil {
		u.t.Fatal(err)
	}
	return p.URI
}

// TestSuspendedPersonIsShutOut: a suspended person cannot log in, the
// session they had ends, their actor is Mastodon's minimal suspended actor,
// sent in an Update to their followers and to the remote course they
// follow, and their posts are hidden; Unsuspend brings it all back, with
// the whole actor in a second Update.
func TestSuspendedPersonIsShutOut(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	post := u.withAccount()
	sess, err := u.svc.Accounts.LogIn(ctx, "cy", "correct horse", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Accounts.Suspend(ctx, "ada", "cy"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Accounts.LogIn(ctx, "cy", "correct horse", ""); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a suspended person logs in: %v", err)
	}
	if _, _, err := u.svc.Accounts.Session(ctx, sess.ID); !domain.IsNotFound(err) {
		t.Errorf("the session of a suspended person: %v, want not found", err)
	}
	u.view(func(tx domain.Tx) error {
		if _, err := tx.Session(sess.ID); !domain.IsNotFound(err) {
			t.Errorf("the session is still stored: %v", err)
		}
		return nil
	})
	doc, err := u.svc.Documents.Actor(ctx, domain.ActorPerson, "cy")
	if err != nil {
		t.Fatal(err)
	}
	var actor map[string]any
	if err := json.Unmarshal(doc, &actor); err != nil {
		t.Fatal(err)
	}
	if actor["suspended"] != true || actor["name"] != nil || actor["icon"] != nil || actor["publicKey"] == nil {
		t.Errorf("suspended actor: %s", doc)
	}
	for _, inbox := range []string{raeID + "/inbox", gID + "/inbox"} {
		if got := countOf(u.sentTo(inbox), "Update"); got != 1 {
			t.Errorf("%s was sent %d Updates, want 1", inbox, got)
		}
	}
	if _, err := u.svc.Documents.Post(ctx, post); !domain.IsNotFound(err) {
		t.Errorf("the note of a suspended person is served: %v", err)
	}
	page, err := u.svc.Posts.Page(ctx, "", post, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page.Post.Content, "Hello from Cy") || strings.Contains(page.View.Post.Content, "Hello from Cy") {
		t.Errorf("the page of a suspended person's post shows it: %q", page.Post.Content)
	}
	if _, err := u.svc.Accounts.Page(ctx, "cy", PersonPageQuery{}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a suspended person's page: %v", err)
	}
	if err := u.svc.Accounts.Suspend(ctx, "ada", "ada"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("an operator suspends themselves: %v", err)
	}

	if err := u.svc.Accounts.Unsuspend(ctx, "cy"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Accounts.LogIn(ctx, "cy", "correct horse", ""); err != nil {
		t.Errorf("log in after unsuspend: %v", err)
	}
	doc, err = u.svc.Documents.Actor(ctx, domain.ActorPerson, "cy")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), `"suspended"`) || !strings.Contains(string(doc), `"name":"Cy Young"`) {
		t.Errorf("actor after unsuspend: %s", doc)
	}
	if got := countOf(u.sentTo(raeID+"/inbox"), "Update"); got != 2 {
		t.Errorf("the follower was sent %d Updates in all, want 2", got)
	}
	if _, err := u.svc.Documents.Post(ctx, post); err != nil {
		t.Errorf("the note after unsuspend: %v", err)
	}
}

// TestDeleteAccount: a person deletes their account with their password:
// Delete{Person} goes to their follower's server and to the remote course
// they follow, with Delete{Tombstone} of their post; their enrolment ends,
// their sessions end, their actor is gone with a Tombstone, and their
// handle cannot be taken again.
func TestDeleteAccount(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	post := u.withAccount()
	sess, err := u.svc.Accounts.LogIn(ctx, "cy", "correct horse", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Accounts.DeleteAccount(ctx, "cy", "wrong horse"); domain.ErrorCode(err) != domain.EUNAUTHORISED {
		t.Fatalf("delete with a wrong password: %v", err)
	}
	if err := u.svc.Accounts.DeleteAccount(ctx, "cy", "correct horse"); err != nil {
		t.Fatal(err)
	}
	cy := u.person("cy")
	for _, inbox := range []string{raeID + "/inbox", gID + "/inbox"} {
		if got := u.sentObjects(inbox); !contains(got, "Delete "+cy) {
			t.Errorf("%s was sent %v, want Delete %s", inbox, got, cy)
		}
	}
	if got := u.sentObjects(raeID + "/inbox"); !contains(got, "Delete "+post) {
		t.Errorf("the course's follower was sent %v, want Delete %s", got, post)
	}
	u.view(func(tx domain.Tx) error {
		if _, err := tx.Follower("course", cy); !domain.IsNotFound(err) {
			t.Errorf("the enrolment stays: %v", err)
		}
		if fs, err := tx.Followings("cy"); err != nil || len(fs) != 0 {
			t.Errorf("follows stay: %v %v", fs, err)
		}
		if _, err := tx.Session(sess.ID); !domain.IsNotFound(err) {
			t.Errorf("the session stays: %v", err)
		}
		return nil
	})
	if doc, err := u.svc.Documents.Post(ctx, post); err != nil || !doc.Gone {
		t.Errorf("the post's id after the deletion: %+v %v, want a Tombstone", doc, err)
	}
	if _, err := u.svc.Documents.Actor(ctx, domain.ActorPerson, "cy"); !domain.IsNotFound(err) {
		t.Errorf("the deleted actor: %v", err)
	}
	if doc, gone, err := u.svc.Accounts.Gone(ctx, "cy"); err != nil || !gone || !strings.Contains(string(doc), `"Tombstone"`) {
		t.Errorf("Gone: %s %v %v", doc, gone, err)
	}
	if _, err := u.svc.Accounts.Create(ctx, "cy", "", false, "another horse"); !domain.IsConflict(err) {
		t.Errorf("the handle is taken again by create-user: %v", err)
	}
	u.update(func(tx domain.Tx) error {
		st, err := tx.Settings()
		st.RegistrationOpen = true
		return cmpErr(err, tx.PutSettings(st))
	})
	if _, err := u.svc.Accounts.SignUp(ctx, SignUpForm{Handle: "cy", Password: "another horse", Confirm: "another horse"}, ""); !domain.IsConflict(err) {
		t.Errorf("the handle is taken again by sign-up: %v", err)
	}
}

// TestSoleOrganiserCannotDeleteAccount: the only organiser of a live
// course is told to add an organiser or archive it; once it is archived
// the account goes, and the course keeps no organiser by that handle.
func TestSoleOrganiserCannotDeleteAccount(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	if err := u.svc.Accounts.ResetPassword(ctx, "ada", "correct horse"); err != nil {
		t.Fatal(err)
	}
	err := u.svc.Accounts.DeleteAccount(ctx, "ada", "correct horse")
	if domain.ErrorCode(err) != domain.EFORBIDDEN || !strings.Contains(domain.ErrorMessage(err), "“Course”") ||
		!strings.Contains(domain.ErrorMessage(err), "archive") {
		t.Fatalf("the sole organiser deletes their account: %v", err)
	}
	u.update(func(tx domain.Tx) error {
		c, err := tx.Course("course")
		if err != nil {
			return err
		}
		c.Status = domain.StatusArchived
		return tx.PutCourse(c)
	})
	if err := u.svc.Accounts.DeleteAccount(ctx, "ada", "correct horse"); err != nil {
		t.Fatal(err)
	}
	u.view(func(tx domain.Tx) error {
		c, err := tx.Course("course")
		if err == nil && c.IsOrganiser("ada") {
			t.Errorf("the deleted person still organises the course")
		}
		sc, err := tx.School("school")
		if err == nil && len(sc.Organisers) != 0 {
			t.Errorf("the deleted person still organises the school: %v", sc.Organisers)
		}
		return err
	})
}

// TestUsersPage lists the accounts in handle order, suspended ones marked.
func TestUsersPage(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	if err := u.svc.Accounts.Suspend(ctx, "", "bob"); err != nil {
		t.Fatal(err)
	}
	page, err := u.svc.Accounts.Users(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range page.People {
		got = append(got, p.Handle+map[bool]string{true: " suspended"}[p.IsSuspended()])
	}
	if strings.Join(got, ",") != "ada,bob suspended" {
		t.Errorf("users: %v", got)
	}
}

func contains(xs []string, x string) bool { return countOf(xs, x) > 0 }

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
