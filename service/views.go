package service

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/lernejo/lernejo/domain"
)

// Page sizes of the lists the pages show. Every list is read a page at a
// time from the store (the ...Page reads of domain's store interfaces), so a page's size and cost do not
// grow with the list: a course with 10,000 members serves the same page as
// one with 100 (web's BenchmarkCoursePages).
const (
	peoplePerPage  = 50 // participants, members and their progress
	queuePerPage   = 20 // sign-up requests, each with its answers and forms
	threadsPerPage = 20 // top-level posts of a discussion
	threadShown    = 20 // posts of a thread a discussion shows, its first included
	awardsPerPage  = 50 // awards of a badge its organisers' Badges tab shows
	// maxDepth is how many levels of replies are indented under a post:
	// deeper replies still show, at the last level, each saying whom it
	// answers, so a long chain of replies does not run off the page.
	maxDepth = 4
)

// PostView is a post as a page shows it, with the replies shown under it.
type PostView struct {
	Post   *domain.Post
	Author string // display name and @handle@host, or the course's name
	Link   string // where the author's name points
	// Avatar is the URL of the author's picture, served by this node;
	// "" while a remote author's is being fetched (avatarOf).
	Avatar  string
	Replies []PostView
	// Depth is the post's level of indent: 0 for the first post shown,
	// at most maxDepth.
	Depth int
	// ReplyTo names the author of the post it answers when the page shows
	// it away from that post: deeper than maxDepth, or that post is on
	// another page.
	ReplyTo string
	// Mine is set when the viewer wrote it here: they may edit and delete
	// it, starting from Text, its text as they would type it.
	Mine bool
	Text string
	// More is set on a top-level post whose thread has more than the page
	// shows under it; ThreadPosts is then the thread's size, for the link
	// to the thread's own page.
	More        bool
	ThreadPosts int
}

// Discussion is one page of a course's discussion, and the cursors of its
// neighbouring pages ("" at an end).
type Discussion struct {
	Threads    []PostView
	Prev, Next string
}

// authorTx is what authorOf reads to name an actor: local courses by
// their title, remote actors from the cache.
type authorTx interface {
	domain.CourseStore
	domain.ActorCache
}

// authorOf names an actor for a page, and links the name. An actor the
// store does not hold is named by its id; a failed read is an error.
func (e *env) authorOf(tx authorTx, id string) (name, link string, _ error) {
	if h, typ, ok := e.URLs.LocalActor(id); ok {
		if typ == domain.ActorCourse {
			c, found, err := domain.Found(tx.Course(h))
			if err != nil {
				return "", "", fmt.Errorf("service: author %s: %w", id, err)
			}
			if found {
				return c.Title, id, nil
			}
		}
		return "@" + h, id, nil
	}
	ra, found, err := domain.Found(tx.RemoteActor(id))
	if err != nil {
		return "", "", fmt.Errorf("service: author %s: %w", id, err)
	}
	if !found {
		return shortActor(id), id, nil
	}
	link = ra.URL
	if link == "" {
		link = ra.ID
	}
	if ra.Name == "" || ra.Name == ra.Handle() {
		return ra.Handle(), link, nil
	}
	return ra.Name + " (" + ra.Handle() + ")", link, nil
}

// maxShortActor bounds the name shortActor makes, in characters.
const maxShortActor = 60

// shortActor names an actor this node has not fetched by its id without
// the scheme (host and path: the host says where it lives), cut to
// maxShortActor characters; an id that is no URL is cut as it is.
func shortActor(id string) string {
	if u, err := url.Parse(id); err == nil && u.Host != "" {
		id = u.Host + strings.TrimSuffix(u.EscapedPath(), "/")
	}
	return domain.Truncate(id, maxShortActor)
}

// postViewTx is what postView reads: the author's name, and whether they
// are a suspended local person, and their picture.
type postViewTx interface {
	authorTx
	avatarTx
}

// postView is a post with its author's name and link, as viewer (a local
// handle, "" for a visitor) sees it; a suspended author's post is hidden.
func (e *env) postView(tx postViewTx, viewer string, p *domain.Post) (PostView, error) {
	hidden, err := e.suspendedAuthor(tx, p.Author)
	if err != nil {
		return PostView{}, err
	}
	if hidden {
		return PostView{Post: hiddenPost(p), Author: "A suspended account"}, nil
	}
	v := PostView{Post: p, Mine: viewer != "" && p.Local && p.Author == e.URLs.Actor(domain.ActorPerson, viewer)}
	if v.Mine {
		v.Text = p.Source
		if v.Text == "" { // written before Markdown
			v.Text = e.editText(p.Content)
		}
	}
	if v.Author, v.Link, err = e.authorOf(tx, p.Author); err != nil {
		return v, err
	}
	v.Avatar, err = e.avatarOf(tx, p.Author)
	return v, err
}

// mentionLink is a mention as PostHTML writes it; editing leaves them out
// of the text, as Edit writes the post's mentions again.
var mentionLink = regexp.MustCompile(`<span class="h-card">.*?</a></span> ?`)

