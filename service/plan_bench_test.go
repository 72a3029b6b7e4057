package service

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/outbox"
)

// BenchmarkCoursePostPlan: a course with 10,000 followers on 1,000 hosts
// posts. Each op publishes one post (writing the post, the Create and its
// deliveries in one transaction) and checks that the plan has exactly 1,000
// deliveries, one per shared inbox. Nothing is sent.
// The course of the benchmark: 10,000 followers on 1,000 hosts.
const (
	benchFollowers = 10_000
	benchHosts     = 1_000
)

func BenchmarkCoursePostPlan(b *testing.B) {
	st, err := store.Open(store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	urls, _ := federation.NewURLs("https://node.test")
	kp, _ := domain.GenerateKeyPair()
	n := 0
	newID := func() string { n++; return fmt.Sprintf("01JBENCH%018d", n) }
	now := func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	o := outbox.New(outbox.Config{Store: st, URLs: urls, Now: now, NewID: newID})
	svc := New(Config{Store: st, Queue: o, Docs: federation.Documents{URLs: urls, Sanitizer: federation.NewSanitizer()},
		Now: now, NewID: newID, NewKeys: func() (domain.KeyPair, error) { return kp, nil }})
	ctx := context.Background()
	if err := svc.Accounts.Register(ctx, &domain.Person{Handle: "ada", PasswordHash: "x"}); err != nil {
		b.Fatal(err)
	}
	if err := svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "big", Title: "Big", Status: domain.StatusOpen, Organisers: []string{"ada"}}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < benchFollowers; i += 500 {
		if err := st.Update(ctx, func(tx domain.Tx) error {
			for j := i; j < i+500; j++ {
				host := j % benchHosts
				if err := tx.PutFollower(&domain.Follower{Local: "big", Actor: fmt.Sprintf("https://h%04d.test/users/u%d", host, j),
					ActivityID: fmt.Sprintf("https://h%04d.test/follows/%d", host, j), State: domain.FollowAccepted,
					Inbox: fmt.Sprintf("https://h%04d.test/inbox", host), Created: now()}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	posts := svc.Posts
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := posts.Publish(ctx, PostInput{Author: "big", Course: "big", Text: "Week 1 starts now #python"})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		planned := 0
		st.Update(ctx, func(tx domain.Tx) error {
			ds, err := tx.Deliveries()
			for _, d := range ds {
				if d.ActivityID == p.Activity {
					planned++
				}
				tx.DeleteDelivery(d)
			}
			return err
		})
		if planned != benchHosts {
			b.Fatalf("the plan has %d deliveries, want %d", planned, benchHosts)
		}
		b.StartTimer()
	}
}
