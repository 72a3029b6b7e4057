package service

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// remoteSchoolID is a school of another Lernejo node, cached by withSchools.
const remoteSchoolID = "https://remote.test/schools/s"

// withSchools adds an operator, op, a course of bob's, bobs, and the
// remote school remoteSchoolID to the use cases' node.
func (u *useCases) withSchools() {
	u.t.Helper()
	ctx := context.Background()
	if err := u.svc.Accounts.Register(ctx, &domain.Person{Handle: "op", PasswordHash: "x", Admin: true}); err != nil {
		u.t.Fatal(err)
	}
	if err := u.svc.Courses.Create(ctx, "bob", &domain.Course{Handle: "bobs", Title: "Bob's course", Status: domain.StatusOpen, Organisers: []string{"bob"}}); err != nil {
		u.t.Fatal(err)
	}
	u.update(func(tx domain.Tx) error {
		return tx.PutRemoteActor(&domain.RemoteActor{ID: remoteSchoolID, Type: "Organization", Username: "s", Name: "Remote School",
			Host: "remote.test", Inbox: remoteSchoolID + "/inbox", Lernejo: true})
	})
}

func (u *useCases) school(h string) *domain.School {
	u.t.Helper()
	var sc *domain.School
	u.view(func(tx domain.Tx) error {
		var err error
		sc, err = tx.School(h)
		return err
	})
	return sc
}

func (u *useCases) course(h string) *domain.Course {
	u.t.Helper()
	var c *domain.Course
	u.view(func(tx domain.Tx) error {
		var err error
		c, err = tx.Course(h)
		return err
	})
	return c
}

func (u *useCases) outboxSize(h string) int {
	u.t.Helper()
	n := 0
	u.view(func(tx domain.Tx) error {
		var err error
		n, err = tx.CountOutbox(h)
		return err
	})
	return n
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("%s: %v (code %q), want %s", what, err, domain.ErrorCode(err), code)
	}
}