// editText is a post's text (sanitised HTML, as PostHTML makes it) back as
// its author typed it: a line for each line, a blank line between
// paragraphs, without its mentions.
func (e *env) editText(content string) string {
	content = mentionLink.ReplaceAllString(content, "")
	var paras []string
	for _, para := range strings.Split(content, "</p>") {
		var lines []string
		for _, line := range strings.Split(para, "<br") {
			if strings.HasPrefix(line, ">") || strings.HasPrefix(line, "/>") || strings.HasPrefix(line, " />") {
				line = line[strings.IndexByte(line, '>')+1:]
			}
			lines = append(lines, e.Docs.Sanitizer.PlainText(line))
		}
		if text := strings.TrimSpace(strings.Join(lines, "\n")); text != "" {
			paras = append(paras, text)
		}
	}
	return strings.Join(paras, "\n\n")
}

// discussionTx is what discussion reads: the posts, and their authors'
// names.
type discussionTx interface {
	postViewTx
	domain.PostStore
}

// discussion is the page of a course's discussion at cursor, as viewer
// sees it: the course's pinned posts first (on the first page), then
// threadsPerPage top-level posts, newest first, each with the first
// threadShown posts of its thread nested under it. A longer thread links
// to its own page.
func (e *env) discussion(tx discussionTx, viewer, course, cursor string) (Discussion, error) {
	page, err := tx.DiscussionPage(course, cursor, threadsPerPage)
	if err != nil {
		return Discussion{}, err
	}
	out := Discussion{Prev: page.Prev, Next: page.Next}
	// Pinned posts come first, once: on the first page, and not again
	// where the newest-first order would place them.
	pinned, err := tx.PinnedPosts(course, maxPinnedPosts)
	if err != nil {
		return Discussion{}, err
	}
	var roots []*domain.Post
	first := map[string]bool{}
	for _, p := range pinned {
		if !p.IsReply() {
			first[p.URI] = true
			if cursor == "" {
				roots = append(roots, p)
			}
		}
	}
	for _, p := range page.Items {
		if !first[p.URI] {
			roots = append(roots, p)
		}
	}
	for _, p := range roots {
		thread, err := tx.ThreadPage(p.Thread, "", threadShown)
		if err != nil {
			return Discussion{}, err
		}
		posts := thread.Items
		if !slices.ContainsFunc(posts, func(q *domain.Post) bool { return q.URI == p.URI }) {
			// The thread's first post was stored after some of its
			// replies (they came first from another server).
			posts = append([]*domain.Post{p}, posts[:min(len(posts), threadShown-1)]...)
		}
		trees, err := e.tree(tx, viewer, posts, p.URI)
		if err != nil {
			return Discussion{}, err
		}
		v := trees[0]
		if v.ThreadPosts, err = tx.CountThread(p.Thread); err != nil {
			return Discussion{}, err
		}
		v.More = thread.Next != "" || v.ThreadPosts > len(posts)
		out.Threads = append(out.Threads, v)
	}
	return out, nil
}

// tree nests posts (read oldest first) under the posts they answer, to
// maxDepth levels (deeper ones follow at the last level, in order). A post
// whose parent is not among them is shown under root when root (a post's
// id) is set, else as a tree of its own; either way it names whom it
// answers. With root set, the first tree is root's.
func (e *env) tree(tx discussionTx, viewer string, posts []*domain.Post, root string) ([]PostView, error) {
	at := make(map[string]int, len(posts))
	views := make([]PostView, len(posts))
	for i, p := range posts {
		v, err := e.postView(tx, viewer, p)
		if err != nil {
			return nil, err
		}
		views[i], at[p.URI] = v, i
	}
	kids := make([][]int, len(posts))
	var tops []int
	for i, p := range posts {
		parent, ok := at[p.InReplyTo]
		switch {
		case ok && p.URI != root && parent != i:
			kids[parent] = append(kids[parent], i)
			continue
		case p.URI == root:
			tops = append([]int{i}, tops...)
			continue
		}
		if p.InReplyTo != "" {
			name, err := e.parentName(tx, p.InReplyTo)
			if err != nil {
				return nil, err
			}
			views[i].ReplyTo = name
		}
		if r, ok := at[root]; ok {
			kids[r] = append(kids[r], i)
		} else {
			tops = append(tops, i)
		}
	}
	var build func(i, depth int) []PostView
	build = func(i, depth int) []PostView {
		v := views[i]
		v.Depth = depth
		if depth < maxDepth {
			for _, k := range kids[i] {
				v.Replies = append(v.Replies, build(k, depth+1)...)
			}
			return []PostView{v}
		}
		out := []PostView{v}
		for _, k := range kids[i] {
			sub := build(k, depth)
			if sub[0].ReplyTo == "" {
				sub[0].ReplyTo = v.Author
			}
			out = append(out, sub...)
		}
		return out
	}
	var out []PostView
	for _, i := range tops {
		out = append(out, build(i, 0)...)
	}
	return out, nil
}

// parentName names the author of the post uri, for a reply shown away
// from it; "another post" when it is not kept here.
func (e *env) parentName(tx discussionTx, uri string) (string, error) {
	parent, found, err := domain.Found(tx.Post(uri))
	if err != nil {
		return "", fmt.Errorf("service: parent %s: %w", uri, err)
	}
	if !found {
		return "another post", nil
	}
	name, _, err := e.authorOf(tx, parent.Author)
	return name, err
}
