package service

import (
	"context"

	"github.com/lernejo/lernejo/domain"
)

// Settings is the operator's use cases for the node's settings.
type Settings struct{ *env }

// Update normalises, validates and saves the operator's settings.
func (s *Settings) Update(ctx context.Context, st domain.Settings) (domain.Settings, error) {
	st.Normalise()
	if err := st.Validate(); err != nil {
		return st, err
	}
	return st, s.Store.Update(ctx, func(tx domain.Tx) error { return tx.PutSettings(st) })
}
