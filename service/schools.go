package service

import (
	"context"

	"github.com/lernejo/lernejo/domain"
)

// Schools is the use cases of schools: groups of courses with organisers,
// whose followers hear of the new courses placed in them.
type Schools struct{ *env }

// Create creates a school; its organisers must be local people.
func (s *Schools) Create(ctx context.Context, sc *domain.School) error {
	sc.Normalise()
	if err := sc.Validate(); err != nil {
		return err
	}
	now := s.Now().UTC()
	sc.Created, sc.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	sc.PublicKeyPEM, sc.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		if err := checkPeople(tx, sc.Organisers); err != nil {
			return err
		}
		return tx.CreateSchool(sc, keys)
	})
}

// placeInSchool checks, inside tx, that by may put a course into the school
// (see School.MayPlace).
func placeInSchool(tx domain.SchoolStore, school, by string) error {
	sc, ok, err := domain.Found(tx.School(school))
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.EINVALID, "There is no school %q.", school)
	}
	return sc.MayPlace(by)
}
