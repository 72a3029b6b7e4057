package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// BenchmarkCoursePages serves the demo course's page (as a visitor) and its
// organisers' page (as the organiser) on a node whose course has 100, 1,000
// and 10,000 members, each with a cached actor and the first two of the
// three tasks done, and as many posts in its discussion as members (a
// quarter of them replies). It reports the bytes of each page
// (bytes/page) besides the time: both must stay flat across the sizes,
// because every list the pages show is read and shown a page at a time.
// The node keeps its store on disk, as in production.
func BenchmarkCoursePages(b *testing.B) {
	for _, members := range []int{100, 1000, 10000} {
		n, pw := benchNode(b, members)
		visitor := benchClient(b)
		organiser := benchClient(b)
		benchLogIn(b, organiser, n, pw)
		for _, page := range []struct {
			name   string
			path   string
			client *http.Client
		}{
			{"course", "/courses/" + node.DemoCourse, visitor},
			{"manage", "/courses/" + node.DemoCourse + "/manage", organiser},
		} {
			b.Run(fmt.Sprintf("%s/members=%d", page.name, members), func(b *testing.B) {
				url := "http://" + n.Addr() + page.path
				size := 0
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					size = benchFetch(b, page.client, url)
				}
				b.ReportMetric(float64(size), "bytes/page")
			})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n.Close(ctx)
		cancel()
	}
}

// benchNode starts a demo node on disk and fills its course: members
// accepted followers with cached actors, their progress, and as many posts.
// It returns the node and the organiser's password.
func benchNode(b *testing.B, members int) (*node.Node, string) {
	b.Helper()
	var pw string
	n, err := node.New(node.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), Demo: true, RequestsPerIP: 1 << 30,
		DemoOutput: func(_ string, args ...any) {
			if len(args) == 2 {
				pw, _ = args[1].(string)
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	n.Start()
	ctx := context.Background()
	var tasks []*domain.Task
	if err := n.Store.View(ctx, func(tx domain.Tx) error {
		tasks, err = tx.Tasks(node.DemoCourse)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	member := func(i int) string { return fmt.Sprintf("https://host%02d.test/users/learner%05d", i%50, i) }
	text := "<p>" + strings.Repeat("A few words about this week's task, and a question for everyone. ", 3) + "</p>"
	for from := 0; from < members; from += 200 {
		err := n.Store.Update(ctx, func(tx domain.Tx) error {
			for i := from; i < min(from+200, members); i++ {
				id := member(i)
				host := fmt.Sprintf("host%02d.test", i%50)
				if err := tx.PutRemoteActor(&domain.RemoteActor{ID: id, Type: "Person", Username: fmt.Sprintf("learner%05d", i),
					Host: host, Name: fmt.Sprintf("Learner %d", i), Inbox: id + "/inbox", SharedInbox: "https://" + host + "/inbox"}); err != nil {
					return err
				}
				if err := tx.PutFollower(&domain.Follower{Local: node.DemoCourse, Actor: id, State: domain.FollowAccepted,
					Inbox: "https://" + host + "/inbox", Created: start.Add(time.Duration(i) * time.Second)}); err != nil {
					return err
				}
				for _, t := range tasks[:2] {
					if err := tx.PutCompletion(&domain.Completion{ID: fmt.Sprintf("%s/done/%s", id, t.ID), Course: node.DemoCourse,
						Task: t.ID, Learner: id}); err != nil {
						return err
					}
				}
				postID := fmt.Sprintf("01JBENCH%018d", i)
				p := &domain.Post{ID: postID, Course: node.DemoCourse, URI: id + "/statuses/" + postID, Author: id,
					Thread: postID, Content: text, Published: start.Add(time.Duration(i) * time.Minute)}
				if i%4 == 3 {
					parent := fmt.Sprintf("01JBENCH%018d", i-1-(i/4)%3)
					p.InReplyTo, p.Thread = member(i-1-(i/4)%3)+"/statuses/"+parent, parent
				}
				if err := tx.PutPost(p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return n, pw
}

func benchClient(b *testing.B) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var benchCSRF = regexp.MustCompile(`name="_csrf" value="([0-9a-f]{64})"`)

// benchLogIn logs the demo organiser in through the log-in form.
func benchLogIn(b *testing.B, c *http.Client, n *node.Node, pw string) {
	b.Helper()
	base := "http://" + n.Addr()
	resp, err := c.Get(base + "/login")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := benchCSRF.FindSubmatch(page)
	if m == nil {
		b.Fatalf("no CSRF token on the log-in page: %s", page)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "handle": {node.DemoOrganiser}, "password": {pw}, "next": {"/"}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("log in: status %d", resp.StatusCode)
	}
}

// benchFetch GETs a page as a browser does and returns its size.
func benchFetch(b *testing.B, c *http.Client, url string) int {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return len(body)
}

// BenchmarkThreadPages serves the pages that show a thread (the course's
// discussion, the first post's page and the thread's page) for a thread
// of 50 and of 500 replies, each answering one of the three before it, so
// the thread is both deep and wide. Time and bytes/page must stay flat:
// each page shows a bounded part of the thread, nested, and links the rest.
func BenchmarkThreadPages(b *testing.B) {
	for _, replies := range []int{50, 500} {
		n, _ := benchNode(b, 100)
		root := "7ZZTHREAD0000000000000000"
		rootURI := "http://" + n.Addr() + "/posts/" + root
		err := n.Store.Update(context.Background(), func(tx domain.Tx) error {
			start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
			ada := "http://" + n.Addr() + "/people/" + node.DemoOrganiser
			uris := []string{rootURI}
			if err := tx.PutPost(&domain.Post{ID: root, Course: node.DemoCourse, URI: rootURI, Author: ada, Local: true,
				Thread: root, Content: "<p>A question</p>", Published: start}); err != nil {
				return err
			}
			for i := 1; i <= replies; i++ {
				id := fmt.Sprintf("7ZZTHREADR%015d", i)
				uri := "https://host01.test/users/learner00001/statuses/" + id
				parent := uris[max(0, len(uris)-1-i%3)]
				if err := tx.PutPost(&domain.Post{ID: id, Course: node.DemoCourse, URI: uri, Author: "https://host01.test/users/learner00001",
					Thread: root, InReplyTo: parent, Content: fmt.Sprintf("<p>Answer %d</p>", i), Published: start.Add(time.Duration(i) * time.Second)}); err != nil {
					return err
				}
				uris = append(uris, uri)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		visitor := benchClient(b)
		for _, page := range []struct{ name, path string }{
			{"course", "/courses/" + node.DemoCourse},
			{"post", "/posts/" + root},
			{"thread", "/threads/" + root},
		} {
			b.Run(fmt.Sprintf("%s/replies=%d", page.name, replies), func(b *testing.B) {
				url := "http://" + n.Addr() + page.path
				size := 0
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					size = benchFetch(b, visitor, url)
				}
				b.ReportMetric(float64(size), "bytes/page")
			})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n.Close(ctx)
		cancel()
	}
}
