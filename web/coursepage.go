package web

import (
	"github.com/lernejo/lernejo/domain"
)

// postView is a post as a page shows it.
type postView struct {
	Post    *domain.Post
	Author  string // @handle@host, or the course's name
	Link    string // where the author's name points
	Replies []postView
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

// discussion is a course's threads, newest first, with their replies.
func (s *Server) discussion(tx domain.Tx, course string) ([]postView, error) {
	posts, err := tx.CoursePosts(course, 0, 100)
	if err != nil {
		return nil, err
	}
	var out []postView
	for _, p := range posts {
		if p.IsReply() {
			if _, err := tx.Post(p.InReplyTo); err == nil {
				continue // shown under its parent
			}
		}
		v := postView{Post: p}
		v.Author, v.Link = s.authorOf(tx, p.Author)
		replies, err := tx.Replies(p.URI)
		if err != nil {
			return nil, err
		}
		for _, r := range replies {
			rv := postView{Post: r}
			rv.Author, rv.Link = s.authorOf(tx, r.Author)
			out2, _ := tx.Replies(r.URI)
			for _, rr := range out2 {
				rrv := postView{Post: rr}
				rrv.Author, rrv.Link = s.authorOf(tx, rr.Author)
				rv.Replies = append(rv.Replies, rrv)
			}
			v.Replies = append(v.Replies, rv)
		}
		out = append(out, v)
	}
	return out, nil
}

// coursePageData gathers what the course page shows to this viewer.
func (s *Server) coursePageData(tx domain.Tx, co *domain.Course, viewer *domain.Person) (map[string]any, error) {
	tasks, err := tx.Tasks(co.Handle)
	if err != nil {
		return nil, err
	}
	badges, err := tx.Badges(co.Handle)
	if err != nil {
		return nil, err
	}
	threads, err := s.discussion(tx, co.Handle)
	if err != nil {
		return nil, err
	}
	followers, err := tx.Followers(co.Handle)
	if err != nil {
		return nil, err
	}
	var participants []string
	for _, f := range followers {
		if f.State == domain.FollowAccepted {
			name, _ := s.authorOf(tx, f.Actor)
			participants = append(participants, name)
		}
	}
	data := map[string]any{"Course": co, "Tasks": tasks, "Badges": badges, "Threads": threads, "Participants": participants,
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
