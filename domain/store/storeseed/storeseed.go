// Package storeseed fills a store with the data of a big, old node — posts,
// followers with their cached actors, deliveries waiting to be retried —
// for the benchmarks that measure how the node's costs grow with what it
// holds (issue 16), and the tests of those benchmarks.
//
// It writes through the store's own Tx methods (PutPost, PutFollower,
// PutDelivery…), so every index and counter is what the node's code
// writes, many records per transaction. Only tests import it: a seeded
// node is a benchmark's fixture, not something an operator needs.
package storeseed

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
)

// Options say what Seed writes.
type Options struct {
	// Posts, Followers and Deliveries are how many of each to write.
	Posts, Followers, Deliveries int
	// Courses is how many courses Seed creates (course0000…) to spread the
	// posts and followers over; 0 means 50. They are written even when the
	// counts are 0, so that a node seeded with nothing has the same lists
	// of courses as one seeded with a million posts.
	Courses int
	// Hosts is how many remote hosts the followers, the posts' authors and
	// the deliveries are spread over; 0 means 10,000.
	Hosts int
	// Course is a course that exists (the demo course): it gets a quarter
	// of the posts, as a busy discussion. "" spreads them over the seeded
	// courses only.
	Course string
	// School is the school the seeded courses belong to ("" for none).
	School string
	// Organiser is the local person who organises the seeded courses.
	Organiser string
	// Keys sign for the seeded courses (one key pair for all: the seed
	// is a fixture). Required when Courses are written.
	Keys domain.KeyPair
	// Now is the seed's clock: posts are from the year before it, and the
	// deliveries are due from DeliveriesAfter after it.
	Now time.Time
	// DeliveriesAfter is how long after Now the first seeded delivery is
	// due (they are spread over the day after); 0 means 6 hours, so a
	// node started on the seed does not try to send them during a
	// benchmark.
	DeliveriesAfter time.Duration
	// Progress, when set, is told after each transaction what was written.
	Progress func(what string, done, total int)
}

// CourseHandle is the handle of the i-th seeded course.
func CourseHandle(i int) string { return fmt.Sprintf("course%04d", i) }

// Host is the name of the i-th seeded remote host.
func Host(i int) string { return fmt.Sprintf("h%05d.example", i) }

// Actor is the id of the i-th seeded remote actor; its host is
// Host(i % hosts).
func Actor(i, hosts int) string {
	return fmt.Sprintf("https://%s/users/u%07d", Host(i%hosts), i)
}

// PostAuthor is the number of the actor who wrote the i-th seeded post:
// the seeded followers write them in turn (the first 1,000 actors when
// there are no followers).
func (o Options) PostAuthor(i int) int {
	if o.Followers > 0 {
		return i % o.Followers
	}
	return i % 1000
}

// PostURI is the id of the i-th seeded post.
func (o Options) PostURI(i int) string {
	o = o.defaults()
	return fmt.Sprintf("%s/statuses/%d", Actor(o.PostAuthor(i), o.Hosts), i)
}

