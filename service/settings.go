package service

import (
	"context"
	"slices"
	"sync/atomic"

	"github.com/lernejo/lernejo/domain"
)

// Settings is the operator's use cases for the node's settings.
type Settings struct {
	*env
	// saved is the settings as last read or saved, for Current: every page
	// reads them, and a read transaction waits for the writes in flight
	// (their sync to disk), which in a federation burst is most of a
	// page's time. Update is the only writer of the settings while the
	// node runs (restore and the offline admin commands need it stopped).
	saved atomic.Pointer[domain.Settings]
}

// Update normalises, validates and saves the operator's settings.
func (s *Settings) Update(ctx context.Context, st domain.Settings) (domain.Settings, error) {
	st.Normalise()
	if err := st.Validate(); err != nil {
		return st, err
	}
	if err := s.Store.Update(ctx, func(tx domain.Tx) error { return tx.PutSettings(st) }); err != nil {
		return st, err
	}
	s.keep(st)
	return st, nil
}

// keep remembers st as the saved settings, a copy of it: the caller may
// change its own.
func (s *Settings) keep(st domain.Settings) {
	st.Kinds = slices.Clone(st.Kinds)
	s.saved.Store(&st)
}
