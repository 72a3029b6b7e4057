package storeseed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store/storeseed"
	"github.com/lernejo/lernejo/node"
)

// TestSeedShowsOnTheNode seeds 2,000 posts, followers and deliveries into
// a demo node's store and reads them back the ways the node does: the
// counters and paged lists of the store, the course pages, the followers
// collection, the delivery queue. Each check fails if the seeder wrote a
// record without the indexes and counters the node's code keeps.
func TestSeedShowsOnTheNode(t *testing.T) {
	n, err := node.New(node.Config{Listen: "127.0.0.1:0", Demo: true, DemoOutput: func(string, ...any) {}, RequestsPerIP: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Close(ctx)
	})
	keys, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	const count, courses, hosts = 2000, 5, 300
	// The seeded posts are older than the demo course's own (its tasks'
	// announcements), which head its discussion.
	now := time.Now().Add(-time.Hour)
	o := storeseed.Options{Posts: count, Followers: count, Deliveries: count, Courses: courses, Hosts: hosts,
		Course: node.DemoCourse, School: node.DemoSchool, Organiser: node.DemoOrganiser, Keys: keys, Now: now}
	ctx := context.Background()
	var demoBefore int
	if err := n.Store.View(ctx, func(tx domain.Tx) (err error) {
		demoBefore, err = tx.CountCoursePosts(node.DemoCourse)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := storeseed.Seed(ctx, n.Store, o); err != nil {
		t.Fatal(err)
	}
	// Seeding again with the same options changes nothing.
	if err := storeseed.Seed(ctx, n.Store, o); err != nil {
		t.Fatal(err)
	}

	// Every fourth post is the demo course's: 0, 4, …, 1996.
	const demoPosts, perCourse, followersPerCourse = count / 4, count * 3 / 4 / courses, count / courses
	// Post 1996 is the demo course's 500th, a reply (every fourth of a
	// course's posts is): 1992 is its newest top-level post.
	newestDemo, newestRoot := count-4, count-8
	err = n.Store.View(ctx, func(tx domain.Tx) error {
		if got, err := tx.CountCoursePosts(node.DemoCourse); err != nil || got != demoBefore+demoPosts {
			t.Errorf("CountCoursePosts(demo) = %d, %v; want %d", got, err, demoBefore+demoPosts)
		}
		for c := range courses {
			h := storeseed.CourseHandle(c)
			if got, err := tx.CountCoursePosts(h); err != nil || got != perCourse {
				t.Errorf("CountCoursePosts(%s) = %d, %v; want %d", h, got, err, perCourse)
			}
			if got, err := tx.CountFollowers(h, domain.FollowAccepted); err != nil || got != followersPerCourse {
				t.Errorf("CountFollowers(%s) = %d, %v; want %d", h, got, err, followersPerCourse)
			}
			page, err := tx.FollowersPage(h, domain.FollowAccepted, "", 50)
			if err != nil || len(page.Items) != 50 || page.Next == "" {
				t.Errorf("FollowersPage(%s): %d items, next %q, %v", h, len(page.Items), page.Next, err)
			}
			inboxes, err := tx.FollowerInboxes(h)
			// Follower i of course c is on host i % hosts with i ≡ c
			// (mod courses): courses divides hosts, so the course's
			// followers are on hosts/courses hosts, one shared inbox each.
			if err != nil || len(inboxes) != hosts/courses {
				t.Errorf("FollowerInboxes(%s): %d, %v; want %d", h, len(inboxes), err, hosts/courses)
			}
		}
		// The newest seeded post of the demo course follows its own
		// posts in its discussion; a reply is counted under its parent
		// and in its thread, and is not top-level.
		page, err := tx.DiscussionPage(node.DemoCourse, "", 20+demoBefore)
		if err != nil {
			return err
		}
		if len(page.Items) != 20+demoBefore || page.Next == "" || page.Items[demoBefore].URI != o.PostURI(newestRoot) {
			t.Fatalf("DiscussionPage(demo): %d items, next %q, item %d %+v", len(page.Items), page.Next, demoBefore, page.Items[demoBefore])
		}
		page.Items = page.Items[demoBefore:]
		replies := 0
		for _, p := range page.Items {
			if p.InReplyTo != "" {
				t.Errorf("reply %s on the first page of the discussion", p.URI)
			}
			if n, err := tx.CountReplies(p.URI); err != nil {
				return err
			} else if n > 0 {
				rs, err := tx.RepliesPage(p.URI, "", 20)
				if err != nil || len(rs.Items) != n {
					t.Errorf("RepliesPage(%s): %d items, %v; CountReplies %d", p.URI, len(rs.Items), err, n)
				}
				thread, err := tx.CountThread(p.Thread)
				if err != nil || thread != n+1 {
					t.Errorf("CountThread(%s) = %d, %v; want %d", p.Thread, thread, err, n+1)
				}
				replies += n
			}
		}
		if replies == 0 {
			t.Error("no post on the discussion's first page has replies")
		}
		post, err := tx.Post(o.PostURI(newestDemo))
		if err != nil || post.Content != storeseed.PostContent(newestDemo) {
			t.Errorf("Post(newest demo post) = %+v, %v", post, err)
		}
		// The followers write the posts in turn: actor 7 wrote post 7.
		if by, err := tx.PostsBy(storeseed.Actor(7, hosts)); err != nil || len(by) != 1 || by[0].URI != o.PostURI(7) {
			t.Errorf("PostsBy(actor 7): %d posts, %v; want post 7", len(by), err)
		}
		a, err := tx.RemoteActorByKey(storeseed.Actor(1234, hosts) + "#main-key")
		if err != nil || a.ID != storeseed.Actor(1234, hosts) {
			t.Errorf("RemoteActorByKey: %+v, %v", a, err)
		}
		// The deliveries wait, none due now; all of them a day and a half later.
		if due, err := tx.DueDeliveries(now, 10); err != nil || len(due) != 0 {
			t.Errorf("DueDeliveries(now): %d, %v; want none", len(due), err)
		}
		due, err := tx.DueDeliveries(now.Add(31*time.Hour), 2*count)
		if err != nil || len(due) != count {
			t.Fatalf("DueDeliveries(now+31h): %d, %v; want %d", len(due), err, count)
		}
		for _, d := range due[:3] {
			if _, err := tx.Activity(d.ActivityID); err != nil {
				t.Errorf("activity of delivery %s: %v", d.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// What visitors and other servers see.
	base := "http://" + n.Addr()
	page := fetch(t, base+"/courses/"+node.DemoCourse, "text/html")
	if !strings.Contains(page, fmt.Sprintf("Seeded post %d.", newestDemo)) {
		t.Errorf("the demo course's page does not show its newest post")
	}
	page = fetch(t, base+"/courses/"+storeseed.CourseHandle(2), "text/html")
	if !strings.Contains(page, fmt.Sprintf("(%d)", followersPerCourse)) {
		t.Errorf("course0002's page does not count its %d participants", followersPerCourse)
	}
	home := fetch(t, base+"/", "text/html")
	if !strings.Contains(home, "/courses/"+storeseed.CourseHandle(0)) {
		t.Errorf("the home page does not list the seeded courses")
	}
	var coll struct{ TotalItems int }
	if err := json.Unmarshal([]byte(fetch(t, base+"/courses/"+storeseed.CourseHandle(3)+"/followers", "application/activity+json")), &coll); err != nil {
		t.Fatal(err)
	}
	if coll.TotalItems != followersPerCourse {
		t.Errorf("course0003's followers collection has totalItems %d, want %d", coll.TotalItems, followersPerCourse)
	}
}

func fetch(t *testing.T, url, accept string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}