// TestOnlyOperatorsCreateAndRetireSchools: a member can neither create nor
// retire a school; an operator (an admin account, or the admin commands)
// can, naming local people as organisers. A retired school is still listed
// and takes no new course.
func TestOnlyOperatorsCreateAndRetireSchools(t *testing.T) {
	u := newUseCases(t)
	u.withSchools()
	ctx := context.Background()
	s := u.svc.Schools
	wantCode(t, "member creates", s.Create(ctx, "ada", &domain.School{Handle: "mine", Name: "Mine", Organisers: []string{"ada"}}), domain.EFORBIDDEN)
	wantCode(t, "unknown organiser", s.Create(ctx, "op", &domain.School{Handle: "arts", Name: "Arts", Organisers: []string{"nobody"}}), domain.EINVALID)
	if err := s.Create(ctx, "op", &domain.School{Handle: "Arts", Name: "Arts", Organisers: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "member retires", s.Retire(ctx, "bob", "arts"), domain.EFORBIDDEN)
	if err := s.Retire(ctx, ByOperator, "arts"); err != nil {
		t.Fatal(err)
	}
	all, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var handles []string
	for _, sc := range all {
		handles = append(handles, sc.Handle)
	}
	if !slices.Equal(handles, []string{"arts", "school"}) || !all[0].IsRetired() || all[1].IsRetired() {
		t.Fatalf("schools %v, arts retired %v", handles, all[0].IsRetired())
	}
	_, err = s.Ask(ctx, "bob", "bobs", "arts")
	wantCode(t, "ask a retired school", err, domain.EINVALID)
}

// TestOnlySchoolOrganisersEditAndDecide: the profile is its organisers'
// (and the operators'); who organises it, only operators say. Only its
// organisers answer a course asking to join, and accepting places the
// course. Each Update the school sends is in its outbox.
func TestOnlySchoolOrganisersEditAndDecide(t *testing.T) {
	u := newUseCases(t)
	u.withSchools()
	ctx := context.Background()
	s := u.svc.Schools
	_, err := s.Edit(ctx, "bob", "school", SchoolProfile{Name: "Bob's now"})
	wantCode(t, "non-organiser edits", err, domain.EFORBIDDEN)
	_, err = s.Edit(ctx, "ada", "school", SchoolProfile{Name: "School", Organisers: []string{"ada", "bob"}})
	wantCode(t, "organiser names organisers", err, domain.EFORBIDDEN)
	if _, err := s.Edit(ctx, "ada", "school", SchoolProfile{Name: "School of Things", Summary: "Things."}); err != nil {
		t.Fatal(err)
	}
	if sc := u.school("school"); sc.Name != "School of Things" || sc.Summary != "Things." {
		t.Fatalf("after the edit: %+v", sc)
	}
	if n := u.outboxSize("school"); n != 1 {
		t.Fatalf("school outbox after an edit: %d items, want 1 (the Update)", n)
	}

	r, err := s.Ask(ctx, "bob", "bobs", "school")
	if err != nil || r.Placed || r.Remote {
		t.Fatalf("bob asks: %+v %v", r, err)
	}
	if c := u.course("bobs"); c.School != "" {
		t.Fatalf("placed before anyone answered: %q", c.School)
	}
	wantCode(t, "bob decides", s.Decide(ctx, "bob", "school", "bobs", true), domain.EFORBIDDEN)
	if err := s.Decide(ctx, "ada", "school", "bobs", true); err != nil {
		t.Fatal(err)
	}
	if c, sc := u.course("bobs"), u.school("school"); c.School != "school" || len(sc.Asks) != 0 {
		t.Fatalf("after ada accepted: course in %q, queue %+v", c.School, sc.Asks)
	}
	if n := u.outboxSize("school"); n != 2 {
		t.Fatalf("school outbox after placing an open course: %d items, want 2 (Update, the note announcing it)", n)
	}
	wantCode(t, "answer twice", s.Decide(ctx, "ada", "school", "bobs", false), domain.ENOTFOUND)

	// Only operators name the organisers; bob now curates too.
	if _, err := s.Edit(ctx, "op", "school", SchoolProfile{Name: "School of Things", Organisers: []string{"ada", "bob"}}); err != nil {
		t.Fatal(err)
	}
	if sc := u.school("school"); !sc.IsOrganiser("bob") {
		t.Fatalf("organisers %v", sc.Organisers)
	}
}

// TestCourseOrganiserAsksOnlyForOwnCourse: bob cannot ask for ada's
// course; a course asks once; declined, it stays out and may ask again.
// A school's organiser asking for their own course places it at once.
func TestCourseOrganiserAsksOnlyForOwnCourse(t *testing.T) {
	u := newUseCases(t)
	u.withSchools()
	ctx := context.Background()
	s := u.svc.Schools
	_, err := s.Ask(ctx, "bob", "course", "school")
	wantCode(t, "bob asks for ada's course", err, domain.EFORBIDDEN)
	_, err = s.Ask(ctx, "bob", "bobs", "nowhere")
	wantCode(t, "no such school", err, domain.EINVALID)
	if _, err := s.Ask(ctx, "bob", "bobs", "@school@node.test"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Ask(ctx, "bob", "bobs", "school")
	wantCode(t, "ask twice", err, domain.ECONFLICT)
	if err := s.Decide(ctx, "ada", "school", "bobs", false); err != nil {
		t.Fatal(err)
	}
	if c, sc := u.course("bobs"), u.school("school"); c.School != "" || len(sc.Asks) != 0 {
		t.Fatalf("after a decline: course in %q, queue %+v", c.School, sc.Asks)
	}
	if _, err := s.Ask(ctx, "bob", "bobs", "school"); err != nil {
		t.Fatalf("asking again after a decline: %v", err)
	}

	r, err := s.Ask(ctx, "ada", "course", "https://node.test/schools/school")
	if err != nil || !r.Placed {
		t.Fatalf("the school's organiser asks for her own course: %+v %v", r, err)
	}
	if c := u.course("course"); c.School != "school" {
		t.Fatalf("ada's course in %q", c.School)
	}
}

// TestRemoteCourseAsksToJoin: a course of another node offers itself; the
// school's organiser accepts: the course gets Accept{Offer}, the school
// lists it in its collection, and the Accept and the note announcing it
// are in the school's outbox. The same course offering again gets Accept
// again, and is not queued twice. Declined, a course gets Reject{Offer}.
func TestRemoteCourseAsksToJoin(t *testing.T) {
	u := newUseCases(t)
	u.withSchools()
	ctx := context.Background()
	s := u.svc.Schools
	offer := gID + "/offers/1"
	u.update(func(tx domain.Tx) error { return s.ReceiveOffer(tx, "school", gID, offer) })
	u.update(func(tx domain.Tx) error { return s.ReceiveOffer(tx, "school", gID, gID+"/offers/2") })
	sc := u.school("school")
	if len(sc.Asks) != 1 || sc.Asks[0].Course != gID || sc.Asks[0].Offer != gID+"/offers/2" || !sc.Asks[0].Remote() {
		t.Fatalf("queue after two Offers: %+v", sc.Asks)
	}
	if err := s.Decide(ctx, "ada", "school", gID, true); err != nil {
		t.Fatal(err)
	}
	if got := u.sentObjects(gID + "/inbox"); !slices.Contains(got, "Accept "+gID+"/offers/2") {
		t.Fatalf("sent to the course: %v", got)
	}
	ids, err := s.Collection(ctx, "school")
	if err != nil || !slices.Equal(ids, []string{gID}) {
		t.Fatalf("collection %v %v", ids, err)
	}
	if n := u.outboxSize("school"); n != 2 {
		t.Fatalf("school outbox: %d items, want 2 (Accept, the note)", n)
	}
	u.update(func(tx domain.Tx) error { return s.ReceiveOffer(tx, "school", gID, gID+"/offers/3") })
	if sc := u.school("school"); len(sc.Asks) != 0 || len(sc.RemoteCourses) != 1 {
		t.Fatalf("after an Offer of a listed course: queue %+v, remote %+v", sc.Asks, sc.RemoteCourses)
	}
	if got := u.sentObjects(gID + "/inbox"); !slices.Contains(got, "Accept "+gID+"/offers/3") {
		t.Fatalf("the listed course offering again is not answered: %v", got)
	}

	// A Person does not join schools.
	err = u.st.Update(ctx, func(tx domain.Tx) error { return s.ReceiveOffer(tx, "school", raeID, raeID+"/offers/1") })
	wantCode(t, "a person offers", err, domain.EINVALID)

	// Retired, the school answers Reject at once.
	if err := s.Retire(ctx, "op", "school"); err != nil {
		t.Fatal(err)
	}
	other := "https://remote.test/courses/h"
	u.update(func(tx domain.Tx) error {
		if err := tx.PutRemoteActor(&domain.RemoteActor{ID: other, Type: "Group", Username: "h", Host: "remote.test", Inbox: other + "/inbox", Lernejo: true}); err != nil {
			return err
		}
		return s.ReceiveOffer(tx, "school", other, other+"/offers/1")
	})
	if got := u.sentObjects(other + "/inbox"); !slices.Equal(got, []string{"Reject " + other + "/offers/1"}) {
		t.Fatalf("a retired school's answer: %v", got)
	}
}

// TestCourseAsksRemoteSchool: a course here offers itself to a school of
// another node. Only that school's answer to that Offer counts: accepted,
// the course's actor names the school; rejected after, it is out again.
func TestCourseAsksRemoteSchool(t *testing.T) {
	u := newUseCases(t)
	u.withSchools()
	ctx := context.Background()
	s := u.svc.Schools
	r, err := s.Ask(ctx, "ada", "course", remoteSchoolID)
	if err != nil || !r.Remote || r.Name != "Remote School" {
		t.Fatalf("ask: %+v %v", r, err)
	}
	c := u.course("course")
	if c.RemoteSchool == nil || c.RemoteSchool.ID != remoteSchoolID || c.RemoteSchool.Accepted {
		t.Fatalf("course after asking: %+v", c.RemoteSchool)
	}
	offer := c.RemoteSchool.Offer
	if got := u.sentObjects(remoteSchoolID + "/inbox"); !slices.Equal(got, []string{"Offer https://node.test/courses/course"}) {
		t.Fatalf("sent to the school: %v", got)
	}
	courseID := "https://node.test/courses/course"
	answer := func(offerID, by string, ok bool) error {
		return u.st.Update(ctx, func(tx domain.Tx) error { return s.OfferAnswered(tx, courseID, offerID, by, ok) })
	}
	wantCode(t, "another actor answers", answer(offer, raeID, true), domain.EFORBIDDEN)
	wantCode(t, "an answer to another Offer", answer(offer+"x", remoteSchoolID, true), domain.EFORBIDDEN)
	err = u.st.Update(ctx, func(tx domain.Tx) error { return s.OfferAnswered(tx, gID, offer, remoteSchoolID, true) })
	wantCode(t, "an answer about a course elsewhere", err, domain.EINVALID)
	if err := answer(offer, remoteSchoolID, true); err != nil {
		t.Fatal(err)
	}
	if c := u.course("course"); c.RemoteSchool == nil || !c.RemoteSchool.Accepted {
		t.Fatalf("after Accept: %+v", c.RemoteSchool)
	}
	doc, err := u.svc.Documents.Actor(ctx, domain.ActorCourse, "course")
	if err != nil || !strings.Contains(string(doc), `"school":"`+remoteSchoolID+`"`) {
		t.Fatalf("course actor: %s %v", doc, err)
	}
	_, err = s.Ask(ctx, "ada", "course", "school")
	wantCode(t, "ask another school once in one", err, domain.EINVALID)
	if err := answer(offer, remoteSchoolID, false); err != nil {
		t.Fatal(err)
	}
	if c := u.course("course"); c.RemoteSchool != nil {
		t.Fatalf("after Reject: %+v", c.RemoteSchool)
	}
}
