package store

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

func (t *tx) Post(uri string) (*domain.Post, error) {
	item, err := t.txn.Get(key(pPostURI, uri))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Post not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: get post: %w", err)
	}
	ref, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read post: %w", err)
	}
	return t.postByRef(ref)
}

// postByRef reads a post by its "COURSE 0 ULID" reference.
func (t *tx) postByRef(ref []byte) (*domain.Post, error) {
	return getAs[domain.Post](t, append([]byte{pPost}, ref...), "Post")
}

func postRef(p *domain.Post) []byte { return key(0, p.Course, p.ID)[1:] }

func (t *tx) PutPost(p *domain.Post) error {
	ref := postRef(p)
	existed, err := t.exists(key(pPost, p.Course, p.ID))
	if err != nil {
		return err
	}
	if err := t.put(key(pPost, p.Course, p.ID), p); err != nil {
		return err
	}
	if err := t.indexPost(p, !existed); err != nil {
		return err
	}
	sets := map[string][]byte{
		string(key(pPostURI, p.URI)):         ref,
		string(key(pThread, p.Thread, p.ID)): ref,
		string(key(pPostBy, p.Author, p.ID)): ref,
	}
	if p.InReplyTo != "" {
		sets[string(key(pReply, p.InReplyTo, p.ID))] = ref
	}
	if p.Local {
		sets[string(key(pLocalPost, p.ID))] = nil
	}
	for k, v := range sets {
		if err := t.txn.Set([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) DeletePost(p *domain.Post) error {
	existed, err := t.exists(key(pPost, p.Course, p.ID))
	if err != nil {
		return err
	}
	if existed {
		if err := t.unindexPost(p); err != nil {
			return err
		}
	}
	if err := t.unlist(p.URI); err != nil {
		return err
	}
	for _, k := range [][]byte{
		key(pPost, p.Course, p.ID), key(pPostURI, p.URI), key(pThread, p.Thread, p.ID),
		key(pReply, p.InReplyTo, p.ID), key(pLocalPost, p.ID), key(pPostBy, p.Author, p.ID),
	} {
		if err := t.txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) CoursePosts(course string, offset, limit int) ([]*domain.Post, error) {
	prefix := prefixOf(pPost, course)
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true, PrefetchValues: true, PrefetchSize: 32})
	defer it.Close()
	var out []*domain.Post
	i := 0
	for it.Seek(append(append([]byte(nil), prefix...), 0xff)); it.Valid(); it.Next() {
		if i++; i <= offset {
			continue
		}
		if limit > 0 && len(out) >= limit {
			break
		}
		p, err := getAs[domain.Post](t, it.Item().KeyCopy(nil), "Post")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (t *tx) CountCoursePosts(course string) (int, error) {
	return t.counter(countKey("posts", course))
}

func (t *tx) Replies(uri string) ([]*domain.Post, error) {
	return t.postsByIndex(prefixOf(pReply, uri))
}

func (t *tx) PostsBy(author string) ([]*domain.Post, error) {
	return t.postsByIndex(prefixOf(pPostBy, author))
}

func (t *tx) Thread(id string) ([]*domain.Post, error) { return t.postsByIndex(prefixOf(pThread, id)) }

func (t *tx) postsByIndex(prefix []byte) ([]*domain.Post, error) {
	var out []*domain.Post
	err := t.each(prefix, func(_, ref []byte) error {
		p, err := t.postByRef(append([]byte(nil), ref...))
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func (t *tx) CountPosts() (int, error) { return t.count(prefixOf(pLocalPost)) }

func (t *tx) AddReaction(kind, postURI, actor, activityID string) (bool, error) {
	by := key(pReactionBy, kind, postURI, actor)
	if seen, err := t.exists(by); err != nil || seen {
		return false, err
	}
	p, err := t.Post(postURI)
	if err != nil {
		return false, err
	}
	if err := t.txn.Set(by, []byte(activityID)); err != nil {
		return false, err
	}
	if err := t.txn.Set(key(pReaction, activityID), key(0, kind, postURI, actor)[1:]); err != nil {
		return false, err
	}
	bump(p, kind, +1)
	return true, t.PutPost(p)
}

func (t *tx) RemoveReaction(activityID, actor string) (string, string, error) {
	item, err := t.txn.Get(key(pReaction, activityID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("store: get reaction: %w", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return "", "", fmt.Errorf("store: read reaction: %w", err)
	}
	parts := bytes.SplitN(v, []byte{0}, 3)
	if len(parts) != 3 || string(parts[2]) != actor {
		return "", "", nil // only the actor who reacted may undo it
	}
	kind, postURI := string(parts[0]), string(parts[1])
	if err := t.txn.Delete(key(pReaction, activityID)); err != nil {
		return "", "", err
	}
	if err := t.txn.Delete(key(pReactionBy, kind, postURI, actor)); err != nil {
		return "", "", err
	}
	// The post may be gone (deleted after it was liked); then there is no
	// count to lower.
	p, _, err := domain.Found(t.Post(postURI))
	if err != nil {
		return "", "", err
	}
	if p != nil {
		bump(p, kind, -1)
		if err := t.PutPost(p); err != nil {
			return "", "", err
		}
	}
	return kind, postURI, nil
}

func bump(p *domain.Post, kind string, by int) {
	switch strings.ToLower(kind) {
	case "like":
		p.Likes = max(0, p.Likes+by)
	case "announce":
		p.Boosts = max(0, p.Boosts+by)
	}
}
