package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

func TestDomainBlocksAndReports(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	err := s.Update(ctx, func(tx domain.Tx) error {
		for _, d := range []string{"zeta.example", "alpha.example", "mid.example"} {
			if err := tx.PutDomainBlock(&domain.DomainBlock{Domain: d, Reason: "spam", Created: t0}); err != nil {
				return err
			}
		}
		for i, id := range []string{"01JR1", "01JR2", "01JR3"} {
			r := &domain.Report{ID: id, Reporter: "https://gts.test/users/gts.test", Objects: []string{"https://node.test/posts/1"},
				Content: "spam", Received: t0.Add(time.Duration(i) * time.Minute)}
			if err := tx.PutReport(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx domain.Tx) error {
		bs, err := tx.DomainBlocks()
		if err != nil {
			return err
		}
		var got []string
		for _, b := range bs {
			got = append(got, b.Domain)
		}
		if len(got) != 3 || got[0] != "alpha.example" || got[1] != "mid.example" || got[2] != "zeta.example" {
			t.Errorf("blocks not sorted: %v", got)
		}
		if b, err := tx.DomainBlock("mid.example"); err != nil || b.Reason != "spam" {
			t.Errorf("block: %+v %v", b, err)
		}
		if err := tx.DeleteDomainBlock("mid.example"); err != nil {
			return err
		}
		if _, err := tx.DomainBlock("mid.example"); !domain.IsNotFound(err) {
			t.Errorf("deleted block: %v", err)
		}
		if err := tx.DeleteDomainBlock("never.example"); err != nil {
			t.Errorf("deleting a missing block: %v", err)
		}
		if _, err := tx.DomainBlock(""); !domain.IsNotFound(err) {
			t.Errorf("empty domain: %v", err)
		}

		rs, err := tx.Reports()
		if err != nil {
			return err
		}
		if len(rs) != 3 || rs[0].ID != "01JR3" || rs[2].ID != "01JR1" {
			t.Errorf("reports not newest first: %+v", rs)
		}
		r, err := tx.Report("01JR2")
		if err != nil || r.Objects[0] != "https://node.test/posts/1" {
			t.Errorf("report: %+v %v", r, err)
		}
		if _, err := tx.Report("nope"); !domain.IsNotFound(err) {
			t.Errorf("missing report: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIsBlockedCoversSubdomains (HOSTILE M1): a block of a domain covers its
// subdomains and any port, never a sibling or a longer name that merely ends
// with the same letters; IP literals match only exactly.
func TestIsBlockedCoversSubdomains(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx domain.Tx) error {
		for _, d := range []string{"blocked.example", "10.0.0.1", "[2001:db8::1]"} {
			if err := tx.PutDomainBlock(&domain.DomainBlock{Domain: d}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"blocked.example":         true,
		"sub.blocked.example":     true,
		"a.b.sub.blocked.example": true,
		"blocked.example:8443":    true,
		"sub.blocked.example:443": true,
		"notblocked.example":      false,
		"blocked.example.org":     false,
		"example":                 false,
		"other.example":           false,
		"10.0.0.1":                true,
		"10.0.0.1:3000":           true,
		"110.0.0.1":               false,
		"[2001:db8::1]:443":       true,
		"[2001:db8::2]":           false,
		"":                        false,
	} {
		if got := s.DomainBlocked(host); got != want {
			t.Errorf("DomainBlocked(%q) = %v; want %v", host, got, want)
		}
	}
}

// TestDomainBlockedFollowsCommits: the block list kept in memory changes
// with committed transactions only, and is read back from disk on open.
func TestDomainBlockedFollowsCommits(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	block := func(d string) func(domain.Tx) error {
		return func(tx domain.Tx) error { return tx.PutDomainBlock(&domain.DomainBlock{Domain: d}) }
	}
	rolledBack := errors.New("rolled back")
	if err := s.Update(ctx, func(tx domain.Tx) error { block("spam.example")(tx); return rolledBack }); err != rolledBack {
		t.Fatal(err)
	}
	if s.DomainBlocked("spam.example") {
		t.Fatal("a rolled-back block is in force")
	}
	if err := s.Update(ctx, block("spam.example")); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, block("other.example")); err != nil {
		t.Fatal(err)
	}
	if !s.DomainBlocked("a.spam.example") || !s.DomainBlocked("other.example") {
		t.Fatal("committed blocks are not in force")
	}
	if err := s.Update(ctx, func(tx domain.Tx) error { return tx.DeleteDomainBlock("other.example") }); err != nil {
		t.Fatal(err)
	}
	if s.DomainBlocked("other.example") {
		t.Fatal("a lifted block is still in force")
	}
	s.Close()
	s, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.DomainBlocked("spam.example") || s.DomainBlocked("other.example") {
		t.Fatal("the block list read on open differs from the committed one")
	}
}
