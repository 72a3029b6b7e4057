package service

import (
	"context"

	"github.com/lernejo/lernejo/domain"
)

// SetReading sets the language and time zone the person handle reads the
// pages in ("" for the browser's language and for UTC).
func (s *Accounts) SetReading(ctx context.Context, handle, lang, zone string) error {
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		p, err := tx.Person(handle)
		if err != nil {
			return err
		}
		if err := p.SetReading(lang, zone); err != nil {
			return err
		}
		p.Updated = s.Now()
		return tx.PutPerson(p)
	})
}
