package store

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// walkPages follows a list's next links from the first page, then its prev
// links back from the last, and returns the ids seen each way; it fails the
// test on a page larger than limit or a walk that does not end.
func walkPages[T any](t *testing.T, s *Store, limit int, read func(tx domain.Tx, cursor string) (domain.Page[T], error), id func(T) string) (forward, backward []string, sizes []int) {
	t.Helper()
	get := func(cursor string) domain.Page[T] {
		t.Helper()
		var p domain.Page[T]
		if err := s.View(context.Background(), func(tx domain.Tx) error {
			var err error
			p, err = read(tx, cursor)
			return err
		}); err != nil {
			t.Fatalf("read page %q: %v", cursor, err)
		}
		if len(p.Items) > limit {
			t.Fatalf("page %q has %d items, limit %d", cursor, len(p.Items), limit)
		}
		return p
	}
	p := get("")
	if p.Prev != "" {
		t.Errorf("the first page has a prev cursor %q", p.Prev)
	}
	for steps := 0; ; steps++ {
		if steps > 1000 {
			t.Fatal("next links do not end")
		}
		sizes = append(sizes, len(p.Items))
		for _, x := range p.Items {
			forward = append(forward, id(x))
		}
		if p.Next == "" {
			break
		}
		p = get(p.Next)
	}
	for steps := 0; ; steps++ {
		if steps > 1000 {
			t.Fatal("prev links do not end")
		}
		ids := make([]string, 0, len(p.Items))
		for _, x := range p.Items {
			ids = append(ids, id(x))
		}
		backward = append(ids, backward...)
		if p.Prev == "" {
			break
		}
		p = get(p.Prev)
	}
	return forward, backward, sizes
}

