package node

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// postsBy is what node n stores of the posts whose author is the actor id
// author.
func postsBy(t *testing.T, n *Node, author string) []*domain.Post {
	t.Helper()
	var ps []*domain.Post
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		ps, err = tx.PostsBy(author)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestDeletedAccountLeavesOtherNode: bea, on A, enrolled in the demo
// course on B and posted in its discussion, deletes her account. B gets
// the Delete of each of her posts and of her actor: her enrolment ends
// (she is no longer a follower), her posts are gone from B, and B forgets
// her cached actor.
func TestDeletedAccountLeavesOtherNode(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	bea := a.URLs.Actor(domain.ActorPerson, "bea")

	if _, err := a.Services.Enrolment.Follow(ctx, "bea", "@"+DemoCourse+"@"+b.URLs.Host()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea is enrolled on B", func() bool {
		f := following(a, "bea", course)
		return f != nil && f.State == domain.FollowAccepted
	})
	first, err := a.Services.Posts.Publish(ctx, service.PostInput{Author: "bea", Course: course, Text: "Hello from A"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Posts.Publish(ctx, service.PostInput{Author: "bea", Course: course, Text: "And again", InReplyTo: first.URI}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B stores bea's two posts", func() bool { return len(postsBy(t, b, bea)) == 2 })

	if err := a.Services.Accounts.ResetPassword(ctx, "bea", "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := a.Services.Accounts.DeleteAccount(ctx, "bea", "correct horse"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B ends bea's enrolment", func() bool { return follower(b, DemoCourse, bea) == nil })
	eventually(t, "B removes bea's posts", func() bool { return len(postsBy(t, b, bea)) == 0 })
	eventually(t, "B forgets bea's actor", func() bool {
		var gone bool
		b.Store.View(ctx, func(tx domain.Tx) error {
			_, err := tx.RemoteActor(bea)
			gone = domain.IsNotFound(err)
			return nil
		})
		return gone
	})
	b.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := tx.Post(first.URI); !domain.IsNotFound(err) {
			t.Errorf("B still has bea's first post: %v", err)
		}
		return nil
	})
}
