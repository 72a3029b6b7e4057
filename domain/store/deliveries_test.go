package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestCountDeliveries counts the queue as /metrics shows it, from counts
// the writes keep: every queued
// delivery, and those attempted before, whatever their other fields hold
// (a last error quoting the JSON of a first try counts as retrying).
func TestCountDeliveries(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	ds := []*domain.Delivery{
		{ID: "01JD0000000000000000000001", ActivityID: "https://a.example/1", Actor: "python", Inbox: "https://b.example/inbox", NextAt: now},
		{ID: "01JD0000000000000000000002", ActivityID: "https://a.example/1", Actor: "python", Inbox: "https://c.example/inbox", NextAt: now.Add(time.Minute),
			Attempts: 1, LastError: `"Attempts":0,`},
		{ID: "01JD0000000000000000000003", ActivityID: "https://a.example/2", Actor: "python", Inbox: "https://d.example/inbox", NextAt: now.Add(time.Hour),
			Attempts: 10, LastError: "503"},
		{ID: "01JD0000000000000000000004", ActivityID: "https://a.example/2", Actor: "python", Inbox: "https://e.example/inbox", NextAt: now.Add(2 * time.Hour)},
	}
	count := func() (int, int) {
		var q, r int
		if err := s.View(ctx, func(tx domain.Tx) (err error) {
			q, r, err = tx.CountDeliveries()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return q, r
	}
	if q, r := count(); q != 0 || r != 0 {
		t.Fatalf("empty queue: %d queued, %d retrying", q, r)
	}
	if err := s.Update(ctx, func(tx domain.Tx) error {
		for _, d := range ds {
			if err := tx.PutDelivery(d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if q, r := count(); q != 4 || r != 2 {
		t.Fatalf("%d queued, %d retrying; want 4 and 2", q, r)
	}
	// The first delivery fails once: rescheduled, it is retrying.
	if err := s.Update(ctx, func(tx domain.Tx) error {
		if err := tx.DeleteDelivery(ds[0]); err != nil {
			return err
		}
		ds[0].Attempts, ds[0].NextAt = 1, now.Add(30*time.Second)
		return tx.PutDelivery(ds[0])
	}); err != nil {
		t.Fatal(err)
	}
	if q, r := count(); q != 4 || r != 3 {
		t.Fatalf("after a failure: %d queued, %d retrying; want 4 and 3", q, r)
	}
	// Writing the same delivery again, or deleting one twice, counts once.
	if err := s.Update(ctx, func(tx domain.Tx) error {
		if err := tx.PutDelivery(ds[3]); err != nil {
			return err
		}
		if err := tx.DeleteDelivery(ds[2]); err != nil {
			return err
		}
		return tx.DeleteDelivery(ds[2])
	}); err != nil {
		t.Fatal(err)
	}
	if q, r := count(); q != 3 || r != 2 {
		t.Fatalf("after a rewrite and a double delete: %d queued, %d retrying; want 3 and 2", q, r)
	}
}

// TestDeliveryCountsSurviveReopening: the counts are kept in memory and
// started from the queue itself when the store opens.
func TestDeliveryCountsSurviveReopening(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(Options{Dir: dir, Reserve: -1, MinFree: 1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.Update(ctx, func(tx domain.Tx) error {
		for i, attempts := range []int{0, 0, 3} {
			d := &domain.Delivery{ID: fmt.Sprintf("01JD00000000000000000000%02d", i), ActivityID: "https://a.example/1", Actor: "python",
				Inbox: fmt.Sprintf("https://h%d.example/inbox", i), NextAt: now.Add(time.Hour), Attempts: attempts}
			if err := tx.PutDelivery(d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A transaction that fails changes no count.
	if err := s.Update(ctx, func(tx domain.Tx) error {
		if err := tx.PutDelivery(&domain.Delivery{ID: "01JD0000000000000000000099", Inbox: "https://x.example/inbox", NextAt: now}); err != nil {
			return err
		}
		return errors.New("no")
	}); err == nil {
		t.Fatal("the failing transaction committed")
	}
	count := func(s *Store) (q, r int) {
		t.Helper()
		if err := s.View(ctx, func(tx domain.Tx) (err error) { q, r, err = tx.CountDeliveries(); return err }); err != nil {
			t.Fatal(err)
		}
		return q, r
	}
	if q, r := count(s); q != 3 || r != 1 {
		t.Fatalf("%d queued, %d retrying; want 3 and 1", q, r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Dir: dir, Reserve: -1, MinFree: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if q, r := count(s); q != 3 || r != 1 {
		t.Fatalf("after reopening: %d queued, %d retrying; want 3 and 1", q, r)
	}
}