func (o Options) defaults() Options {
	if o.Courses <= 0 {
		o.Courses = 50
	}
	if o.Hosts <= 0 {
		o.Hosts = 10_000
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.DeliveriesAfter <= 0 {
		o.DeliveriesAfter = 6 * time.Hour
	}
	return o
}

// PostCourse is the course the i-th seeded post is in: every fourth in
// o.Course when it is set, the others in turn over the seeded courses.
func (o Options) PostCourse(i int) string {
	o = o.defaults()
	if c, _ := o.place(i); c >= 0 {
		return CourseHandle(c)
	}
	return o.Course
}

// place is where the i-th post goes: the seeded course's number (-1 for
// o.Course) and its place k among that course's seeded posts.
func (o Options) place(i int) (course, k int) {
	j := i
	if o.Course != "" {
		if i%4 == 0 {
			return -1, i / 4
		}
		j = 3*(i/4) + i%4 - 1 // its number among the other posts
	}
	return j % o.Courses, j / o.Courses
}

// index is place's inverse: the number of the k-th post of a course.
func (o Options) index(course, k int) int {
	if course < 0 {
		return 4 * k
	}
	j := k*o.Courses + course
	if o.Course == "" {
		return j
	}
	return 4*(j/3) + j%3 + 1
}

// FollowerCourse is the course the i-th seeded follower follows.
func (o Options) FollowerCourse(i int) string {
	return CourseHandle(i % o.defaults().Courses)
}

// Batch sizes: how many records of each kind one transaction starts with.
// A post is about ten keys (the record, its indexes, three counters) and
// a kilobyte; Badger takes at most 15 % of a memtable per transaction, so
// a transaction too big for the store's options is split in two and
// tried again.
const (
	postBatch     = 1000
	followerBatch = 1000
	deliveryBatch = 4000
)

// Seed writes what o asks into st: the courses, then the posts, the
// followers and the deliveries. A store seeded twice with the same
// options holds the same records (every id is derived from its number).
func Seed(ctx context.Context, st domain.Store, o Options) error {
	o = o.defaults()
	if err := seedCourses(ctx, st, o); err != nil {
		return fmt.Errorf("storeseed: courses: %w", err)
	}
	if err := inBatches(ctx, st, "posts", o.Posts, postBatch, o.Progress, func(tx domain.Tx, i int) error {
		return tx.PutPost(o.post(i))
	}); err != nil {
		return fmt.Errorf("storeseed: %w", err)
	}
	if err := inBatches(ctx, st, "followers", o.Followers, followerBatch, o.Progress, func(tx domain.Tx, i int) error {
		return o.putFollower(tx, i)
	}); err != nil {
		return fmt.Errorf("storeseed: %w", err)
	}
	if err := inBatches(ctx, st, "deliveries", o.Deliveries, deliveryBatch, o.Progress, func(tx domain.Tx, i int) error {
		return o.putDelivery(tx, i)
	}); err != nil {
		return fmt.Errorf("storeseed: %w", err)
	}
	return nil
}

func seedCourses(ctx context.Context, st domain.Store, o Options) error {
	if o.Keys.PrivatePEM == "" {
		return errors.New("no Keys for the seeded courses")
	}
	langs := []string{"en", "eo", "fr", "de", "es"}
	topics := []string{"python", "gardening", "drawing", "chess", "history", "music", "statistics", "cooking"}
	return st.Update(ctx, func(tx domain.Tx) error {
		for i := range o.Courses {
			h := CourseHandle(i)
			if _, err := tx.Course(h); err == nil {
				continue // seeded before
			} else if !domain.IsNotFound(err) {
				return err
			}
			topic := topics[i%len(topics)]
			c := &domain.Course{Handle: h, Title: fmt.Sprintf("Seeded course %d: %s", i, topic),
				Summary: "A course of the growth benchmarks' seed, about " + topic + ".", SummaryHTML: "<p>A course of the growth benchmarks' seed, about " + topic + ".</p>",
				Kind: "Course", Status: domain.StatusOpen, SignUp: domain.SignUpOpen, School: o.School,
				Organisers: []string{o.Organiser}, Language: langs[i%len(langs)], Tags: []string{topic, "seeded"},
				PublicKeyPEM: o.Keys.PublicPEM, AssertionKey: o.Keys.AssertionPublic,
				Created: o.Now.Add(-time.Duration(o.Courses-i) * time.Hour), Updated: o.Now}
			if err := tx.CreateCourse(c, o.Keys); err != nil {
				return err
			}
		}
		return nil
	})
}

// inBatches calls put for i from 0 to n-1, batch at a time per
// transaction; a transaction too big for Badger is split in two.
func inBatches(ctx context.Context, st domain.Store, what string, n, batch int, progress func(string, int, int), put func(tx domain.Tx, i int) error) error {
	for from := 0; from < n; {
		to := min(from+batch, n)
		err := st.Update(ctx, func(tx domain.Tx) error {
			for i := from; i < to; i++ {
				if err := put(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if errors.Is(err, badger.ErrTxnTooBig) && batch > 1 {
			batch /= 2
			continue
		}
		if err != nil {
			return fmt.Errorf("%s %d–%d: %w", what, from, to, err)
		}
		from = to
		if progress != nil {
			progress(what, from, n)
		}
	}
	return nil
}

// id is a ULID for the i-th record of a kind at a time: the time's
// milliseconds, then kind and i, so ids are distinct and sort by time.
func id(at time.Time, kind byte, i int) string {
	var u ulid.ULID
	if err := u.SetTime(ulid.Timestamp(at)); err != nil {
		panic(err) // times of this era always fit
	}
	u[6] = kind
	binary.BigEndian.PutUint64(u[8:], uint64(i))
	return u.String()
}

const (
	kindPost     = 'p'
	kindActivity = 'a'
	kindDelivery = 'd'
)

// postText fills a post to about the size of a short forum post.
var postText = strings.Repeat(" A few words about this week's task, and a question for everyone.", 3)

// PostContent is the content of the i-th seeded post: its number, then
// postText.
func PostContent(i int) string { return fmt.Sprintf("<p>Seeded post %d.%s</p>", i, postText) }

// published is when the i-th post was written: one every 30 s back from
// an hour before Now, so the newest posts are the last ones seeded.
func (o Options) published(i int) time.Time {
	return o.Now.Add(-time.Hour - time.Duration(o.Posts-i)*30*time.Second)
}

// post is the i-th seeded post: by a remote actor, in PostCourse(i). In
// each course, every fourth post answers one of the three before it,
// which answer nothing, as in a discussion where some questions get an
// answer.
func (o Options) post(i int) *domain.Post {
	at := o.published(i)
	pid := id(at, kindPost, i)
	uri := o.PostURI(i)
	p := &domain.Post{ID: pid, Course: o.PostCourse(i), URI: uri, Author: Actor(o.PostAuthor(i), o.Hosts), URL: uri,
		Thread: pid, Content: PostContent(i), Published: at}
	if course, k := o.place(i); k%4 == 3 {
		parent := o.index(course, k-1-(k/4)%3)
		p.InReplyTo, p.Thread = o.PostURI(parent), id(o.published(parent), kindPost, parent)
	}
	return p
}

// putFollower writes the i-th seeded follower, accepted, of
// FollowerCourse(i), and its cached actor, whose key is that of the
// seed's courses (a cached actor holds a public key).
func (o Options) putFollower(tx domain.Tx, i int) error {
	actor := Actor(i, o.Hosts)
	host := Host(i % o.Hosts)
	shared := "https://" + host + "/inbox"
	if err := tx.PutRemoteActor(&domain.RemoteActor{ID: actor, Type: "Person", Username: fmt.Sprintf("u%07d", i), Host: host,
		Name: fmt.Sprintf("Learner %d", i), URL: actor, Inbox: actor + "/inbox", SharedInbox: shared, KeyID: actor + "#main-key",
		PublicKeyPEM: o.Keys.PublicPEM, Fetched: o.Now.Add(-time.Duration(i%86400) * time.Second)}); err != nil {
		return err
	}
	return tx.PutFollower(&domain.Follower{Local: o.FollowerCourse(i), Actor: actor, ActivityID: actor + "/follows/1",
		State: domain.FollowAccepted, Inbox: shared, Created: o.Now.Add(-time.Duration(o.Followers-i) * time.Minute)})
}

// deliveriesPerActivity is how many of the seeded deliveries carry one
// activity: a post to a course with a thousand followers' hosts.
const deliveriesPerActivity = 1000

// putDelivery writes the i-th seeded delivery: a retry, after failures,
// of an activity of a seeded course to a host's shared inbox, due in the
// day after Now+DeliveriesAfter. The first delivery of each activity
// writes the activity.
func (o Options) putDelivery(tx domain.Tx, i int) error {
	n := i / deliveriesPerActivity
	course := CourseHandle(n % o.Courses)
	created := o.Now.Add(-time.Duration(o.Deliveries/deliveriesPerActivity-n) * time.Minute)
	aid := "https://seed.example/activities/" + id(created, kindActivity, n)
	if i%deliveriesPerActivity == 0 {
		body := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Announce","actor":"https://seed.example/courses/%s","object":%q}`,
			aid, course, o.PostURI(n))
		if err := tx.PutActivity(&domain.OutActivity{ID: aid, Actor: course, JSON: []byte(body), Created: created, KeepFor: 30 * 24 * time.Hour}); err != nil {
			return err
		}
	}
	due := o.Now.Add(o.DeliveriesAfter + time.Duration(i%86400)*time.Second)
	return tx.PutDelivery(&domain.Delivery{ID: id(due, kindDelivery, i), ActivityID: aid, Actor: course,
		Inbox: "https://" + Host(i%o.Hosts) + "/inbox", Attempts: 1 + i%5, NextAt: due,
		LastError: "dial tcp: connect: connection refused", Created: created})
}
