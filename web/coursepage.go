package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
)

// postView is a post as a page shows it.
type postView struct {
	Post    *domain.Post
	Author  string // @handle@host, or the course's name
	Link    string // where the author's name points
	Replies []postView
	// More is set on a top-level post whose thread has more than the page
	// shows under it; ThreadPosts is then the thread's size, for the link
	// to the thread's own page.
	More        bool
	ThreadPosts int
}

// authorOf names a post's author for a page, and links the name. An actor
// the store does not hold is named by its id; a failed read is an error.
func (s *Server) authorOf(tx domain.Tx, id string) (name, link string, _ error) {
	if h, typ, ok := s.urls.LocalActor(id); ok {
		if typ == domain.ActorCourse {
			c, found, err := domain.Found(tx.Course(h))
			if err != nil {
				return "", "", fmt.Errorf("web: author %s: %w", id, err)
			}
			if found {
				return c.Title, id, nil
			}
		}
		return "@" + h, id, nil
	}
	ra, found, err := domain.Found(tx.RemoteActor(id))
	if err != nil {
		return "", "", fmt.Errorf("web: author %s: %w", id, err)
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

// viewOf is a post with its author's name and link.
func (s *Server) viewOf(tx domain.Tx, p *domain.Post) (postView, error) {
	v := postView{Post: p}
	var err error
	v.Author, v.Link, err = s.authorOf(tx, p.Author)
	return v, err
}

// discussionView is one page of a discussion.
type discussionView struct {
	Threads []postView
	Pages   pageLinks
}

// discussion is the page of a course's discussion that ?posts= names:
// threadsPerPage top-level posts, newest first, each with its first
// replies and theirs. A longer thread links to its own page.
func (s *Server) discussion(c *fiber.Ctx, tx domain.Tx, course string) (discussionView, error) {
	page, err := tx.DiscussionPage(course, c.Query("posts"), threadsPerPage)
	if err != nil {
		return discussionView{}, err
	}
	out := discussionView{Pages: linksFor(c, "posts", "discussion", "Discussion", page)}
	for _, p := range page.Items {
		v, err := s.viewOf(tx, p)
		if err != nil {
			return discussionView{}, err
		}
		replies, err := tx.RepliesPage(p.URI, "", repliesShown)
		if err != nil {
			return discussionView{}, err
		}
		shown := 1
		v.More = replies.Next != ""
		for _, r := range replies.Items {
			rv, err := s.viewOf(tx, r)
			if err != nil {
				return discussionView{}, err
			}
			nested, err := tx.RepliesPage(r.URI, "", nestedShown)
			if err != nil {
				return discussionView{}, err
			}
			v.More = v.More || nested.Next != ""
			for _, rr := range nested.Items {
				rrv, err := s.viewOf(tx, rr)
				if err != nil {
					return discussionView{}, err
				}
				rv.Replies = append(rv.Replies, rrv)
			}
			shown += 1 + len(nested.Items)
			v.Replies = append(v.Replies, rv)
		}
		if v.ThreadPosts, err = tx.CountThread(p.Thread); err != nil {
			return discussionView{}, err
		}
		v.More = v.More || v.ThreadPosts > shown
		out.Threads = append(out.Threads, v)
	}
	return out, nil
}

// coursePageData gathers what the course page shows to this viewer: its
// tasks and badges, a page of its discussion (?posts=) and a page of its
// participants (?people=).
func (s *Server) coursePageData(c *fiber.Ctx, tx domain.Tx, co *domain.Course, viewer *domain.Person) (map[string]any, error) {
	tasks, err := tx.Tasks(co.Handle)
	if err != nil {
		return nil, err
	}
	badges, err := tx.Badges(co.Handle)
	if err != nil {
		return nil, err
	}
	threads, err := s.discussion(c, tx, co.Handle)
	if err != nil {
		return nil, err
	}
	people, err := tx.FollowersPage(co.Handle, domain.FollowAccepted, c.Query("people"), peoplePerPage)
	if err != nil {
		return nil, err
	}
	var participants []string
	for _, f := range people.Items {
		name, _, err := s.authorOf(tx, f.Actor)
		if err != nil {
			return nil, err
		}
		participants = append(participants, name)
	}
	count, err := tx.CountFollowers(co.Handle, domain.FollowAccepted)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Course": co, "Tasks": tasks, "Badges": badges, "Threads": threads.Threads, "PostPages": threads.Pages,
		"Participants": participants, "ParticipantCount": count, "PeoplePages": linksFor(c, "people", "people", "Participants", people),
		"Done": map[string]bool{}, "Enrolment": "", "Organiser": false}
	if viewer != nil {
		id := s.urls.Actor(domain.ActorPerson, viewer.Handle)
		if f, enrolled, err := domain.Found(tx.Follower(co.Handle, id)); err != nil {
			return nil, fmt.Errorf("web: enrolment: %w", err)
		} else if enrolled {
			data["Enrolment"] = string(f.State)
		}
		done := map[string]bool{}
		cs, err := tx.CompletionsOf(co.Handle, id)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			done[c.Task] = true
		}
		data["Done"] = done
		data["Organiser"] = co.IsOrganiser(viewer.Handle)
	}
	return data, nil
}
