package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// --- domain blocks: one key per canonical domain, so DomainBlocks comes out
// sorted by domain (the store keeps them in memory for DomainBlocked).

func (t *tx) DomainBlock(d string) (*domain.DomainBlock, error) {
	if d == "" {
		return nil, domain.Errorf(domain.ENOTFOUND, "Domain block not found.")
	}
	return getAs[domain.DomainBlock](t, key(pDomainBlock, d), "Domain block")
}

func (t *tx) PutDomainBlock(b *domain.DomainBlock) error {
	if b.Domain == "" {
		return errors.New("store: domain block without a domain")
	}
	t.blocksChanged = true
	return t.put(key(pDomainBlock, b.Domain), b)
}

func (t *tx) DeleteDomainBlock(d string) error {
	t.blocksChanged = true
	return t.txn.Delete(key(pDomainBlock, d))
}

func (t *tx) DomainBlocks() ([]*domain.DomainBlock, error) {
	return list[domain.DomainBlock](t, prefixOf(pDomainBlock))
}

// --- reports

func (t *tx) Report(id string) (*domain.Report, error) {
	return getAs[domain.Report](t, key(pReport, id), "Report")
}

func (t *tx) PutReport(r *domain.Report) error {
	if r.ID == "" {
		return errors.New("store: report without an id")
	}
	if err := t.put(key(pReport, r.ID), r); err != nil {
		return err
	}
	if r.Course == "" || len(r.Objects) == 0 {
		return nil
	}
	// A report made here: listed under its course, and found by its
	// reporter and post (Objects[0]), so that reporting again is the same
	// report.
	if err := t.txn.Set(key(pReportOf, r.Course, r.ID), nil); err != nil {
		return err
	}
	return t.txn.Set(key(pReportBy, r.Reporter, r.Objects[0]), []byte(r.ID))
}

func (t *tx) ReportBy(reporter, uri string) (*domain.Report, error) {
	item, err := t.txn.Get(key(pReportBy, reporter, uri))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Report not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: get report: %w", err)
	}
	id, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read report: %w", err)
	}
	return t.Report(string(id))
}

func (t *tx) Reports() ([]*domain.Report, error) {
	rs, err := list[domain.Report](t, prefixOf(pReport))
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rs, func(a, b *domain.Report) int {
		if c := b.Received.Compare(a.Received); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return rs, nil
}

// --- what a domain block purges

func (t *tx) RemoteActors() ([]*domain.RemoteActor, error) {
	return list[domain.RemoteActor](t, prefixOf(pRemoteActor))
}

func (t *tx) AllFollowers() ([]*domain.Follower, error) {
	return list[domain.Follower](t, prefixOf(pFollower))
}

func (t *tx) AllFollowings() ([]*domain.Following, error) {
	return list[domain.Following](t, prefixOf(pFollowing))
}

func (t *tx) AllPosts() ([]*domain.Post, error) { return list[domain.Post](t, prefixOf(pPost)) }
