package store

import (
	"context"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// unreadable is a value no getter can decode: a record whose read fails.
var unreadable = []byte("{\x00 not a record")

// TestUnreadableRecordIsNotNotFound: only a missing key is "not found".
// A record that is there but cannot be read (here: bytes that do not
// decode; on a disk, an I/O error) is an error of another kind, from
// every getter and through every index, so that no caller takes it for
// absence.
func TestUnreadableRecordIsNotNotFound(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	token, err := domain.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	// Indexes that point at the unreadable records below.
	if err := s.db.Update(func(txn *badger.Txn) error {
		for k, v := range map[string]string{
			string(key(pPostURI, "https://x.test/p")):       string(key(0, "course", "01P")[1:]),
			string(key(pRemoteKey, "https://x.test/a#key")): "https://x.test/a",
			string(key(pFollowingAct, "https://x.test/f")):  string(key(0, "ada", "https://x.test/a")[1:]),
			string(key(pCompletionID, "c1")):                string(key(0, "course", "t1", "https://x.test/a")[1:]),
			string(key(pAwardOf, "b1", "https://x.test/a")): "a1",
			string(key(pReceivedNote, "https://x.test/n")):  "ada",
		} {
			if err := txn.Set([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		for _, k := range [][]byte{
			key(pSettings), key(pHandle, "ada"), key(pInstance), key(pPerson, "ada"), key(pSchool, "s"),
			key(pCourse, "course"), key(pTask, "course", "t1"), key(pBadge, "b1"), key(pPost, "course", "01P"),
			key(pRemoteActor, "https://x.test/a"), key(pFollower, "course", "https://x.test/a"),
			key(pFollowing, "ada", "https://x.test/a"), key(pTombstone, "https://x.test/t"),
			key(pActivity, "https://node.test/a/1"), key(pHost, "x.test"),
			key(pCompletion, "course", "t1", "https://x.test/a"), key(pAward, "a1"),
			key(pReceived, "ada", "https://x.test/n"), key(pDomainBlock, "x.test"), key(pReport, "r1"),
			key(pSession, token),
		} {
			if err := txn.Set(k, unreadable); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for name, get := range map[string]func(domain.Tx) error{
		"Settings":            func(tx domain.Tx) error { _, err := tx.Settings(); return err },
		"HandleType":          func(tx domain.Tx) error { _, err := tx.HandleType("ada"); return err },
		"InstanceActor":       func(tx domain.Tx) error { _, err := tx.InstanceActor(); return err },
		"Person":              func(tx domain.Tx) error { _, err := tx.Person("ada"); return err },
		"School":              func(tx domain.Tx) error { _, err := tx.School("s"); return err },
		"Course":              func(tx domain.Tx) error { _, err := tx.Course("course"); return err },
		"Task":                func(tx domain.Tx) error { _, err := tx.Task("course", "t1"); return err },
		"Badge":               func(tx domain.Tx) error { _, err := tx.Badge("b1"); return err },
		"Post":                func(tx domain.Tx) error { _, err := tx.Post("https://x.test/p"); return err },
		"RemoteActor":         func(tx domain.Tx) error { _, err := tx.RemoteActor("https://x.test/a"); return err },
		"RemoteActorByKey":    func(tx domain.Tx) error { _, err := tx.RemoteActorByKey("https://x.test/a#key"); return err },
		"Follower":            func(tx domain.Tx) error { _, err := tx.Follower("course", "https://x.test/a"); return err },
		"Following":           func(tx domain.Tx) error { _, err := tx.Following("ada", "https://x.test/a"); return err },
		"FollowingByActivity": func(tx domain.Tx) error { _, err := tx.FollowingByActivity("https://x.test/f"); return err },
		"Tombstone":           func(tx domain.Tx) error { _, err := tx.Tombstone("https://x.test/t"); return err },
		"Activity":            func(tx domain.Tx) error { _, err := tx.Activity("https://node.test/a/1"); return err },
		"HostHealth":          func(tx domain.Tx) error { _, err := tx.HostHealth("x.test"); return err },
		"Completion":          func(tx domain.Tx) error { _, err := tx.Completion("course", "t1", "https://x.test/a"); return err },
		"CompletionByID":      func(tx domain.Tx) error { _, err := tx.CompletionByID("c1"); return err },
		"Award":               func(tx domain.Tx) error { _, err := tx.Award("a1"); return err },
		"AwardOf":             func(tx domain.Tx) error { _, err := tx.AwardOf("b1", "https://x.test/a"); return err },
		"BadgeAwardsPage":     func(tx domain.Tx) error { _, err := tx.BadgeAwardsPage("b1", "", 10); return err },
		"ReceivedBadgeByNote": func(tx domain.Tx) error { _, err := tx.ReceivedBadgeByNote("https://x.test/n"); return err },
		"DomainBlock":         func(tx domain.Tx) error { _, err := tx.DomainBlock("x.test"); return err },
		"Report":              func(tx domain.Tx) error { _, err := tx.Report("r1"); return err },
		"Session":             func(tx domain.Tx) error { _, err := tx.Session(token); return err },
	} {
		err := s.View(ctx, get)
		if err == nil || domain.IsNotFound(err) {
			t.Errorf("%s of an unreadable record: %v, want an error that is not not-found", name, err)
		}
	}

	// Writes that read the record they replace stop when it cannot be
	// read, rather than carry on as if it were not there.
	for name, write := range map[string]func(domain.Tx) error{
		"PutRemoteActor": func(tx domain.Tx) error {
			return tx.PutRemoteActor(&domain.RemoteActor{ID: "https://x.test/a", KeyID: "https://x.test/a#new"})
		},
		"DeleteRemoteActor": func(tx domain.Tx) error { return tx.DeleteRemoteActor("https://x.test/a") },
	} {
		err := s.Update(ctx, write)
		if err == nil || domain.IsNotFound(err) {
			t.Errorf("%s over an unreadable actor: %v, want the read's error", name, err)
		}
	}
}

// TestRemoveReactionOfAnUnreadablePost: undoing a like whose post cannot
// be read fails (and changes nothing) instead of forgetting the like and
// leaving the post's count one too high.
func TestRemoveReactionOfAnUnreadablePost(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	p := &domain.Post{ID: "01P", Course: "course", URI: "https://x.test/p", Thread: "01P"}
	if err := s.Update(ctx, func(tx domain.Tx) error {
		if err := tx.PutPost(p); err != nil {
			return err
		}
		_, err := tx.AddReaction("Like", p.URI, "https://x.test/a", "https://x.test/likes/1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(key(pPost, "course", "01P"), unreadable) }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx domain.Tx) error {
		_, _, err := tx.RemoveReaction("https://x.test/likes/1", "https://x.test/a")
		return err
	})
	if err == nil || domain.IsNotFound(err) {
		t.Fatalf("RemoveReaction with an unreadable post: %v, want the read's error", err)
	}
	if err := s.View(ctx, func(dtx domain.Tx) error {
		seen, err := dtx.(*tx).exists(key(pReaction, "https://x.test/likes/1"))
		if err == nil && !seen {
			t.Error("the failed undo forgot the like all the same")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
