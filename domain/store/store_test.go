package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/outbox"
	"github.com/lernejo/lernejo/service"
)

var testKeys = domain.KeyPair{PublicPEM: "PUBLIC", PrivatePEM: "PRIVATE"}

func openMem(t *testing.T) *Store {
	t.Helper()
	s, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newServices returns the services over s with a fixed clock, counting ids
// and one shared key pair, so tests run fast and deterministically.
func newServices(s domain.Store) *service.Services {
	var mu sync.Mutex
	n := 0
	newID := func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("01J%023d", n)
	}
	urls, err := federation.NewURLs("https://lernejo.example")
	if err != nil {
		panic(err)
	}
	return service.New(service.Config{
		Store:   s,
		Queue:   outbox.New(outbox.Config{Store: s, URLs: urls, NewID: newID}),
		Docs:    federation.Documents{URLs: urls},
		Now:     func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
		NewID:   newID,
		NewKeys: func() (domain.KeyPair, error) { return testKeys, nil },
	})
}

func seed(t *testing.T, svc *service.Services) {
	t.Helper()
	ctx := context.Background()
	if err := svc.Accounts.Register(ctx, &domain.Person{Handle: "ada", DisplayName: "Ada", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Schools.Create(ctx, service.ByOperator, &domain.School{Handle: "webcraft", Name: "School of Webcraft", Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "gentle-python", Title: "Python", Kind: "Study Group",
		Status: domain.StatusOpen, School: "webcraft", Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripsAndNotFound(t *testing.T) {
	s := openMem(t)
	svc := newServices(s)
	seed(t, svc)
	ctx := context.Background()
	for _, title := range []string{"One", "Two", "Three"} {
		if err := svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "gentle-python", Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Badges.Add(ctx, "ada", &domain.Badge{Issuer: "gentle-python", Name: "Python Basics"}); err != nil {
		t.Fatal(err)
	}
	err := s.View(ctx, func(tx domain.Tx) error {
		p, err := tx.Person("ada")
		if err != nil || p.DisplayName != "Ada" || p.PublicKeyPEM != "PUBLIC" {
			t.Errorf("person: %+v %v", p, err)
		}
		if k, err := tx.PrivateKey("ada"); err != nil || k != "PRIVATE" {
			t.Errorf("private key: %q %v", k, err)
		}
		c, err := tx.Course("gentle-python")
		if err != nil || c.School != "webcraft" || c.Kind != "Study Group" {
			t.Errorf("course: %+v %v", c, err)
		}
		if typ, err := tx.HandleType("webcraft"); err != nil || typ != domain.ActorSchool {
			t.Errorf("handle type: %v %v", typ, err)
		}
		tasks, err := tx.Tasks("gentle-python")
		if err != nil || len(tasks) != 3 {
			t.Fatalf("tasks: %d %v", len(tasks), err)
		}
		for i, want := range []string{"One", "Two", "Three"} {
			if tasks[i].Title != want || tasks[i].Position != i+1 {
				t.Errorf("task %d = %q at %d", i, tasks[i].Title, tasks[i].Position)
			}
		}
		badges, err := tx.Badges("gentle-python")
		if err != nil || len(badges) != 1 || badges[0].Name != "Python Basics" {
			t.Errorf("badges: %+v %v", badges, err)
		}
		if n, _ := tx.CountCourses(); n != 1 {
			t.Errorf("CountCourses = %d", n)
		}
		if n, _ := tx.CountPeople(); n != 1 {
			t.Errorf("CountPeople = %d", n)
		}
		// Not found is a domain error, never (nil, nil).
		for name, get := range map[string]func() error{
			"person":   func() error { _, err := tx.Person("nobody"); return err },
			"course":   func() error { _, err := tx.Course("nothing"); return err },
			"school":   func() error { _, err := tx.School("none"); return err },
			"task":     func() error { _, err := tx.Task("gentle-python", "x"); return err },
			"badge":    func() error { _, err := tx.Badge("x"); return err },
			"handle":   func() error { _, err := tx.HandleType("nobody"); return err },
			"key":      func() error { _, err := tx.PrivateKey("nobody"); return err },
			"instance": func() error { _, err := tx.InstanceActor(); return err },
		} {
			if err := get(); !domain.IsNotFound(err) {
				t.Errorf("%s: got %v, want not found", name, err)
			}
		}
		st, err := tx.Settings()
		if err != nil || st.Name != domain.DefaultSettings().Name {
			t.Errorf("settings default: %+v %v", st, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOneHandleNamespace(t *testing.T) {
	s := openMem(t)
	svc := newServices(s)
	seed(t, svc)
	ctx := context.Background()
	// A course may not take a person's handle, nor a person a school's.
	err := svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "ada", Title: "x", Organisers: []string{"ada"}})
	if !domain.IsConflict(err) {
		t.Fatalf("course with a person's handle: %v", err)
	}
	err = svc.Accounts.Register(ctx, &domain.Person{Handle: "WebCraft", PasswordHash: "h"})
	if !domain.IsConflict(err) {
		t.Fatalf("person with a school's handle: %v", err)
	}
	// Nothing of the refused creations was written.
	s.View(ctx, func(tx domain.Tx) error {
		if typ, _ := tx.HandleType("ada"); typ != domain.ActorPerson {
			t.Errorf("ada is now %s", typ)
		}
		if n, _ := tx.CountPeople(); n != 1 {
			t.Errorf("people = %d", n)
		}
		return nil
	})
	// Organisers and schools must exist.
	if err := svc.Courses.Create(ctx, "ghost", &domain.Course{Handle: "c2", Title: "x", Organisers: []string{"ghost"}}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("unknown organiser: %v", err)
	}
	if err := svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "c3", Title: "x", Organisers: []string{"ada"}, School: "nowhere"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("unknown school: %v", err)
	}
}

func TestConcurrentUpdatesRetryOnConflict(t *testing.T) {
	s := openMem(t)
	svc := newServices(s)
	seed(t, svc)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "gentle-python", Title: "T"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s.View(ctx, func(tx domain.Tx) error {
		tasks, _ := tx.Tasks("gentle-python")
		seen := map[int]bool{}
		for _, x := range tasks {
			seen[x.Position] = true
		}
		if len(tasks) != 20 || len(seen) != 20 {
			t.Errorf("%d tasks with %d distinct positions: conflicting writers were not serialised", len(tasks), len(seen))
		}
		return nil
	})
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	svc := newServices(s)
	seed(t, svc)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // a second Close is harmless (Badger would panic)
		t.Fatalf("second close: %v", err)
	}
	s2, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.View(context.Background(), func(tx domain.Tx) error {
		c, err := tx.Course("gentle-python")
		if err != nil || c.Title != "Python" {
			t.Errorf("course after restart: %+v %v", c, err)
		}
		if k, err := tx.PrivateKey("gentle-python"); err != nil || k != "PRIVATE" {
			t.Errorf("key after restart: %q %v", k, err)
		}
		return nil
	})
}

func TestSecondOpenerGetsClearError(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(Options{Dir: dir})
	want := fmt.Sprintf("data directory %s is in use by another lernejo process", dir)
	if err == nil || err.Error() != want {
		t.Fatalf("second open: %v, want %q", err, want)
	}
}

func TestCanceledContext(t *testing.T) {
	s := openMem(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.Update(ctx, func(domain.Tx) error { called = true; return nil })
	if err == nil || called || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("update with a canceled context: %v, called=%v", err, called)
	}
}

// TestOnlySchoolOrganisersPlaceCourses: anyone may start a course, but only a
// school's organisers may put one in their school, when creating it or by
// editing it later (the hardening issue: any user could make the School of
// Webcraft list and announce a phishing course).
func TestOnlySchoolOrganisersPlaceCourses(t *testing.T) {
	s := openMem(t)
	svc := newServices(s)
	seed(t, svc) // ada organises webcraft
	ctx := context.Background()
	if err := svc.Accounts.Register(ctx, &domain.Person{Handle: "mallory", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	err := svc.Courses.Create(ctx, "mallory", &domain.Course{Handle: "free-prizes", Title: "Claim your prize",
		Status: domain.StatusOpen, School: "webcraft", Organisers: []string{"mallory"}})
	if domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("a course placed in someone else's school: %v", err)
	}
	// Naming a school organiser as co-organiser changes nothing: the one who
	// places the course must organise the school.
	err = svc.Courses.Create(ctx, "mallory", &domain.Course{Handle: "free-prizes", Title: "Claim your prize",
		Status: domain.StatusOpen, School: "webcraft", Organisers: []string{"mallory", "ada"}})
	if domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("placed by naming ada as co-organiser: %v", err)
	}
	// Nor may one start a course in someone else's name.
	err = svc.Courses.Create(ctx, "mallory", &domain.Course{Handle: "free-prizes", Title: "x", Organisers: []string{"ada"}})
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a course whose creator does not organise it: %v", err)
	}
	// Without a school it is fine; moving it into the school is not.
	c := &domain.Course{Handle: "free-prizes", Title: "Claim your prize", Status: domain.StatusOpen, Organisers: []string{"mallory"}}
	if err := svc.Courses.Create(ctx, "mallory", c); err != nil {
		t.Fatal(err)
	}
	moved := *c
	moved.School = "webcraft"
	err = svc.Courses.Update(ctx, "mallory", &moved)
	if domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("an edit moving a course into someone else's school: %v", err)
	}
	s.View(ctx, func(tx domain.Tx) error {
		got, err := tx.Course("free-prizes")
		if err != nil || got.School != "" {
			t.Errorf("free-prizes after the refused edit: %+v, %v", got, err)
		}
		return nil
	})
	// The school's organiser places her own course, and moves one in.
	if err := svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "css-basics", Title: "CSS basics",
		School: "webcraft", Organisers: []string{"ada"}}); err != nil {
		t.Fatalf("ada's course in her school: %v", err)
	}
	own := &domain.Course{Handle: "html-basics", Title: "HTML basics", Organisers: []string{"ada"}}
	if err := svc.Courses.Create(ctx, "ada", own); err != nil {
		t.Fatal(err)
	}
	in := *own
	in.School = "webcraft"
	if err := svc.Courses.Update(ctx, "ada", &in); err != nil {
		t.Fatalf("ada moves her course into her school: %v", err)
	}
}
