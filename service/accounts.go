package service

import (
	"context"

	"github.com/lernejo/lernejo/domain"
)

// Accounts is the use cases of local accounts: the node's own Application
// actor and the people who sign up.
type Accounts struct{ *env }

// EnsureInstanceActor creates the node's Application actor and its key the
// first time the node starts; later calls change nothing.
func (s *Accounts) EnsureInstanceActor(ctx context.Context) error {
	var exists bool
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		_, exists, err = domain.Found(tx.InstanceActor())
		return err
	}); err != nil || exists {
		return err
	}
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		// Created meanwhile by another start: keep its key, which peers
		// have cached. A failed read must not replace it either.
		if _, exists, err := domain.Found(tx.InstanceActor()); err != nil || exists {
			return err
		}
		return tx.CreateInstanceActor(&domain.InstanceActor{Created: s.Now().UTC()}, keys)
	})
}

// Register creates a local account. PasswordHash must already be set.
func (s *Accounts) Register(ctx context.Context, p *domain.Person) error {
	p.Normalise()
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.Now().UTC()
	p.Created, p.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	p.PublicKeyPEM, p.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.Store.Update(ctx, func(tx domain.Tx) error { return tx.CreatePerson(p, keys) })
}

// checkPeople checks, inside tx, that every handle is a local person.
func checkPeople(tx domain.PersonStore, handles []string) error {
	for _, h := range handles {
		if _, err := tx.Person(h); err != nil {
			if domain.IsNotFound(err) {
				return domain.Errorf(domain.EINVALID, "There is no person %q on this node.", h)
			}
			return err
		}
	}
	return nil
}
