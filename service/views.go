package service

import (
	"fmt"

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
	repliesShown   = 5  // direct replies under each of them
	nestedShown    = 3  // replies under each of those
)

// PostView is a post as a page shows it.
type PostView struct {
	Post    *domain.Post
	Author  string // @handle@host, or the course's name
	Link    string // where the author's name points
	Replies []PostView
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
		return id, id, nil
	}
	link = ra.URL
	if link == "" {
		link = ra.ID
	}
	return ra.DisplayName() + " (" + ra.Handle() + ")", link, nil
}

// postView is a post with its author's name and link.
func (e *env) postView(tx authorTx, p *domain.Post) (PostView, error) {
	v := PostView{Post: p}
	var err error
	v.Author, v.Link, err = e.authorOf(tx, p.Author)
	return v, err
}

// discussionTx is what discussion reads: the posts, and their authors'
// names.
type discussionTx interface {
	authorTx
	domain.PostStore
}

// discussion is the page of a course's discussion at cursor: threadsPerPage
// top-level posts, newest first, each with its first replies and theirs. A
// longer thread links to its own page.
func (e *env) discussion(tx discussionTx, course, cursor string) (Discussion, error) {
	page, err := tx.DiscussionPage(course, cursor, threadsPerPage)
	if err != nil {
		return Discussion{}, err
	}
	out := Discussion{Prev: page.Prev, Next: page.Next}
	for _, p := range page.Items {
		v, err := e.postView(tx, p)
		if err != nil {
			return Discussion{}, err
		}
		replies, err := tx.RepliesPage(p.URI, "", repliesShown)
		if err != nil {
			return Discussion{}, err
		}
		shown := 1
		v.More = replies.Next != ""
		for _, r := range replies.Items {
			rv, err := e.postView(tx, r)
			if err != nil {
				return Discussion{}, err
			}
			nested, err := tx.RepliesPage(r.URI, "", nestedShown)
			if err != nil {
				return Discussion{}, err
			}
			v.More = v.More || nested.Next != ""
			for _, rr := range nested.Items {
				rrv, err := e.postView(tx, rr)
				if err != nil {
					return Discussion{}, err
				}
				rv.Replies = append(rv.Replies, rrv)
			}
			shown += 1 + len(nested.Items)
			v.Replies = append(v.Replies, rv)
		}
		if v.ThreadPosts, err = tx.CountThread(p.Thread); err != nil {
			return Discussion{}, err
		}
		v.More = v.More || v.ThreadPosts > shown
		out.Threads = append(out.Threads, v)
	}
	return out, nil
}
