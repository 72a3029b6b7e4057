package web

import (
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

// authorOf names a post's author for a page.
func (s *Server) authorOf(tx domain.Tx, id string) (string, string) {
	if h, typ, ok := s.urls.LocalActor(id); ok {
		if typ == domain.ActorCourse {
			if c, err := tx.Course(h); err == nil {
				return c.Title, id
			}
		}
		return "@" + h, id
	}
	if ra, err := tx.RemoteActor(id); err == nil {
		link := ra.URL
		if link == "" {
			link = ra.ID
		}
		return ra.DisplayName() + " (" + ra.Handle() + ")", link
	}
	return id, id
}

func (s *Server) viewOf(tx domain.Tx, p *domain.Post) postView {
	v := postView{Post: p}
	v.Author, v.Link = s.authorOf(tx, p.Author)
	return v
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
		v := s.viewOf(tx, p)
		replies, err := tx.RepliesPage(p.URI, "", repliesShown)
		if err != nil {
			return discussionView{}, err
		}
		shown := 1
		v.More = replies.Next != ""
		for _, r := range replies.Items {
			rv := s.viewOf(tx, r)
			nested, err := tx.RepliesPage(r.URI, "", nestedShown)
			if err != nil {
				return discussionView{}, err
			}
			v.More = v.More || nested.Next != ""
			for _, rr := range nested.Items {
				rv.Replies = append(rv.Replies, s.viewOf(tx, rr))
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
		name, _ := s.authorOf(tx, f.Actor)
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
		if f, err := tx.Follower(co.Handle, id); err == nil {
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
