package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/faultstore"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/outbox"
)

// realKeys is one key pair shared by the local actors of these tests: the
// learning use cases sign records with its assertion seed.
var realKeys = sync.OnceValue(func() domain.KeyPair {
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		panic(err)
	}
	return kp
})

// useCases is this node's use cases over a store whose lookups can be made
// to fail: the course "course" organised by ada, with bob (local) and rae
// (remote) enrolled; ada follows the remote Lernejo course g.
type useCases struct {
	t    *testing.T
	st   *store.Store
	fs   *faultstore.Store
	svc  *Services
	urls federation.URLs
}

const (
	raeID = "https://remote.test/users/rae"
	gID   = "https://remote.test/courses/g"
)

func newUseCases(t *testing.T) *useCases {
	t.Helper()
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fs := faultstore.New(st)
	now := func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	var mu sync.Mutex
	n := 0
	newID := func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("01JUC%021d", n)
	}
	urls, _ := federation.NewURLs("https://node.test")
	o := outbox.New(outbox.Config{Store: fs, HTTP: http.DefaultClient, URLs: urls, Now: now, NewID: newID})
	svc := New(Config{Store: fs, Queue: o, Docs: federation.Documents{URLs: urls, Sanitizer: federation.NewSanitizer()},
		Resolver: &fetch.Resolver{Store: st, URLs: urls, Now: now}, Now: now, NewID: newID,
		NewKeys: func() (domain.KeyPair, error) { return realKeys(), nil }})
	u := &useCases{t: t, st: st, fs: fs, svc: svc, urls: urls}
	ctx := context.Background()
	for _, h := range []string{"ada", "bob"} {
		if err := svc.Accounts.Register(ctx, &domain.Person{Handle: h, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Schools.Create(ctx, ByOperator, &domain.School{Handle: "school", Name: "School", Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "course", Title: "Course", Status: domain.StatusOpen, Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	u.update(func(tx domain.Tx) error {
		for _, a := range []*domain.RemoteActor{
			{ID: raeID, Type: "Person", Username: "rae", Host: "remote.test", Inbox: raeID + "/inbox"},
			{ID: gID, Type: "Group", Username: "g", Host: "remote.test", Inbox: gID + "/inbox", Lernejo: true},
		} {
			if err := tx.PutRemoteActor(a); err != nil {
				return err
			}
		}
		for _, f := range []*domain.Follower{
			{Local: "course", Actor: u.person("bob"), ActivityID: u.person("bob") + "#enrol-course", State: domain.FollowAccepted},
			{Local: "course", Actor: raeID, ActivityID: raeID + "/follows/1", State: domain.FollowAccepted, Inbox: raeID + "/inbox"},
		} {
			if err := tx.PutFollower(f); err != nil {
				return err
			}
		}
		return tx.PutFollowing(&domain.Following{Local: "ada", Target: gID, ActivityID: "https://node.test/activities/follow-g",
			State: domain.FollowAccepted})
	})
	return u
}

func (u *useCases) person(h string) string { return u.urls.Actor(domain.ActorPerson, h) }

func (u *useCases) update(fn func(tx domain.Tx) error) {
	u.t.Helper()
	if err := u.st.Update(context.Background(), fn); err != nil {
		u.t.Fatal(err)
	}
}

func (u *useCases) view(fn func(tx domain.Tx) error) {
	u.t.Helper()
	if err := u.st.View(context.Background(), fn); err != nil {
		u.t.Fatal(err)
	}
}

// badge adds a badge of the course and, when holder is set, awards it.
func (u *useCases) badge(b *domain.Badge, holder string) string {
	u.t.Helper()
	ctx := context.Background()
	b.Issuer = "course"
	if err := u.svc.Badges.Add(ctx, "ada", b); err != nil {
		u.t.Fatal(err)
	}
	if holder != "" {
		if _, err := u.svc.Badges.Award(ctx, "ada", b.ID, holder); err != nil {
			u.t.Fatal(err)
		}
	}
	return b.ID
}

func (u *useCases) awards(learner, badge string) int {
	n := 0
	u.view(func(tx domain.Tx) error {
		as, err := tx.AwardsOf(learner)
		for _, a := range as {
			if a.Badge == badge {
				n++
			}
		}
		return err
	})
	return n
}

func (u *useCases) deliveries() int {
	var n int
	u.view(func(tx domain.Tx) error { ds, err := tx.Deliveries(); n = len(ds); return err })
	return n
}

// TestUseCasesReportStoreFailures: when a lookup of a local use case fails
// in the store, the use case fails with that error (the web layer answers
// 500, the person tries again) and changes nothing. Taking the failure for
// "not there" made them redo what was done (a second award, a new Follow
// that demotes an accepted one), skip someone (no Reject to a blocked
// learner's server), or refuse with words that are not true ("only
// enrolled learners can post").
func TestUseCasesReportStoreFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		prepare func(u *useCases) (call func() error, fail []string)
		// unchanged says what changed although the call failed; "" when nothing did.
		unchanged func(u *useCases) string
	}{
		{
			name: "Enrol: the follow already held",
			prepare: func(u *useCases) (func() error, []string) {
				return func() error { _, err := u.svc.Enrolment.Enrol(ctx, "ada", gID, ""); return err }, []string{"Following", "ada", gID}
			},
			unchanged: func(u *useCases) string {
				var f *domain.Following
				u.view(func(tx domain.Tx) (err error) { f, err = tx.Following("ada", gID); return err })
				if f.State != domain.FollowAccepted || u.deliveries() != 0 {
					return fmt.Sprintf("follow %s, %d deliveries: a new Follow replaced the accepted one", f.State, u.deliveries())
				}
				return ""
			},
		},
		{
			name: "EnrolLocal: the enrolment already held",
			prepare: func(u *useCases) (func() error, []string) {
				u.update(func(tx domain.Tx) error {
					c, err := tx.Course("course")
					if err != nil {
						return err
					}
					c.SignUp = domain.SignUpModerated
					return tx.PutCourse(c)
				})
				return func() error { _, err := u.svc.Enrolment.EnrolLocal(ctx, "bob", "course", ""); return err },
					[]string{"Follower", "course", u.person("bob")}
			},
			unchanged: func(u *useCases) string {
				var f *domain.Follower
				u.view(func(tx domain.Tx) (err error) { f, err = tx.Follower("course", u.person("bob")); return err })
				if f.State != domain.FollowAccepted {
					return "bob's enrolment is " + string(f.State) + ", want still accepted"
				}
				return ""
			},
		},
		{
			name: "BlockFromCourse: the blocked learner's server",
			prepare: func(u *useCases) (func() error, []string) {
				return func() error { return u.svc.Moderation.BlockFromCourse(ctx, "ada", "course", raeID) }, []string{"RemoteActor", raeID}
			},
			unchanged: func(u *useCases) string {
				var c *domain.Course
				u.view(func(tx domain.Tx) (err error) { c, err = tx.Course("course"); return err })
				if c.IsBlocked(raeID) {
					return "rae was blocked without a Reject to her server"
				}
				return ""
			},
		},
		{
			name: "Publish: the author's enrolment",
			prepare: func(u *useCases) (func() error, []string) {
				return func() error {
					_, err := u.svc.Posts.Publish(ctx, PostInput{Author: "bob", Course: "course", Text: "hello"})
					return err
				}, []string{"Follower", "course", u.person("bob")}
			},
			unchanged: noPosts,
		},
		{
			name: "Publish: the post answered",
			prepare: func(u *useCases) (func() error, []string) {
				u.update(func(tx domain.Tx) error {
					return tx.PutPost(&domain.Post{ID: "01JPARENT", Course: "course", URI: "https://remote.test/notes/q", Author: raeID, Thread: "01JPARENT"})
				})
				return func() error {
					_, err := u.svc.Posts.Publish(ctx, PostInput{Author: "ada", Course: "course", Text: "an answer", InReplyTo: "https://remote.test/notes/q"})
					return err
				}, []string{"Post", "https://remote.test/notes/q"}
			},
			unchanged: func(u *useCases) string {
				var n int
				u.view(func(tx domain.Tx) (err error) { n, err = tx.CountCoursePosts("course"); return err })
				if n != 1 {
					return fmt.Sprintf("%d posts, want only the question", n)
				}
				return ""
			},
		},
		{
			name: "Publish: a mentioned actor",
			prepare: func(u *useCases) (func() error, []string) {
				return func() error {
					_, err := u.svc.Posts.Publish(ctx, PostInput{Author: "course", Course: "course", Text: "hi",
						Mentions: []federation.Mention{{ID: raeID, Name: "@rae@remote.test"}}})
					return err
				}, []string{"RemoteActor", raeID}
			},
			unchanged: noPosts,
		},
		{
			name: "Award: the award already held",
			prepare: func(u *useCases) (func() error, []string) {
				b := u.badge(&domain.Badge{Name: "Helper", Criteria: domain.CriteriaOrganiser}, raeID)
				return func() error { _, err := u.svc.Badges.Award(ctx, "ada", b, raeID); return err }, []string{"AwardOf", b, raeID}
			},
			unchanged: oneAward(raeID, "Helper"),
		},
		{
			name: "Vote: the award already held",
			prepare: func(u *useCases) (func() error, []string) {
				b := u.badge(&domain.Badge{Name: "Kind", Criteria: domain.CriteriaPeer, Votes: 1}, raeID)
				return func() error { return u.svc.Badges.Vote(ctx, "bob", b, raeID) }, []string{"AwardOf", b, raeID}
			},
			unchanged: oneAward(raeID, "Kind"),
		},
		{
			name: "Vote: the voter's enrolment",
			prepare: func(u *useCases) (func() error, []string) {
				b := u.badge(&domain.Badge{Name: "Kind", Criteria: domain.CriteriaPeer, Votes: 1}, "")
				return func() error { return u.svc.Badges.Vote(ctx, "bob", b, raeID) }, []string{"Follower", "course", u.person("bob")}
			},
			unchanged: func(u *useCases) string {
				if n := u.awards(raeID, badgeNamed(u, "Kind")); n != 0 {
					return fmt.Sprintf("%d awards after a failed vote", n)
				}
				return ""
			},
		},
		{
			name: "Revoke: the learner's server",
			prepare: func(u *useCases) (func() error, []string) {
				b := u.badge(&domain.Badge{Name: "Helper", Criteria: domain.CriteriaOrganiser}, raeID)
				var award string
				u.view(func(tx domain.Tx) error { a, err := tx.AwardOf(b, raeID); award = a.ID; return err })
				return func() error { return u.svc.Badges.Revoke(ctx, "ada", award, "") }, []string{"RemoteActor", raeID}
			},
			unchanged: func(u *useCases) string {
				var as []*domain.Award
				u.view(func(tx domain.Tx) (err error) { as, err = tx.AwardsOf(raeID); return err })
				if len(as) != 1 || as[0].Revoked {
					return fmt.Sprintf("awards %+v: revoked without a Delete to her server", as)
				}
				return ""
			},
		},
		{
			name: "Complete: the enrolment in a remote course",
			prepare: func(u *useCases) (func() error, []string) {
				return func() error { _, err := u.svc.Tasks.Complete(ctx, "ada", gID, gID+"/tasks/1", "", ""); return err },
					[]string{"Following", "ada", gID}
			},
			unchanged: noCompletion("ada", gID),
		},
		{
			name: "Complete: the completion already sent to a remote course",
			prepare: func(u *useCases) (func() error, []string) {
				if _, err := u.svc.Tasks.Complete(ctx, "ada", gID, gID+"/tasks/1", "", ""); err != nil {
					u.t.Fatal(err)
				}
				return func() error { _, err := u.svc.Tasks.Complete(ctx, "ada", gID, gID+"/tasks/1", "", "again"); return err },
					[]string{"Completion", gID, gID + "/tasks/1"}
			},
			unchanged: func(u *useCases) string {
				var cs []*domain.Completion
				u.view(func(tx domain.Tx) (err error) { cs, err = tx.CompletionsOf(gID, u.person("ada")); return err })
				if len(cs) != 1 || cs[0].Note != "" {
					return fmt.Sprintf("completions %+v, want the first one as it was", cs)
				}
				return ""
			},
		},
		{
			name: "Complete: the learner's enrolment here",
			prepare: func(u *useCases) (func() error, []string) {
				task := &domain.Task{Course: "course", Title: "One"}
				if err := u.svc.Tasks.Add(ctx, "ada", task); err != nil {
					u.t.Fatal(err)
				}
				return func() error { _, err := u.svc.Tasks.Complete(ctx, "bob", "course", task.ID, "", ""); return err },
					[]string{"Follower", "course", u.person("bob")}
			},
			unchanged: noCompletion("bob", "course"),
		},
		{
			name: "Complete: the badge it earns, already held",
			prepare: func(u *useCases) (func() error, []string) {
				task := &domain.Task{Course: "course", Title: "One"}
				if err := u.svc.Tasks.Add(ctx, "ada", task); err != nil {
					u.t.Fatal(err)
				}
				b := u.badge(&domain.Badge{Name: "Done", Criteria: domain.CriteriaAllTasks}, u.person("bob"))
				return func() error { _, err := u.svc.Tasks.Complete(ctx, "bob", "course", task.ID, "", ""); return err },
					[]string{"AwardOf", b, u.person("bob")}
			},
			unchanged: func(u *useCases) string {
				if s := oneAward(u.person("bob"), "Done")(u); s != "" {
					return s
				}
				return noCompletion("bob", "course")(u)
			},
		},
		{
			name: "Courses.Update: the new school",
			prepare: func(u *useCases) (func() error, []string) {
				return func() error {
					var c *domain.Course
					u.view(func(tx domain.Tx) (err error) { c, err = tx.Course("course"); return err })
					c.School = "school"
					return u.svc.Courses.Update(ctx, "ada", c)
				}, []string{"School", "school"}
			},
			unchanged: func(u *useCases) string {
				var c *domain.Course
				u.view(func(tx domain.Tx) (err error) { c, err = tx.Course("course"); return err })
				if c.School != "" {
					return "the course moved to a school that could not be read"
				}
				return ""
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUseCases(t)
			call, fail := tc.prepare(u)
			before := u.deliveries()
			u.fs.Fail(fail[0], fail[1:]...)
			err := call()
			if u.fs.Hits() == 0 {
				t.Fatalf("the use case never called %v: the row tests nothing", fail)
			}
			if !errors.Is(err, faultstore.ErrInjected) || domain.ErrorCode(err) != domain.EINTERNAL {
				t.Fatalf("with %v failing: %v (code %q), want the store's error", fail, err, domain.ErrorCode(err))
			}
			u.fs.Heal()
			if why := tc.unchanged(u); why != "" {
				t.Fatal(why)
			}
			if n := u.deliveries(); n != before {
				t.Fatalf("%d deliveries queued by a call that failed", n-before)
			}
		})
	}
}

func noPosts(u *useCases) string {
	var n int
	u.view(func(tx domain.Tx) (err error) { n, err = tx.CountCoursePosts("course"); return err })
	if n != 0 {
		return fmt.Sprintf("%d posts after a failed Publish", n)
	}
	return ""
}

func noCompletion(person, course string) func(u *useCases) string {
	return func(u *useCases) string {
		var cs []*domain.Completion
		u.view(func(tx domain.Tx) (err error) { cs, err = tx.CompletionsOf(course, u.person(person)); return err })
		if len(cs) != 0 {
			return fmt.Sprintf("%d completions after a failed Complete", len(cs))
		}
		return ""
	}
}

func badgeNamed(u *useCases, name string) string {
	var id string
	u.view(func(tx domain.Tx) error {
		bs, err := tx.Badges("course")
		for _, b := range bs {
			if b.Name == name {
				id = b.ID
			}
		}
		return err
	})
	return id
}

func oneAward(learner, badge string) func(u *useCases) string {
	return func(u *useCases) string {
		if n := u.awards(learner, badgeNamed(u, badge)); n != 1 {
			return fmt.Sprintf("%d awards of %s to %s, want the one held", n, badge, learner)
		}
		return ""
	}
}
