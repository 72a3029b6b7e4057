package store

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// TestHostHealthSignatureScheme: the signature scheme the outbox remembers for a host is stored with
// the host's health and read back, and a record written before the scheme was remembered reads as
// "not known" with its failure days intact.
func TestHostHealthSignatureScheme(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	old := `{"Host":"old.test","FailureDays":["2026-11-27"],"Unavailable":false}`
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(key(pHost, "old.test"), []byte(old)) }); err != nil {
		t.Fatal(err)
	}
	learned := time.Date(2026, 11, 28, 15, 20, 0, 0, time.UTC)
	if err := s.Update(ctx, func(tx domain.Tx) error {
		return tx.PutHostHealth(&domain.HostHealth{Host: "new.test", Signature: domain.SignatureCavage, SignatureLearned: learned})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx domain.Tx) error {
		h, err := tx.HostHealth("old.test")
		if err != nil {
			return err
		}
		if h.Signature != "" || !h.SignatureLearned.IsZero() || len(h.FailureDays) != 1 {
			t.Errorf("record written before schemes: %+v", h)
		}
		h, err = tx.HostHealth("new.test")
		if err != nil {
			return err
		}
		if h.Signature != domain.SignatureCavage || !h.SignatureLearned.Equal(learned) {
			t.Errorf("read back %+v", h)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
