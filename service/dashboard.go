package service

import (
	"context"
	"net/url"

	"github.com/lernejo/lernejo/domain"
)

// The read model of a person's "My learning" page: the courses they take
// (here and on other servers) with their progress, the sign-ups waiting
// for an organiser, the courses they organise, and their badges.

// LearningCourse is a course as "My learning" lists it.
type LearningCourse struct {
	Title string
	URL   string // its page here: /courses/HANDLE, or /remote?id= for another server's
	// Remote is set for a course on another server.
	Remote bool
	// Status is a local course's status (drafts are marked); "" for a
	// remote one.
	Status domain.CourseStatus
	// Done of Tasks is the person's progress.
	Done, Tasks int
}

// LearningPage is a person's "My learning" page.
type LearningPage struct {
	Taking     []LearningCourse
	Pending    []LearningCourse
	Organising []LearningCourse
	// Badges are the newest badges they hold, from this node and from
	// other servers; the person's page lists them all.
	Badges []HeldBadge
}

// learningBadges is how many badges of each source the page shows.
const learningBadges = 12

// Learning is the "My learning" page of the local person handle.
func (s *Accounts) Learning(ctx context.Context, handle string) (*LearningPage, error) {
	var out *LearningPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := tx.Person(handle); err != nil {
			return err
		}
		personID := s.URLs.Actor(domain.ActorPerson, handle)
		page := &LearningPage{}
		// Courses of this node: the person is one of their followers.
		follows, err := tx.FollowedBy(personID)
		if err != nil {
			return err
		}
		for _, f := range follows {
			c, found, err := domain.Found(tx.Course(f.Local))
			if err != nil {
				return err
			}
			if !found {
				continue // a person they follow, not a course
			}
			lc := LearningCourse{Title: c.Title, URL: "/courses/" + c.Handle, Status: c.Status}
			if f.State != domain.FollowAccepted {
				page.Pending = append(page.Pending, lc)
				continue
			}
			tasks, err := tx.Tasks(c.Handle)
			if err != nil {
				return err
			}
			ids := make([]string, 0, len(tasks))
			for _, t := range tasks {
				ids = append(ids, t.ID)
			}
			if lc.Done, lc.Tasks, err = progress(tx, c.Handle, personID, ids); err != nil {
				return err
			}
			page.Taking = append(page.Taking, lc)
		}
		// Courses of other servers: the person follows them from here.
		followings, err := tx.Followings(handle)
		if err != nil {
			return err
		}
		for _, f := range followings {
			ra, found, err := domain.Found(tx.RemoteActor(f.Target))
			if err != nil {
				return err
			}
			if !found || ra.Type != "Group" {
				continue // someone they follow, not a course
			}
			lc := LearningCourse{Title: ra.DisplayName(), URL: "/remote?id=" + url.QueryEscape(ra.ID), Remote: true}
			if f.State != domain.FollowAccepted {
				page.Pending = append(page.Pending, lc)
				continue
			}
			tasks, err := tx.RemoteTasks(ra.ID)
			if err != nil {
				return err
			}
			ids := make([]string, 0, len(tasks))
			for _, t := range tasks {
				ids = append(ids, t.ID)
			}
			if lc.Done, lc.Tasks, err = progress(tx, ra.ID, personID, ids); err != nil {
				return err
			}
			page.Taking = append(page.Taking, lc)
		}
		organised, err := tx.CoursesPage(domain.OrganisedCourses(handle), "", domain.MaxPageSize, nil)
		if err != nil {
			return err
		}
		for _, c := range organised.Items {
			page.Organising = append(page.Organising, LearningCourse{Title: c.Title, URL: "/courses/" + c.Handle, Status: c.Status})
		}
		awards, err := tx.AwardsPage(personID, "", learningBadges, func(a *domain.Award) bool { return !a.Revoked })
		if err != nil {
			return err
		}
		for _, a := range awards.Items {
			b, found, err := domain.Found(tx.Badge(a.Badge))
			if err != nil {
				return err
			}
			if found {
				page.Badges = append(page.Badges, HeldBadge{Name: b.Name, Assertion: s.URLs.Path("/awards/" + a.ID),
					Image: s.URLs.Path("/badges/" + b.ID + "/image.png")})
			}
		}
		received, err := tx.ReceivedBadgesPage(handle, "", learningBadges, func(r *domain.ReceivedBadge) bool { return !r.Revoked })
		if err != nil {
			return err
		}
		for _, r := range received.Items {
			page.Badges = append(page.Badges, HeldBadge{Name: r.Name, Assertion: r.Assertion, Image: r.ImageURL})
		}
		out = page
		return nil
	})
	return out, err
}

// progress is how many of a course's tasks (their ids) the learner did.
func progress(tx domain.CompletionStore, course, learner string, tasks []string) (done, total int, err error) {
	cs, err := tx.CompletionsOf(course, learner)
	if err != nil {
		return 0, 0, err
	}
	did := map[string]bool{}
	for _, c := range cs {
		did[c.Task] = true
	}
	for _, t := range tasks {
		if did[t] {
			done++
		}
	}
	return done, len(tasks), nil
}