func TestFollowersPageAndCounts(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var accepted []string
	// 35 accepted followers and 7 pending ones, interleaved, written out of
	// follow order: pages are in follow order.
	err := s.Update(ctx, func(tx domain.Tx) error {
		for i := 41; i >= 0; i-- {
			f := &domain.Follower{Local: "course", Actor: fmt.Sprintf("https://h%d.test/u", i), State: domain.FollowAccepted,
				Created: start.Add(time.Duration(i) * time.Minute)}
			if i%6 == 5 {
				f.State = domain.FollowPending
			}
			if err := tx.PutFollower(f); err != nil {
				return err
			}
		}
		// Another actor's followers are another list.
		return tx.PutFollower(&domain.Follower{Local: "other", Actor: "https://h0.test/u", State: domain.FollowAccepted, Created: start})
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= 41; i++ {
		if i%6 != 5 {
			accepted = append(accepted, fmt.Sprintf("https://h%d.test/u", i))
		}
	}
	read := func(tx domain.Tx, cursor string) (domain.Page[*domain.Follower], error) {
		return tx.FollowersPage("course", domain.FollowAccepted, cursor, 10)
	}
	fw, bw, sizes := walkPages(t, s, 10, read, func(f *domain.Follower) string { return f.Actor })
	if !slices.Equal(fw, accepted) || !slices.Equal(bw, accepted) {
		t.Fatalf("pages forward %v\nbackward %v\nwant %v", fw, bw, accepted)
	}
	if !slices.Equal(sizes, []int{10, 10, 10, 5}) {
		t.Errorf("page sizes %v, want 10 10 10 5", sizes)
	}

	count := func(local string, st domain.FollowState) int {
		var n int
		if err := s.View(ctx, func(tx domain.Tx) error {
			var err error
			n, err = tx.CountFollowers(local, st)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, p := count("course", domain.FollowAccepted), count("course", domain.FollowPending); a != 35 || p != 7 {
		t.Fatalf("counts %d accepted, %d pending; want 35, 7", a, p)
	}
	// Approving a request moves it between the lists and the counts;
	// writing a follower again changes nothing; deleting takes it out.
	err = s.Update(ctx, func(tx domain.Tx) error {
		f, err := tx.Follower("course", "https://h5.test/u")
		if err != nil {
			return err
		}
		f.State = domain.FollowAccepted
		if err := tx.PutFollower(f); err != nil {
			return err
		}
		if err := tx.PutFollower(f); err != nil {
			return err
		}
		if err := tx.DeleteFollower("course", "https://h0.test/u"); err != nil {
			return err
		}
		return tx.DeleteFollower("course", "https://nobody.test/u")
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, p := count("course", domain.FollowAccepted), count("course", domain.FollowPending); a != 35 || p != 6 {
		t.Fatalf("after approve and delete: %d accepted, %d pending; want 35, 6", a, p)
	}
	fw, _, _ = walkPages(t, s, 10, read, func(f *domain.Follower) string { return f.Actor })
	want := slices.Concat(accepted[1:5], []string{"https://h5.test/u"}, accepted[5:])
	if !slices.Equal(fw, want) {
		t.Fatalf("after approve and delete: %v\nwant %v", fw, want)
	}
}

func TestPageCursors(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx domain.Tx) error {
		for i := range 25 {
			if err := tx.PutFollower(&domain.Follower{Local: "c", Actor: fmt.Sprintf("https://a.test/%02d", i),
				State: domain.FollowAccepted, Created: time.Unix(int64(1000+i), 0)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	page := func(cursor string) (domain.Page[*domain.Follower], error) {
		var p domain.Page[*domain.Follower]
		err := s.View(ctx, func(tx domain.Tx) error {
			var err error
			p, err = tx.FollowersPage("c", domain.FollowAccepted, cursor, 10)
			return err
		})
		return p, err
	}
	for _, bad := range []string{"!!!", "eA", "Yg==", string(make([]byte, 3000))} {
		if _, err := page(bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("cursor %q: %v, want an EINVALID error", bad, err)
		}
	}
	first, err := page("")
	if err != nil {
		t.Fatal(err)
	}
	second, err := page(first.Next)
	if err != nil {
		t.Fatal(err)
	}
	third, err := page(second.Next)
	if err != nil || len(third.Items) != 5 || third.Next != "" {
		t.Fatalf("third page: %d items, next %q, %v", len(third.Items), third.Next, err)
	}
	// Everything after the second page's cursor goes: its next link leads
	// to the last page there is, not to an empty one.
	err = s.Update(ctx, func(tx domain.Tx) error {
		for i := 10; i < 25; i++ {
			if err := tx.DeleteFollower("c", fmt.Sprintf("https://a.test/%02d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	late, err := page(second.Next)
	if err != nil || len(late.Items) != 10 || late.Items[0].Actor != "https://a.test/00" || late.Next != "" || late.Prev != "" {
		t.Fatalf("stale next cursor: %d items, prev %q next %q, %v", len(late.Items), late.Prev, late.Next, err)
	}
	if p := func() domain.Page[*domain.Follower] { p, _ := page(third.Prev); return p }(); len(p.Items) != 10 {
		t.Errorf("stale prev cursor: %d items, want the first page", len(p.Items))
	}
	var tooBig error
	s.View(ctx, func(tx domain.Tx) error {
		_, tooBig = tx.FollowersPage("c", domain.FollowAccepted, "", domain.MaxPageSize+1)
		return nil
	})
	if tooBig == nil {
		t.Error("a limit over MaxPageSize was read")
	}
}

func TestDiscussionPageRootsAndCounts(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	uri := func(i int) string { return fmt.Sprintf("https://n.test/posts/%02d", i) }
	post := func(i int, parent int) *domain.Post {
		p := &domain.Post{ID: fmt.Sprintf("01P%02d", i), Course: "c", URI: uri(i), Author: "https://a.test/u", Thread: fmt.Sprintf("01P%02d", i)}
		if parent >= 0 {
			p.InReplyTo, p.Thread = uri(parent), fmt.Sprintf("01P%02d", parent)
		}
		return p
	}
	// 30 top-level posts, each even one with two replies; reply 40 arrives
	// before its parent 31 (it is top-level until then).
	err := s.Update(ctx, func(tx domain.Tx) error {
		for i := range 30 {
			if err := tx.PutPost(post(i, -1)); err != nil {
				return err
			}
		}
		for i := 0; i < 30; i += 2 {
			for r := range 2 {
				if err := tx.PutPost(post(100+i*2+r, i)); err != nil {
					return err
				}
			}
		}
		return tx.PutPost(post(40, 31))
	})
	if err != nil {
		t.Fatal(err)
	}
	roots := func() []string {
		fw, bw, _ := walkPages(t, s, 7, func(tx domain.Tx, c string) (domain.Page[*domain.Post], error) {
			return tx.DiscussionPage("c", c, 7)
		}, func(p *domain.Post) string { return p.ID })
		if !slices.Equal(fw, bw) {
			t.Fatalf("forward %v, backward %v", fw, bw)
		}
		return fw
	}
	var want []string
	want = append(want, "01P40")
	for i := 29; i >= 0; i-- {
		want = append(want, fmt.Sprintf("01P%02d", i))
	}
	if got := roots(); !slices.Equal(got, want) {
		t.Fatalf("roots %v\nwant %v", got, want)
	}
	if err := s.Update(ctx, func(tx domain.Tx) error { return tx.PutPost(post(31, -1)) }); err != nil {
		t.Fatal(err)
	}
	want = append([]string{"01P31"}, want[1:]...)
	if got := roots(); !slices.Equal(got, want) {
		t.Fatalf("after the parent arrived: %v\nwant %v", got, want)
	}
	// Deleting a parent puts its replies back at the top.
	err = s.Update(ctx, func(tx domain.Tx) error {
		p, err := tx.Post(uri(0))
		if err != nil {
			return err
		}
		return tx.DeletePost(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	want = append(slices.Clone(want[:len(want)-1]), "01P101", "01P100")
	slices.SortFunc(want, func(a, b string) int { return -cmpString(a, b) })
	if got := roots(); !slices.Equal(got, want) {
		t.Fatalf("after deleting a parent: %v\nwant %v", got, want)
	}
	err = s.View(ctx, func(tx domain.Tx) error {
		n, err := tx.CountCoursePosts("c")
		if err != nil || n != 30+30+1 {
			t.Errorf("posts counted: %d, %v; want 61", n, err)
		}
		if n, err := tx.CountReplies(uri(2)); err != nil || n != 2 {
			t.Errorf("replies of post 2: %d, %v", n, err)
		}
		if n, err := tx.CountThread("01P02"); err != nil || n != 3 {
			t.Errorf("posts in thread 2: %d, %v", n, err)
		}
		rs, err := tx.RepliesPage(uri(2), "", 1)
		if err != nil || len(rs.Items) != 1 || rs.Items[0].ID != "01P104" || rs.Next == "" {
			t.Errorf("first reply of post 2: %+v, %v", rs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestCourseListsAndFilteredPages(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx domain.Tx) error {
		for i := range 60 {
			c := &domain.Course{Handle: fmt.Sprintf("c%02d", i), Status: domain.StatusOpen, Language: []string{"en", "eo", "fr"}[i%3]}
			if i%2 == 0 {
				c.Tags = []string{"even"}
			}
			if i%10 == 9 {
				c.Status = domain.StatusDraft
			}
			if err := tx.PutCourse(c); err != nil {
				return err
			}
		}
		// A course that stops being open leaves the open lists.
		c, err := tx.Course("c00")
		if err != nil {
			return err
		}
		c.Status = domain.StatusClosed
		return tx.PutCourse(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	var open, even []string
	for i := 1; i < 60; i++ {
		if i%10 != 9 {
			open = append(open, fmt.Sprintf("c%02d", i))
			if i%2 == 0 {
				even = append(even, fmt.Sprintf("c%02d", i))
			}
		}
	}
	handle := func(c *domain.Course) string { return c.Handle }
	fw, bw, _ := walkPages(t, s, 8, func(tx domain.Tx, c string) (domain.Page[*domain.Course], error) {
		return tx.CoursesPage(domain.OpenCourses, c, 8, nil)
	}, handle)
	if !slices.Equal(fw, open) || !slices.Equal(bw, open) {
		t.Fatalf("open courses %v\nbackward %v\nwant %v", fw, bw, open)
	}
	fw, _, _ = walkPages(t, s, 8, func(tx domain.Tx, c string) (domain.Page[*domain.Course], error) {
		return tx.CoursesPage(domain.TagCourses("even"), c, 8, nil)
	}, handle)
	if !slices.Equal(fw, even) {
		t.Fatalf("tag even %v\nwant %v", fw, even)
	}
	// A filter that keeps one course in twenty: pages are short, but a
	// page examines at most limit*MaxPageScan entries and every match is
	// reached by following next.
	var rare []string
	for _, h := range open {
		if h[2] == '3' {
			rare = append(rare, h)
		}
	}
	fw, _, sizes := walkPages(t, s, 1, func(tx domain.Tx, c string) (domain.Page[*domain.Course], error) {
		return tx.CoursesPage(domain.OpenCourses, c, 1, func(c *domain.Course) bool { return c.Handle[2] == '3' })
	}, handle)
	if !slices.Equal(fw, rare) {
		t.Fatalf("filtered %v, want %v", fw, rare)
	}
	if len(sizes) < len(open)/domain.MaxPageScan {
		t.Errorf("filtered walk took %d pages over %d courses: a page examined more than %d", len(sizes), len(open), domain.MaxPageScan)
	}
	err = s.View(ctx, func(tx domain.Tx) error {
		langs, err := tx.CourseLanguages(10)
		if err != nil || !slices.Equal(langs, []string{"en", "eo", "fr"}) {
			t.Errorf("languages %v, %v", langs, err)
		}
		if langs, err := tx.CourseLanguages(2); err != nil || !slices.Equal(langs, []string{"en", "eo"}) {
			t.Errorf("two languages %v, %v", langs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateBuildsIndexesOfOldStores: a store written before the indexes
// and counters (the first released version's, testdata/store-v1) gets them
// at Open; and a store whose indexes are dropped gets the same ones back.
func TestMigrateBuildsIndexesOfOldStores(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/store-v1")); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	err = s.View(ctx, func(tx domain.Tx) error {
		n, err := tx.CountFollowers("gentle-python", domain.FollowAccepted)
		if err != nil || n != 1 {
			t.Errorf("accepted followers counted: %d, %v", n, err)
		}
		fs, err := tx.FollowersPage("gentle-python", domain.FollowAccepted, "", 10)
		if err != nil || len(fs.Items) != 1 || fs.Items[0].Actor != "https://mastodon.example/users/zoe" {
			t.Errorf("followers page: %+v, %v", fs, err)
		}
		cs, err := tx.CoursesPage(domain.OpenCourses, "", 10, nil)
		if err != nil || len(cs.Items) != 1 || cs.Items[0].Handle != "gentle-python" {
			t.Errorf("open courses: %+v, %v", cs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A store with followers, posts, courses and completions, whose
	// indexes and counters are then dropped, gets them back exactly.
	m := openMem(t)
	svc := newServices(m)
	seed(t, svc)
	err = m.Update(ctx, func(tx domain.Tx) error {
		for i := range 30 {
			if err := tx.PutFollower(&domain.Follower{Local: "gentle-python", Actor: fmt.Sprintf("https://h.test/%d", i),
				State: []domain.FollowState{domain.FollowAccepted, domain.FollowPending}[i%2], Created: time.Unix(int64(i), 0)}); err != nil {
				return err
			}
			p := &domain.Post{ID: fmt.Sprintf("01P%02d", i), Course: "gentle-python", URI: fmt.Sprintf("https://n.test/p/%d", i), Thread: fmt.Sprintf("01P%02d", i), Pinned: i == 3, Local: true,
				Author: fmt.Sprintf("https://n.test/people/p%d", i%4)}
			if i%3 == 2 {
				p.InReplyTo, p.Thread = fmt.Sprintf("https://n.test/p/%d", i-1), fmt.Sprintf("01P%02d", i-1)
			}
			if i == 29 {
				p.InReplyTo = "https://elsewhere.test/unknown"
			}
			if err := tx.PutPost(p); err != nil {
				return err
			}
			if err := tx.PutCompletion(&domain.Completion{ID: fmt.Sprintf("https://n.test/c/%d", i), Course: "gentle-python", Task: "t1",
				Learner: fmt.Sprintf("https://h.test/%d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := derivedKeys(t, m)
	if len(before) < 60 {
		t.Fatalf("only %d index and counter keys written", len(before))
	}
	err = m.db.Update(func(txn *badger.Txn) error {
		for k := range before {
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return txn.Delete(key(pSchema))
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(derivedKeys(t, m)) != 0 {
		t.Fatal("indexes not dropped")
	}
	if err := m.migrate(); err != nil {
		t.Fatal(err)
	}
	after := derivedKeys(t, m)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("key %q: %x after migration, %x before", k, after[k], v)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("migration wrote %q, which the writes did not", k)
		}
	}
}

// derivedKeys returns every index and counter key of schema 3 with its value.
func derivedKeys(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, p := range []byte{pCount, pRoot, pPinned, pCourseList, pFollowerAt, pOutbox, pOutboxOf, pPostBy} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{p}, PrefetchValues: true})
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					it.Close()
					return err
				}
				out[string(it.Item().KeyCopy(nil))] = string(v)
			}
			it.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
