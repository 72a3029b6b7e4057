package service

import (
	"context"

	"github.com/lernejo/lernejo/domain"
)

// maxSchoolCollection bounds the school's collection of courses: its local
// courses are read a page at a time up to it. A school lists tens of
// courses, not thousands.
const maxSchoolCollection = 1000

// Collection is the ids of the courses of the school handle, for its
// courses collection: its courses here that are not drafts, in handle
// order, then the courses of other servers it took in, in the order it
// accepted them.
func (s *Schools) Collection(ctx context.Context, handle string) ([]string, error) {
	var ids []string
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		sc, err := tx.School(handle)
		if err != nil {
			return err
		}
		cursor := ""
		for len(ids) < maxSchoolCollection {
			page, err := tx.CoursesPage(domain.SchoolCourses(sc.Handle), cursor, coursesPerPage, nil)
			if err != nil {
				return err
			}
			for _, c := range page.Items {
				ids = append(ids, s.URLs.Actor(domain.ActorCourse, c.Handle))
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		for _, rc := range sc.RemoteCourses {
			ids = append(ids, rc.ID)
		}
		return nil
	})
	return ids, err
}
