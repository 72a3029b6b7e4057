package web_test

// Every list a page shows comes a page at a time: each test fills a list
// with more than two pages through the store of a real node, then walks
// the pages over HTTP as a browser does, by the Next links and back by
// the Previous ones.

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// fill writes n records through the node's store, 250 to a transaction.
func fill(t *testing.T, tn *testNode, n int, put func(tx domain.Tx, i int) error) {
	t.Helper()
	for from := 0; from < n; from += 250 {
		err := tn.Store.Update(context.Background(), func(tx domain.Tx) error {
			for i := from; i < min(from+250, n); i++ {
				if err := put(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// section returns the <section id=…> of a page, where a list and its page
// links are.
func section(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `<section id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no section %q in %s", id, body)
	}
	end := strings.Index(body[start:], "</section>")
	if end < 0 {
		t.Fatalf("section %q does not end", id)
	}
	return body[start : start+end]
}

var (
	nextRE = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	prevRE = regexp.MustCompile(`<a href="([^"]+)" rel="prev">`)
)

func link(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// listCase is one paged list of a page.
type listCase struct {
	path    string         // the page
	section string         // the id of the list's section
	param   string         // the list's query parameter
	size    int            // its page size
	item    *regexp.Regexp // one submatch: an item of the list
	want    []string       // every item, in the list's order
}

// walk reads the list's first page, checks it holds exactly size items and
// links a next page and no previous one; follows the next links to the
// end and the previous links back, and checks each way shows every item
// exactly once, in order, no page holding more than size. It returns the
// URL of the second page.
func (lc listCase) walk(t *testing.T, b *browser) string {
	t.Helper()
	read := func(path string) (items []string, prev, next string) {
		t.Helper()
		resp, body := b.get(path)
		wantStatus(t, "GET "+path, resp, body, http.StatusOK)
		s := section(t, body, lc.section)
		for _, m := range lc.item.FindAllStringSubmatch(s, -1) {
			items = append(items, html.UnescapeString(m[1]))
		}
		if len(items) > lc.size {
			t.Fatalf("%s shows %d items of %s, more than a page (%d)", path, len(items), lc.section, lc.size)
		}
		return items, link(prevRE, s), link(nextRE, s)
	}
	items, prev, next := read(lc.path)
	if len(items) != lc.size || next == "" || prev != "" {
		t.Fatalf("first page of %s: %d items (want %d), next %q, prev %q", lc.section, len(items), lc.size, next, prev)
	}
	if !strings.Contains(next, lc.param+"=") || !strings.HasSuffix(next, "#"+lc.section) {
		t.Errorf("next link %q does not carry ?%s= and #%s", next, lc.param, lc.section)
	}
	second := next
	forward := slices.Clone(items)
	last := lc.path
	for pages := 1; next != ""; pages++ {
		if pages > len(lc.want) {
			t.Fatalf("%s: next links do not end", lc.section)
		}
		last = next
		items, _, next = read(next)
		forward = append(forward, items...)
	}
	if !slices.Equal(forward, lc.want) {
		t.Fatalf("%s by next links: %d items %q\nwant %d %q", lc.section, len(forward), forward, len(lc.want), lc.want)
	}
	items, prev, _ = read(last)
	backward := items
	for pages := 1; prev != ""; pages++ {
		if pages > len(lc.want) {
			t.Fatalf("%s: previous links do not end", lc.section)
		}
		items, prev, _ = read(prev)
		backward = append(slices.Clone(items), backward...)
	}
	if !slices.Equal(backward, lc.want) {
		t.Fatalf("%s by previous links: %q\nwant %q", lc.section, backward, lc.want)
	}
	return second
}

// badCursor checks a cursor the node did not make is a 400 with a message,
// not a server error.
func (lc listCase) badCursor(t *testing.T, b *browser) {
	t.Helper()
	sep := "?"
	if strings.Contains(lc.path, "?") {
		sep = "&"
	}
	// The longest is over the store's bound on a cursor, under the
	// server's on a request line.
	for _, bad := range []string{"garbage!", "eA", strings.Repeat("A", 2500)} {
		path := lc.path + sep + lc.param + "=" + url.QueryEscape(bad)
		resp, body := b.get(path)
		wantStatus(t, "GET "+path[:min(len(path), 120)], resp, body, http.StatusBadRequest)
		if !strings.Contains(body, "This page link is not valid") {
			t.Errorf("%s?%s=%.20s…: the 400 page does not say the link is broken", lc.path, lc.param, bad)
		}
	}
}

func (tn *testNode) remoteMember(i int) string {
	return fmt.Sprintf("https://h%03d.test/users/m%03d", i%7, i)
}

func TestCoursePageListsArePaged(t *testing.T) {
	n := startNode(t, node.Config{})
	const members, threads = 125, 45
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var people []string
	fill(t, n, members, func(tx domain.Tx, i int) error {
		// An actor the node has not fetched is named by its host and path.
		people = append(people, strings.TrimPrefix(n.remoteMember(i), "https://"))
		return tx.PutFollower(&domain.Follower{Local: node.DemoCourse, Actor: n.remoteMember(i), State: domain.FollowAccepted,
			Inbox: "https://h.test/inbox", Created: start.Add(time.Duration(i) * time.Minute)})
	})
	// Pending requests are not participants.
	fill(t, n, 10, func(tx domain.Tx, i int) error {
		return tx.PutFollower(&domain.Follower{Local: node.DemoCourse, Actor: n.remoteMember(1000 + i), State: domain.FollowPending, Created: start})
	})
	// Ids after every ULID of now: these are the newest posts, before the
	// demo's task announcements.
	var roots []string
	ada := n.URLs.Actor(domain.ActorPerson, node.DemoOrganiser)
	fill(t, n, threads, func(tx domain.Tx, i int) error {
		id := fmt.Sprintf("7ZZROOT%019d", i)
		roots = append([]string{fmt.Sprintf("root-%02d", i)}, roots...) // newest first
		return tx.PutPost(&domain.Post{ID: id, Course: node.DemoCourse, URI: n.URLs.Path("/posts/" + id), Author: ada, Local: true,
			Thread: id, Content: fmt.Sprintf("<p>root-%02d</p>", i), Published: start.Add(time.Duration(i) * time.Hour)})
	})
	// The newest thread has 30 replies: its first 20 posts show (the
	// post and 19 replies), and a link to the thread.
	newest := fmt.Sprintf("7ZZROOT%019d", threads-1)
	fill(t, n, 30, func(tx domain.Tx, i int) error {
		id := fmt.Sprintf("01JREPL%019d", i)
		return tx.PutPost(&domain.Post{ID: id, Course: node.DemoCourse, URI: n.URLs.Path("/posts/" + id), Author: ada, Local: true,
			InReplyTo: n.URLs.Path("/posts/" + newest), Thread: newest, Content: fmt.Sprintf("<p>reply-%02d</p>", i)})
	})

	b := newBrowser(t, n.base)
	path := "/courses/" + node.DemoCourse
	participants := listCase{path: path, section: "people", param: "people", size: 50,
		item: regexp.MustCompile(`<li>([^<]+)</li>`), want: people}
	second := participants.walk(t, b)
	participants.badCursor(t, b)
	_, body := b.get(path)
	if !strings.Contains(section(t, body, "people"), "Participants <span class=\"count\">(125)</span>") {
		t.Errorf("the participants' count is not shown: %s", section(t, body, "people"))
	}

	discussion := listCase{path: path, section: "discussion", param: "posts", size: 20,
		item: regexp.MustCompile(`<p>(root-\d+)</p>`), want: roots}
	discussion.walk(t, b)
	discussion.badCursor(t, b)
	d := section(t, body, "discussion")
	if got := strings.Count(d, "<p>reply-"); got != 19 {
		t.Errorf("the newest thread shows %d of its 30 replies, want 19", got)
	}
	if !strings.Contains(d, `<a href="/threads/`+newest+`">The whole thread (31 posts)</a>`) {
		t.Errorf("no link to the whole thread: %s", d)
	}

	// Paging one list keeps the other where it was.
	_, body = b.get(second)
	if next := link(nextRE, section(t, body, "discussion")); !strings.Contains(next, "people=") || !strings.Contains(next, "posts=") {
		t.Errorf("on the participants' second page, the discussion's next link %q forgets them", next)
	}
}

func TestManagePageListsArePaged(t *testing.T) {
	n := startNode(t, node.Config{})
	const members, pending, threads = 125, 45, 25
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var learners, waiting, roots []string
	fill(t, n, members+pending, func(tx domain.Tx, i int) error {
		f := &domain.Follower{Local: node.DemoCourse, Actor: n.remoteMember(i), State: domain.FollowAccepted,
			Created: start.Add(time.Duration(i) * time.Minute)}
		if i%3 == 2 && len(waiting) < pending {
			f.State, f.Answers = domain.FollowPending, fmt.Sprintf("answer %d", i)
			waiting = append(waiting, strings.TrimPrefix(f.Actor, "https://"))
		} else {
			learners = append(learners, strings.TrimPrefix(f.Actor, "https://"))
		}
		return tx.PutFollower(f)
	})
	if len(waiting) != pending || len(learners) != members {
		t.Fatalf("filled %d pending and %d members", len(waiting), len(learners))
	}
	ada := n.URLs.Actor(domain.ActorPerson, node.DemoOrganiser)
	fill(t, n, threads, func(tx domain.Tx, i int) error {
		id := fmt.Sprintf("7ZZROOT%019d", i) // newer than the demo's posts
		roots = append([]string{fmt.Sprintf("root-%02d", i)}, roots...)
		return tx.PutPost(&domain.Post{ID: id, Course: node.DemoCourse, URI: n.URLs.Path("/posts/" + id), Author: ada, Local: true,
			Thread: id, Content: fmt.Sprintf("<p>root-%02d</p>", i), Published: start})
	})
	// The first learner did the first task: the progress table says so.
	var task string
	err := n.Store.Update(context.Background(), func(tx domain.Tx) error {
		ts, err := tx.Tasks(node.DemoCourse)
		if err != nil {
			return err
		}
		task = ts[0].ID
		return tx.PutCompletion(&domain.Completion{ID: n.URLs.Path("/completions/x"), Course: node.DemoCourse, Task: task, Learner: "https://" + learners[0]})
	})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, n.base)
	b.login(node.DemoOrganiser, n.adaPW, "/")
	path := "/courses/" + node.DemoCourse + "/manage"
	queue := listCase{path: path, section: "queue", param: "queue", size: 20,
		item: regexp.MustCompile(`<p><strong>([^<]+)</strong></p>`), want: waiting}
	queue.walk(t, b)
	queue.badCursor(t, b)
	progress := listCase{path: path + "/progress", section: "progress", param: "members", size: 50,
		item: regexp.MustCompile(`<th scope="row">([^<]+)</th>`), want: learners}
	second := progress.walk(t, b)
	progress.badCursor(t, b)
	discussion := listCase{path: path + "/discussion", section: "discussion", param: "posts", size: 20,
		item: regexp.MustCompile(`<p>(root-\d+)</p>`), want: roots}
	discussion.walk(t, b)
	discussion.badCursor(t, b)

	_, body := b.get(path)
	if s := section(t, body, "queue"); !strings.Contains(s, `(45)`) || !strings.Contains(s, "<blockquote>answer 2</blockquote>") {
		t.Errorf("queue: no count or answers: %s", s)
	}
	_, body = b.get(path + "/progress")
	p := section(t, body, "progress")
	if !strings.Contains(p, `(125 members)`) {
		t.Errorf("progress: no count: %s", p)
	}
	if !strings.Contains(p, `<th scope="row">`+learners[0]+`</th><td class="done-count">1 of 3</td><td>✓<span class="visually-hidden"> done</span></td><td>·`) {
		t.Errorf("progress: the first learner's row does not show the task done: %s", p)
	}
	// The award form of the Badges tab offers the members of the page
	// shown, with the members' page links.
	_, body = b.get(path + "/badges")
	if got := strings.Count(body, `<option value="https://`); got != 50*strings.Count(body, `name="learner"`) || got == 0 {
		t.Errorf("the badge forms offer %d members, want the 50 of this page each", got)
	}
	if next := link(nextRE, section(t, body, "badges")); !strings.Contains(next, "members=") {
		t.Errorf("the Badges tab's members' next link %q", next)
	}
	// A message in the URL is not shown (messages are flashes,
	// web/flash.go); the tab's page links may carry the query, not show it.
	_, body = b.get(path + "/progress?error=Oops")
	if strings.Contains(regexp.MustCompile(`href="[^"]*"`).ReplaceAllString(body, ""), "Oops") {
		t.Errorf("the progress tab shows the message of its URL")
	}
	_, body = b.get(second)
	if prev := link(prevRE, section(t, body, "progress")); !strings.HasPrefix(prev, path+"/progress?") {
		t.Errorf("on the members' second page, the previous link %q leaves the tab", prev)
	}
}

func TestCourseListsArePaged(t *testing.T) {
	n := startNode(t, node.Config{})
	const courses = 70
	var inSchool, open, tagged, needles []string
	fill(t, n, courses, func(tx domain.Tx, i int) error {
		c := &domain.Course{Handle: fmt.Sprintf("course-%02d", i), Title: fmt.Sprintf("Course %02d", i), Kind: "Course",
			Status: domain.StatusOpen, School: node.DemoSchool, Organisers: []string{node.DemoOrganiser}, Language: "eo"}
		if i%7 == 3 {
			c.Summary = "A needle in the haystack."
			if i%10 != 9 {
				needles = append(needles, c.Handle)
			}
		}
		if i%2 == 0 {
			c.Tags = []string{"python"}
		}
		if i%10 == 9 {
			c.Status = domain.StatusDraft // not listed anywhere
		}
		return tx.PutCourse(c)
	})
	for i := range courses {
		h := fmt.Sprintf("course-%02d", i)
		if i%10 == 9 {
			continue
		}
		inSchool, open = append(inSchool, h), append(open, h)
		if i%2 == 0 {
			tagged = append(tagged, h)
		}
	}
	// The demo course sorts after them.
	inSchool, open, tagged = append(inSchool, node.DemoCourse), append(open, node.DemoCourse), append(tagged, node.DemoCourse)
	var schools []string
	fill(t, n, 65, func(tx domain.Tx, i int) error {
		h := fmt.Sprintf("school-%02d", i)
		schools = append(schools, h)
		return tx.PutSchool(&domain.School{Handle: h, Name: "School " + h, Organisers: []string{node.DemoOrganiser}})
	})
	schools = append(schools, node.DemoSchool)

	b := newBrowser(t, n.base)
	courseRE := regexp.MustCompile(`<a href="/courses/([^"]+)">`)
	for _, lc := range []listCase{
		{path: "/schools/" + node.DemoSchool, section: "courses", param: "courses", size: 30, item: courseRE, want: inSchool},
		{path: "/", section: "courses", param: "courses", size: 30, item: courseRE, want: open},
		{path: "/", section: "schools", param: "schools", size: 30, item: regexp.MustCompile(`<a href="/schools/([^"]+)">`), want: schools},
		{path: "/tags/python", section: "courses", param: "courses", size: 30, item: courseRE, want: tagged},
		{path: "/?tag=python", section: "courses", param: "courses", size: 30, item: courseRE, want: tagged},
		{path: "/?lang=eo", section: "courses", param: "courses", size: 30, item: courseRE, want: open[:len(open)-1]},
	} {
		t.Run(lc.path+"#"+lc.section, func(t *testing.T) {
			second := lc.walk(t, b)
			lc.badCursor(t, b)
			if q := strings.Index(lc.path, "?"); q >= 0 && !strings.Contains(second, lc.path[q+1:]) {
				t.Errorf("next link %q forgets the search %q", second, lc.path[q:])
			}
		})
	}

	// A search: the words filter the open courses as they are read.
	var found []string
	next := "/?q=" + url.QueryEscape("needle course")
	for pages := 0; next != ""; pages++ {
		if pages > courses {
			t.Fatal("search pages do not end")
		}
		_, body := b.get(next)
		s := section(t, body, "courses")
		for _, m := range courseRE.FindAllStringSubmatch(s, -1) {
			found = append(found, m[1])
		}
		next = link(nextRE, s)
	}
	if !slices.Equal(found, needles) {
		t.Errorf("search found %q, want %q", found, needles)
	}
}

func TestPersonAndPostListsArePaged(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	me := n.URLs.Actor(domain.ActorPerson, node.DemoOrganiser)
	var badge string
	if err := n.Store.View(ctx, func(tx domain.Tx) error {
		bs, err := tx.Badges(node.DemoCourse)
		if err == nil {
			badge = bs[0].ID
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var awards, received []string
	fill(t, n, 75, func(tx domain.Tx, i int) error {
		id := fmt.Sprintf("01JAWARD%018d", i)
		a := &domain.Award{ID: id, Badge: badge, Issuer: node.DemoCourse, Learner: me, Revoked: i%5 == 4}
		if !a.Revoked {
			awards = append(awards, n.URLs.Path("/awards/"+id))
		}
		return tx.PutAward(a)
	})
	fill(t, n, 65, func(tx domain.Tx, i int) error {
		r := &domain.ReceivedBadge{Learner: node.DemoOrganiser, Assertion: fmt.Sprintf("https://else.test/awards/%02d", i),
			NoteURI: fmt.Sprintf("https://else.test/notes/%02d", i), Name: "Elsewhere", ImageURL: "https://else.test/b.png"}
		received = append(received, r.Assertion)
		return tx.PutReceivedBadge(r)
	})
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	root := "01JPARENT00000000000000000" // before its replies
	rootURI := n.URLs.Path("/posts/" + root)
	var replies, thread []string
	fill(t, n, 121, func(tx domain.Tx, i int) error {
		p := &domain.Post{ID: root, Course: node.DemoCourse, URI: rootURI, Author: me, Local: true, Thread: root,
			Content: "<p>tp-000</p>", Published: start}
		if i > 0 {
			id := fmt.Sprintf("01JREPL%019d", i)
			p = &domain.Post{ID: id, Course: node.DemoCourse, URI: n.URLs.Path("/posts/" + id), Author: me, Local: true, Thread: root,
				InReplyTo: rootURI, Content: fmt.Sprintf("<p>tp-%03d</p>", i), Published: start}
			replies = append(replies, fmt.Sprintf("tp-%03d", i))
		}
		thread = append(thread, fmt.Sprintf("tp-%03d", i))
		return tx.PutPost(p)
	})

	b := newBrowser(t, n.base)
	assertion := regexp.MustCompile(`<a href="([^"]+)"><img`)
	for _, lc := range []listCase{
		{path: "/people/" + node.DemoOrganiser, section: "badges", param: "badges", size: 30, item: assertion, want: awards},
		{path: "/people/" + node.DemoOrganiser, section: "received", param: "received", size: 30, item: assertion, want: received},
		{path: "/posts/" + root, section: "replies", param: "replies", size: 50, item: regexp.MustCompile(`<p>(tp-\d+)</p>`), want: replies},
		{path: "/threads/" + root, section: "posts", param: "posts", size: 50, item: regexp.MustCompile(`<p>(tp-\d+)</p>`), want: thread},
	} {
		t.Run(lc.path+"#"+lc.section, func(t *testing.T) {
			// Revoked awards are skipped as a page is read: the first
			// page still holds 30 held ones.
			lc.walk(t, b)
			lc.badCursor(t, b)
		})
	}
}

func TestOperatorListsArePaged(t *testing.T) {
	n := startNode(t, node.Config{})
	var blocks, reports []string
	fill(t, n, 110, func(tx domain.Tx, i int) error {
		d := fmt.Sprintf("spam%03d.example", i)
		blocks = append(blocks, d)
		return tx.PutDomainBlock(&domain.DomainBlock{Domain: d})
	})
	fill(t, n, 45, func(tx domain.Tx, i int) error {
		r := &domain.Report{ID: fmt.Sprintf("01JREPORT%017d", i), Reporter: fmt.Sprintf("https://r%02d.test/actor", i),
			Received: time.Date(2026, 3, 1, i, 0, 0, 0, time.UTC)}
		reports = append([]string{r.Reporter}, reports...) // newest first
		return tx.PutReport(r)
	})
	b := newBrowser(t, n.base)
	b.login(node.DemoOrganiser, n.adaPW, "/")
	for _, lc := range []listCase{
		{path: "/admin/settings", section: "blocks", param: "blocks", size: 50, item: regexp.MustCompile(`<li><strong>([^<]+)</strong>`), want: blocks},
		{path: "/admin/settings", section: "reports", param: "reports", size: 20, item: regexp.MustCompile(`<p><strong>([^<]+)</strong>`), want: reports},
	} {
		t.Run(lc.section, func(t *testing.T) {
			lc.walk(t, b)
			lc.badCursor(t, b)
		})
	}
}

// TestCollectionsArePagedByCursor: the outbox, replies and thread
// collections are read a page at a time; walking first and next reaches
// every item once, and a bad page cursor is a 400.
func TestCollectionsArePagedByCursor(t *testing.T) {
	n := startNode(t, node.Config{})
	me := n.URLs.Actor(domain.ActorPerson, node.DemoOrganiser)
	root := "01JROOT0000000000000000000"
	rootURI := n.URLs.Path("/posts/" + root)
	var outbox, replies, thread []string
	later := time.Now().Add(time.Hour)
	fill(t, n, 47, func(tx domain.Tx, i int) error {
		id := fmt.Sprintf("7ZZPOST%019d", i)
		p := &domain.Post{ID: id, Course: node.DemoCourse, URI: n.URLs.Path("/posts/" + id), Author: me, Local: true, Thread: root,
			InReplyTo: rootURI, Activity: n.URLs.Path("/activities/" + id)}
		if i == 0 {
			p.ID, p.URI, p.InReplyTo = root, rootURI, ""
		} else {
			replies = append(replies, p.URI)
		}
		thread = append(thread, p.URI)
		outbox = append([]string{p.Activity}, outbox...) // newest first
		if err := tx.PutActivity(&domain.OutActivity{ID: p.Activity, JSON: []byte(`{"id":"` + p.Activity + `"}`),
			Created: later.Add(time.Duration(i) * time.Second)}); err != nil {
			return err
		}
		if err := tx.PutPost(p); err != nil {
			return err
		}
		return tx.ListInOutbox(node.DemoCourse, p.Activity, p.URI)
	})
	// The outbox holds the demo's meeting, posts and task announcements
	// too, sent before these (the meeting last of them).
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		ms, err := tx.Meetings(node.DemoCourse)
		if err != nil {
			return err
		}
		for _, m := range ms {
			outbox = append(outbox, n.URLs.Actor(domain.ActorCourse, node.DemoCourse)+"/meetings/"+m.ID+"/activity")
		}
		ps, err := tx.CoursePosts(node.DemoCourse, 0, 0)
		for _, p := range ps {
			if p.Activity != "" && !slices.Contains(outbox, p.Activity) {
				outbox = append(outbox, p.Activity)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(outbox) < 47 {
		t.Fatalf("the outbox holds %d activities", len(outbox))
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range []struct {
		url  string
		want []string
	}{
		{n.URLs.Actor(domain.ActorCourse, node.DemoCourse) + "/outbox", outbox},
		{rootURI + "/replies", replies},
		{n.URLs.Path("/threads/" + root), thread},
	} {
		t.Run(c.url, func(t *testing.T) {
			resp, body := get(t, client, c.url, "application/activity+json")
			var coll map[string]any
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &coll) != nil {
				t.Fatalf("collection: %d %s", resp.StatusCode, body)
			}
			// A post's replies embed their first page (as Mastodon's do),
			// which is served at its id too: the walk starts there.
			first := coll["first"]
			if m, ok := first.(map[string]any); ok {
				first = m["id"]
			}
			if coll["totalItems"] != float64(len(c.want)) || first != c.url+"?page=1" {
				t.Fatalf("collection: %s", body)
			}
			var seen []string
			next, _ := first.(string)
			for pages := 0; next != ""; pages++ {
				if pages > len(c.want) {
					t.Fatal("next links do not end")
				}
				resp, body := get(t, client, next, "application/activity+json")
				var page map[string]any
				if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &page) != nil {
					t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
				}
				items, ordered := page["orderedItems"].([]any)
				if !ordered {
					items, _ = page["items"].([]any)
				}
				if len(items) > 20 || (pages == 0 && len(items) != 20) {
					t.Fatalf("%s holds %d items", next, len(items))
				}
				for _, it := range items {
					if m, ok := it.(map[string]any); ok {
						it = m["id"]
					}
					seen = append(seen, it.(string))
				}
				next, _ = page["next"].(string)
			}
			if !slices.Equal(seen, c.want) {
				t.Fatalf("walked %q\nwant %q", seen, c.want)
			}
			resp, body = get(t, client, c.url+"?page=garbage!", "application/activity+json")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "This page link is not valid") {
				t.Errorf("bad cursor: %d %s", resp.StatusCode, body)
			}
		})
	}
}
