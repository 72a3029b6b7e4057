package store

import (
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// Sessions live under a Badger TTL (their remaining lifetime), so expired
// ones read as missing and are compacted away without a sweeper. The TTL is
// a duration, so it does not depend on which clock set Expires.

func (t *tx) PutSession(s *domain.Session) error {
	if !domain.ValidToken(s.ID) || s.Person == "" {
		return errors.New("store: malformed session")
	}
	ttl := s.Expires.Sub(s.Created)
	if ttl <= 0 {
		return errors.New("store: session already expired")
	}
	if err := t.putFor(key(pSession, s.ID), s, ttl); err != nil {
		return err
	}
	return t.txn.SetEntry(badger.NewEntry(key(pSessionOf, s.Person, s.ID), nil).WithTTL(ttl))
}

func (t *tx) Session(id string) (*domain.Session, error) {
	if !domain.ValidToken(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Session not found.")
	}
	return getAs[domain.Session](t, key(pSession, id), "Session")
}

func (t *tx) DeleteSession(id string) error {
	s, err := t.Session(id)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := t.txn.Delete(key(pSessionOf, s.Person, s.ID)); err != nil {
		return err
	}
	return t.txn.Delete(key(pSession, s.ID))
}

func (t *tx) DeleteSessionsOf(handle string) error {
	p := prefixOf(pSessionOf, handle)
	var ids []string
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: p})
	for it.Rewind(); it.Valid(); it.Next() {
		ids = append(ids, string(it.Item().Key()[len(p):]))
	}
	it.Close()
	for _, id := range ids {
		if err := t.txn.Delete(key(pSession, id)); err != nil {
			return err
		}
		if err := t.txn.Delete(key(pSessionOf, handle, id)); err != nil {
			return err
		}
	}
	return nil
}
