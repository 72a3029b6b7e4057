package store

import (
	"context"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// postIDs are the ids of posts, in order.
func postIDs(ps []*domain.Post) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestPostsByAuthorIndex: the index of posts by author follows the posts
// as they are written and deleted, across courses, oldest first.
func TestPostsByAuthorIndex(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	ada, bea := "https://n.test/people/ada", "https://m.test/users/bea"
	err := s.Update(ctx, func(tx domain.Tx) error {
		for _, p := range []*domain.Post{
			{ID: "01A", Course: "python", URI: "https://n.test/p/1", Thread: "01A", Author: ada, Local: true},
			{ID: "01B", Course: "python", URI: "https://n.test/p/2", Thread: "01A", InReplyTo: "https://n.test/p/1", Author: bea},
			{ID: "01C", Course: "rust", URI: "https://n.test/p/3", Thread: "01C", Author: ada, Local: true},
			{ID: "01D", Course: "python", URI: "https://n.test/p/4", Thread: "01A", InReplyTo: "https://n.test/p/2", Author: ada, Local: true},
		} {
			if err := tx.PutPost(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	byAuthor := func(author string) []string {
		t.Helper()
		var ids []string
		if err := s.View(ctx, func(tx domain.Tx) error {
			ps, err := tx.PostsBy(author)
			ids = postIDs(ps)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := byAuthor(ada); !slices.Equal(got, []string{"01A", "01C", "01D"}) {
		t.Errorf("ada's posts: %v", got)
	}
	if got := byAuthor(bea); !slices.Equal(got, []string{"01B"}) {
		t.Errorf("bea's posts: %v", got)
	}
	// Rewritten (a like, an edit): listed once.
	err = s.Update(ctx, func(tx domain.Tx) error {
		p, err := tx.Post("https://n.test/p/3")
		if err != nil {
			return err
		}
		p.Likes++
		if err := tx.PutPost(p); err != nil {
			return err
		}
		q, err := tx.Post("https://n.test/p/1")
		if err != nil {
			return err
		}
		return tx.DeletePost(q)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := byAuthor(ada); !slices.Equal(got, []string{"01C", "01D"}) {
		t.Errorf("ada's posts after a like and a deletion: %v", got)
	}
	if got := byAuthor("https://n.test/people/nobody"); len(got) != 0 {
		t.Errorf("nobody's posts: %v", got)
	}
}

// TestMigrateBuildsPostsByOfSchema2: a store of schema 2 has posts but no
// index of them by author; Open builds it, and leaves the outboxes and
// counters of schema 2 as they were.
func TestMigrateBuildsPostsByOfSchema2(t *testing.T) {
	m := openMem(t)
	ctx := context.Background()
	ada := "https://n.test/people/ada"
	err := m.Update(ctx, func(tx domain.Tx) error {
		for i, id := range []string{"01A", "01B", "01C"} {
			p := &domain.Post{ID: id, Course: "python", URI: "https://n.test/p/" + id, Thread: id, Author: ada, Local: i != 1}
			if i == 1 {
				p.Author = "https://m.test/users/bea"
			}
			if err := tx.PutPost(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// As schema 2 left it: no post-by keys, and a counter the writes kept
	// that a full rebuild would set otherwise.
	posts := countKey("posts", "python")
	err = m.db.Update(func(txn *badger.Txn) error {
		for _, id := range []string{"01A", "01C"} {
			if err := txn.Delete(key(pPostBy, ada, id)); err != nil {
				return err
			}
		}
		if err := txn.Delete(key(pPostBy, "https://m.test/users/bea", "01B")); err != nil {
			return err
		}
		if err := txn.Set(posts, binary.BigEndian.AppendUint64(nil, 7)); err != nil {
			return err
		}
		return txn.Set(key(pSchema), binary.BigEndian.AppendUint32(nil, 2))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.migrate(); err != nil {
		t.Fatal(err)
	}
	err = m.View(ctx, func(tx domain.Tx) error {
		ps, err := tx.PostsBy(ada)
		if err != nil || !slices.Equal(postIDs(ps), []string{"01A", "01C"}) {
			t.Errorf("ada's posts after the migration: %v, %v", postIDs(ps), err)
		}
		if n, err := tx.CountCoursePosts("python"); err != nil || n != 7 {
			t.Errorf("schema 2's counter rewritten: %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

}
