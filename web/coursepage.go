package web

import (
	"fmt"

	"github.com/lernejo/lernejo/domain"
)

// postView is a post as a page shows it.
type postView struct {
	Post    *domain.Post
	Author  string // @handle@host, or the course's name
	Link    string // where the author's name points
	Replies []postView
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

// discussion is a course's threads, newest first, with their replies.
func (s *Server) discussion(tx domain.Tx, course string) ([]postView, error) {
	posts, err := tx.CoursePosts(course, 0, 100)
	if err != nil {
		return nil, err
	}
	var out []postView
	for _, p := range posts {
		if p.IsReply() {
			if _, underParent, err := domain.Found(tx.Post(p.InReplyTo)); err != nil {
				return nil, fmt.Errorf("web: discussion: %w", err)
			} else if underParent {
				continue // shown under its parent
			}
		}
		v := postView{Post: p}
		if v.Author, v.Link, err = s.authorOf(tx, p.Author); err != nil {
			return nil, err
		}
		replies, err := tx.Replies(p.URI)
		if err != nil {
			return nil, err
		}
		for _, r := range replies {
			rv := postView{Post: r}
			if rv.Author, rv.Link, err = s.authorOf(tx, r.Author); err != nil {
				return nil, err
			}
			out2, err := tx.Replies(r.URI)
			if err != nil {
				return nil, err
			}
			for _, rr := range out2 {
				rrv := postView{Post: rr}
				if rrv.Author, rrv.Link, err = s.authorOf(tx, rr.Author); err != nil {
					return nil, err
				}
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
			name, _, err := s.authorOf(tx, f.Actor)
			if err != nil {
				return nil, err
			}
			participants = append(participants, name)
		}
	}
	data := map[string]any{"Course": co, "Tasks": tasks, "Badges": badges, "Threads": threads, "Participants": participants,
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
